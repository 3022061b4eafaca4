"""Daily logs as a site enters them (pumasi.records): the rules with their messages, whole batches,
locked dates, the 480-minute cap across activities, overlaps, CSV in UTF-8 and CP949."""
from datetime import date, time

import pytest

from pumasi.linkage.state import DateState, ParticipationState
from pumasi.linkage import reads
from pumasi.linkage.requests import request_linkage
from pumasi.records import activities, dailylogs, exports, imports
from pumasi.records.dailylogs import LogInput
from pumasi.records.errors import BatchInvalid, NotAllowed
from pumasi.records.imports import ImportRejected
from pumasi.db import db
from pumasi.models import (Activity, AuditLog, DailyLog, LinkAttempt,
                           LinkRequest, Member, Participation, Site)

TODAY = date(2026, 11, 26)
DAY = date(2026, 11, 21)
MENTORING = "청소년 문화예술 멘토링"        # site1, 2026-06-01..2026-11-30: vol1 and vol3
MUSEUM = "박물관 전시 해설 도우미"          # site2, 2026-03-01..2026-12-31: vol1, vol2, vol3


@pytest.fixture
def world(app, demo):
    """The demo world, inside an app context with a connection."""
    with app.app_context(), db.connection_context():
        yield World()


class World:
    def member(self, username):
        return Member.get(Member.username == username)

    def activity(self, title):
        return Activity.get(Activity.title == title)

    def participation(self, title, username):
        return (Participation.select().join(Activity).switch(Participation).join(Member)
                .where(Activity.title == title, Member.username == username).get())

    def row(self, title, username, start, end, minutes="", on=DAY, log_id=None):
        return LogInput(self.participation(title, username).id, on.isoformat() if isinstance(on, date) else on,
                        start, end, minutes, log_id)

    def save(self, title, *rows, today=TODAY):
        return dailylogs.save_batch(self.activity(title), list(rows), self.member("site1"), today)

    def errors(self, title, *rows, today=TODAY):
        with pytest.raises(BatchInvalid) as caught:
            self.save(title, *rows, today=today)
        return {index: [str(e) for e in found] for index, found in caught.value.errors.items()}

    def logs(self, title, username, on=DAY):
        return list(DailyLog.select().where(DailyLog.participation == self.participation(title, username),
                                            DailyLog.date == on).order_by(DailyLog.start))


def test_one_date_for_three_volunteers(world):
    activities.add_volunteer(world.activity(MENTORING), "vol2", world.member("site1"))
    saved = world.save(MENTORING, world.row(MENTORING, "vol1", "10:00", "13:00"),
                       world.row(MENTORING, "vol2", "10:00", "13:00", "150"),
                       world.row(MENTORING, "vol3", "10:00", "12:30"))
    assert [(log.minutes, log.link_state, log.result_code) for log in saved] == [
        (180, DateState.UNSENT, None), (150, DateState.UNSENT, None), (150, DateState.UNSENT, None)]
    assert world.logs(MENTORING, "vol3")[0].end == time(12, 30)
    entry = AuditLog.get(AuditLog.action == "dailylog.save")
    assert entry.actor_name == "site1" and entry.detail.startswith("추가 3건, 수정 0건: #")


NIGHT = ("종료시간은 시작시간보다 늦어야 합니다. 자정을 넘긴 활동은 날짜를 나누어 입력해 주세요. "
         "(예: 22:00~24:00, 다음 날 00:00~02:00)")


@pytest.mark.parametrize("start, end, minutes, on, message", [
    ("13:00", "10:00", "", DAY, NIGHT),
    ("10:00", "10:00", "", DAY, "종료시간은 시작시간보다 늦어야 합니다."),
    ("10:00", "12:00", "", date(2026, 5, 31), "활동일이 활동기간(20260601~ 20261130) 밖입니다."),
    ("10:00", "12:00", "", date(2026, 11, 27), "미래 날짜는 입력할 수 없습니다."),
    ("10:00", "12:00", "121", DAY, "인정시간은 0보다 크고 활동시간(종료-시작) 이하여야 합니다."),
    ("10:00", "12:00", "0", DAY, "인정시간은 0보다 크고 활동시간(종료-시작) 이하여야 합니다."),
    ("10:00", "12:00", "1.5", DAY, "인정시간은 분 단위 숫자로 입력해 주세요. (예: 120)"),
    ("08:00", "17:00", "", DAY, "하루 인정시간은 최대 8시간입니다."),
    ("10:00", "12:00", "", "2026-11-31", "날짜 형식이 올바르지 않습니다. (예: 2021-08-09)"),
    ("10시", "12:00", "", DAY, "시작시간 형식이 올바르지 않습니다. (예: 09:30)"),
    ("10:00", "", "", DAY, "종료시간 형식이 올바르지 않습니다. (예: 09:30)"),
])
def test_each_rule_has_its_message(world, start, end, minutes, on, message):
    errors = world.errors(MENTORING, world.row(MENTORING, "vol1", start, end, minutes, on=on))
    assert message in errors[0]
    assert not world.logs(MENTORING, "vol1", on if isinstance(on, date) else DAY)


def test_minutes_can_be_lowered_not_raised(world):
    saved = world.save(MENTORING, world.row(MENTORING, "vol1", "10:00", "13:00", "120"))
    assert saved[0].minutes == 120


def test_a_batch_is_saved_whole_or_not_at_all(world):
    errors = world.errors(MENTORING, world.row(MENTORING, "vol1", "10:00", "12:00"),
                          world.row(MENTORING, "vol3", "12:00", "10:00"))
    assert errors == {1: [NIGHT]}
    assert not world.logs(MENTORING, "vol1") and not world.logs(MENTORING, "vol3")


def test_480_minutes_a_day_across_two_activities_of_two_sites(world):
    world.save(MENTORING, world.row(MENTORING, "vol1", "09:00", "14:00"))        # site1: 5 hours
    errors = world.errors(MUSEUM, world.row(MUSEUM, "vol1", "14:00", "18:00"))  # site2: 4 more
    # site2 is told its own minutes only, not site1's 5 hours (nor the 9 in all).
    assert errors == {0: ["다른 활동처의 활동을 포함하면 하루 인정시간 8시간을 넘습니다. (이 활동처 합계 4시간)"]}
    # Recognising fewer minutes brings the day to exactly 8 hours, which is allowed.
    saved = world.save(MUSEUM, world.row(MUSEUM, "vol1", "14:00", "18:00", "180"))
    assert saved[0].minutes == 180
    # Other people and other days are not counted.
    world.save(MUSEUM, world.row(MUSEUM, "vol2", "09:00", "17:00"),
               world.row(MUSEUM, "vol1", "09:00", "17:00", on=date(2026, 11, 20)))


def test_the_cap_counts_rows_of_the_same_batch(world):
    errors = world.errors(MENTORING, world.row(MENTORING, "vol1", "08:00", "12:00"),
                          world.row(MENTORING, "vol1", "13:00", "17:30"))
    assert errors == {0: ["하루 인정시간 8시간을 넘습니다. (현재 합계 8시간 30분)"],
                      1: ["하루 인정시간 8시간을 넘습니다. (현재 합계 8시간 30분)"]}


def test_overlapping_times_of_one_volunteer(world):
    world.save(MUSEUM, world.row(MUSEUM, "vol1", "10:00", "12:00"))
    errors = world.errors(MENTORING, world.row(MENTORING, "vol1", "11:30", "13:00"))
    assert errors == {0: ["이 봉사자는 같은 시간에 다른 활동처의 활동이 있습니다."]}  # site2's times are not site1's
    # Touching is not overlapping; another volunteer at the same time is fine.
    world.save(MENTORING, world.row(MENTORING, "vol1", "12:00", "13:00"),
               world.row(MENTORING, "vol3", "10:00", "12:00"))
    # Two rows of the same batch.
    errors = world.errors(MENTORING, world.row(MENTORING, "vol3", "14:00", "16:00"),
                          world.row(MENTORING, "vol3", "15:00", "17:00"))
    assert errors == {0: ["함께 입력한 다른 줄의 시간과 겹칩니다. (15:00~17:00)"],
                      1: ["함께 입력한 다른 줄의 시간과 겹칩니다. (14:00~16:00)"]}
    # A time already saved in this activity.
    errors = world.errors(MENTORING, world.row(MENTORING, "vol1", "12:30", "14:00"))
    assert errors == {0: ["같은 날 이 활동에 이미 입력된 시간과 겹칩니다. (12:00~13:00)"]}


def test_an_edited_date_does_not_overlap_its_old_self(world):
    log = world.save(MENTORING, world.row(MENTORING, "vol1", "10:00", "12:00"))[0]
    saved = world.save(MENTORING, world.row(MENTORING, "vol1", "11:00", "13:00", log_id=log.id))
    assert (saved[0].id, saved[0].start, saved[0].minutes) == (log.id, time(11), 120)
    assert len(world.logs(MENTORING, "vol1")) == 1


def _state(log, state, code=None):
    DailyLog.update(link_state=state, result_code=code).where(DailyLog.id == log.id).execute()


def test_failed_date_edited_goes_back_to_unsent(world):
    log = world.save(MENTORING, world.row(MENTORING, "vol1", "10:00", "12:00"))[0]
    _state(log, DateState.FAILED, 200)
    # Saved unchanged: it stays as 1365 answered.
    world.save(MENTORING, world.row(MENTORING, "vol1", "10:00", "12:00", log_id=log.id))
    assert DailyLog.get_by_id(log.id).link_state == DateState.FAILED
    world.save(MENTORING, world.row(MENTORING, "vol1", "10:00", "11:30", log_id=log.id))
    changed = DailyLog.get_by_id(log.id)
    assert (changed.link_state, changed.result_code, changed.minutes) == (DateState.UNSENT, None, 90)


@pytest.mark.parametrize("state, message", [
    (DateState.PENDING, "1365 연계중인 날짜는 수정하거나 삭제할 수 없습니다."),
    (DateState.SUCCEEDED, "1365 연계가 완료된 날짜는 수정하거나 삭제할 수 없습니다. 정정이 필요하면 기술지원으로 문의해 주세요."),
])
def test_pending_and_succeeded_dates_are_locked(world, state, message):
    log = world.save(MENTORING, world.row(MENTORING, "vol1", "10:00", "12:00"))[0]
    _state(log, state, 300 if state == DateState.SUCCEEDED else None)
    assert world.errors(MENTORING, world.row(MENTORING, "vol1", "10:00", "11:00", log_id=log.id)) == {0: [message]}
    with pytest.raises(NotAllowed) as caught:
        dailylogs.delete_log(log, world.member("site1"))
    assert str(caught.value) == message
    assert DailyLog.get_by_id(log.id).end == time(12)


def test_delete_a_failed_date_with_its_attempts(world):
    participation = world.participation(MENTORING, "vol1")
    log = world.save(MENTORING, world.row(MENTORING, "vol1", "10:00", "12:00"))[0]
    request = LinkRequest.create(participation=participation)
    LinkAttempt.create(daily_log=log, request=request, ref="r-1", state="answered", code=100)
    _state(log, DateState.FAILED, 100)
    dailylogs.delete_log(log, world.member("site1"))
    assert DailyLog.get_or_none(DailyLog.id == log.id) is None
    assert LinkAttempt.select().count() == 0
    assert AuditLog.get(AuditLog.action == "dailylog.delete").target_id == log.id


def test_new_dates_of_a_linked_participation_ask_for_linkage_and_only_they_are_sent(world):
    participation = world.participation(MENTORING, "vol1")
    DailyLog.update(link_state=DateState.SUCCEEDED, result_code=300).where(
        DailyLog.participation == participation).execute()
    assert reads.summary(participation).state == ParticipationState.DONE
    world.save(MENTORING, world.row(MENTORING, "vol1", "10:00", "13:00"))
    summary = reads.summary(participation)
    assert (summary.state, summary.minutes) == (ParticipationState.REQUEST, 2 * 120 + 180)
    from pumasi.models import Identity
    Identity.create(member=world.member("vol1"), rrn_token="x", rrn_masked="900101-1******")
    request = request_linkage(participation, world.member("vol1"))
    sent = [a.daily_log.date for a in LinkAttempt.select().where(LinkAttempt.request == request)]
    assert sent == [DAY]


def test_volunteers_join_and_leave(world):
    activity, site1 = world.activity(MENTORING), world.member("site1")
    vol2 = world.member("vol2")
    vol2.phone = "010-1234-5678"
    vol2.save()
    assert activities.find_volunteers(name="이서연", phone="01012345678") == [vol2]
    assert activities.find_volunteers(username="vol2") == [vol2]
    assert activities.find_volunteers(name="이서연") == []          # a name alone finds nobody
    assert activities.find_volunteers(username="site2") == []       # only volunteers
    assert activities.find_volunteers(username="VOL2") == [vol2]     # case and width do not matter
    assert activities.find_volunteers(username="ｖｏｌ２") == [vol2]
    participation = activities.add_volunteer(activity, "Vol2", site1)
    assert participation.volunteer_id == vol2.id
    with pytest.raises(NotAllowed, match="이미 이 활동에 등록된 봉사자입니다."):
        activities.add_volunteer(activity, "vol2", site1)
    # Not a volunteer, inactive, removed or nobody: one message, so a site learns nothing of other members.
    Member.update(active=False).where(Member.username == "vol3").execute()
    for username in ("site2", "admin", "nobody", "vol3", "", "   "):
        with pytest.raises(NotAllowed) as refused:
            activities.add_volunteer(activity, username, site1)
        assert refused.value.message == activities.NOT_FOUND_MESSAGE, username
    world.save(MENTORING, world.row(MENTORING, "vol2", "10:00", "12:00"))
    activities.remove_volunteer(participation, site1)  # its unsent date goes with it
    assert not Participation.select().where(Participation.volunteer == vol2,
                                            Participation.activity == activity).exists()
    linked = world.participation(MENTORING, "vol3")
    DailyLog.update(link_state=DateState.SUCCEEDED).where(DailyLog.participation == linked).execute()
    with pytest.raises(NotAllowed, match="1365에 연계되었거나 연계중인 날짜가 있어 삭제할 수 없습니다."):
        activities.remove_volunteer(linked, site1)


def test_a_period_cannot_leave_entered_dates_outside(world):
    activity = world.activity(MENTORING)
    assert activities.check_period(activity, date(2026, 7, 1), date(2026, 11, 30)) == [
        "이미 입력된 활동일(2026-06-13)이 새 활동기간 밖이 됩니다."]
    assert activities.check_period(activity, date(2026, 6, 2), date(2026, 6, 1)) == [
        "활동기간의 종료일은 시작일과 같거나 늦어야 합니다."]
    assert activities.check_period(activity, date(2026, 6, 13), date(2026, 7, 11)) == []


# --------------------------------------------------------------------------- CSV

GOOD_AND_BAD = (
    "활동일,회원아이디,이름,연락처,시작시간,종료시간,인정시간(분)\r\n"
    "2026-11-21,vol1,김민준,,10:00,13:00,\r\n"             # 2 good
    "2026/11/21,,박지호,010-2222-3333,오전 10:00:00,오후 12:30:00,120\r\n"  # 3 good (Excel's formats)
    "2026-11-21,vol3,,,14:00,13:00,\r\n"                   # 4 end before start
    "\r\n"                                                 # 5 blank: skipped
    "2026-11-22,nobody,,,10:00,12:00,\r\n"                 # 6 unknown member
    "2026-12-01,vol1,,,10:00,12:00,\r\n"                   # 7 future and outside the period
    "2026-11-20,,박지호,,10:00,12:00,\r\n"                 # 8 neither id nor phone
)


@pytest.fixture
def vol3_phone(world):
    Member.update(phone="010-2222-3333").where(Member.username == "vol3").execute()


def test_csv_in_cp949_previews_good_and_bad_lines_and_saves_nothing(world, vol3_phone):
    activity = world.activity(MENTORING)
    before = DailyLog.select().count()
    preview = imports.preview(activity, GOOD_AND_BAD.encode("cp949"), TODAY)
    assert preview.problem == ""
    assert [line.number for line in preview.good] == [2, 3]
    assert {line.number: [str(e) for e in line.errors] for line in preview.bad} == {
        4: [NIGHT],
        6: ["이 활동에 등록된 봉사자 중 'nobody'을(를) 찾을 수 없습니다."],
        7: ["활동일이 활동기간(20260601~ 20261130) 밖입니다.", "미래 날짜는 입력할 수 없습니다."],
        8: ["회원아이디 또는 이름과 연락처를 입력해 주세요."],
    }
    line3 = preview.good[1]
    assert (line3.volunteer.username, line3.row.date, line3.row.start, line3.row.end) == (
        "vol3", "2026-11-21", "10:00", "12:30")
    assert DailyLog.select().count() == before

    with pytest.raises(ImportRejected):   # the whole file has bad lines
        imports.import_lines(activity, GOOD_AND_BAD.encode("cp949"), world.member("site1"), TODAY)
    with pytest.raises(ImportRejected):   # a bad line cannot be slipped in
        imports.import_lines(activity, GOOD_AND_BAD.encode("cp949"), world.member("site1"), TODAY,
                             only_lines=[2, 3, 4])
    assert DailyLog.select().count() == before
    saved = imports.import_lines(activity, GOOD_AND_BAD.encode("cp949"), world.member("site1"), TODAY,
                                 only_lines=[2, 3])
    assert sorted((log.participation.volunteer.username, log.minutes) for log in saved) == [
        ("vol1", 180), ("vol3", 120)]
    assert DailyLog.select().count() == before + 2


def test_csv_in_utf8_with_bom_and_the_rules_across_lines(world):
    text = ("\ufeff활동일,회원아이디,시작시간,종료시간\n"
            "20261121,vol1,0900,1300\n"
            "2026-11-21,vol1,12:00,15:00\n")
    preview = imports.preview(world.activity(MENTORING), text.encode("utf-8"), TODAY)
    assert {line.number: [str(e) for e in line.errors] for line in preview.lines} == {
        2: ["3번째 줄의 시간과 겹칩니다. (12:00~15:00)"],
        3: ["2번째 줄의 시간과 겹칩니다. (09:00~13:00)"],
    }


def test_csv_lines_name_what_is_wrong_with_them(world):
    """Issue 18's walk: a repeated line was called an overlap with "다른 활동", a line overlapping a
    saved date of the same activity too, and a bad time did not say which."""
    world.save(MENTORING, world.row(MENTORING, "vol1", "09:00", "10:00"))
    text = ("활동일,회원아이디,시작시간,종료시간\n"
            "2026-11-21,vol3,13:00,15:00\n"
            "2026-11-21,vol3,13:00,15:00\n"
            "2026-11-21,vol1,09:00,10:00\n"
            "2026-11-21,vol1,09:30,11:00\n"
            "2026-11-21,vol3,9시 반,25:00\n")
    preview = imports.preview(world.activity(MENTORING), text.encode("cp949"), TODAY)
    assert {line.number: [str(e) for e in line.errors] for line in preview.lines} == {
        2: [],
        3: ["2번째 줄과 같은 내용입니다. (중복)"],
        4: ["이 활동에 이미 입력된 날짜와 시간입니다. (09:00~10:00)"],
        5: ["같은 날 이 활동에 이미 입력된 시간과 겹칩니다. (09:00~10:00)"],
        6: ["시작시간 형식이 올바르지 않습니다. (예: 09:30)", "종료시간 형식이 올바르지 않습니다. (예: 09:30)"],
    }


def test_csv_cells_with_control_characters_are_refused_by_line(world):
    """A cell with a NUL or another control character (pumasi.inputs) makes its line bad, with the
    same message as a form field; the other lines are read as usual."""
    from pumasi import inputs
    text = ("활동일,회원아이디,이름,연락처,시작시간,종료시간\n"
            "2026-11-21,vol1,,,10:00,12:00\n"
            "2026-11-21,vol\x001,,,13:00,14:00\n"
            "2026-11-21,,김\x1b민준,010-1111-2222,13:00,14:00\n"
            "2026-11-2\x7f1,vol1,,,15:00,16:00\n")
    preview = imports.preview(world.activity(MENTORING), text.encode("utf-8"), TODAY)
    assert [line.number for line in preview.good] == [2]
    assert {line.number: [str(e) for e in line.errors] for line in preview.bad} == {
        3: [inputs.CONTROL_MESSAGE], 4: [inputs.CONTROL_MESSAGE], 5: [inputs.CONTROL_MESSAGE]}
    assert all("\x00" not in cell for line in preview.lines for cell in line.cells.values())


@pytest.mark.parametrize("data, problem", [
    (b"", "파일에 입력된 줄이 없습니다."),
    ("활동일,이름,시작시간\n2026-11-21,김민준,10:00\n".encode("utf-8"),
     "첫 줄에 열 이름이 필요합니다. 빠진 열: 종료시간, 회원아이디(또는 이름과 연락처)"),
    (b"\xff\xfe\x00\x00\xff", "파일을 읽을 수 없습니다. CSV(UTF-8 또는 엑셀의 CSV) 형식으로 저장해 주세요."),
])
def test_csv_file_problems(world, data, problem):
    assert imports.preview(world.activity(MENTORING), data, TODAY).problem == problem


def test_csv_export_reimports_and_template(world):
    activity = world.activity(MENTORING)
    exported = exports.export_csv(activity)
    assert exported.startswith("\ufeff활동일,회원아이디,이름,시작시간,종료시간,인정시간(분),1365연계,결과코드\r\n")
    assert "2026-06-13,vol1,김민준,10:00,12:00,120,미연계,\r\n" in exported
    # The export of one activity is a valid import into another with the same volunteers and period:
    # here into itself it finds every line overlapping its own original.
    preview = imports.preview(activity, exported.encode("utf-8"), TODAY)
    assert len(preview.lines) == 3 and all("이미 입력된" in str(line.errors[0]) for line in preview.lines)
    assert exports.template_csv() == "\ufeff활동일,회원아이디,이름,연락처,시작시간,종료시간,인정시간(분)\r\n"


def test_csv_export_defuses_formulas(world):
    Member.update(name="=HYPERLINK(1)").where(Member.username == "vol1").execute()
    assert ",'=HYPERLINK(1)," in exports.export_csv(world.activity(MENTORING))


def test_day_rows_and_site_scoping(world):
    activity = world.activity(MENTORING)
    rows = dailylogs.day_rows(activity, date(2026, 6, 13))
    assert [(p.volunteer.username, log is not None) for p, log in rows] == [("vol1", True), ("vol3", True)]
    site1, site2 = Site.get(Site.name == "CSV 총괄운영본부"), Site.get(Site.name == "종로 문화나눔센터")
    assert activities.site_activity(site1.id, activity.id) == activity
    assert activities.site_activity(site2.id, activity.id) is None
    assert activities.site_activity(None, activity.id) is None
    log = rows[0][1]
    assert dailylogs.site_log(site1.id, log.id).id == log.id and dailylogs.site_log(site2.id, log.id) is None
    assert activities.site_participation(site2.id, log.participation_id) is None
    listed = activities.site_activities(site1.id)
    assert [a.title for a in listed][0] == MENTORING
    assert {a.title: (a.volunteers, a.dates) for a in listed}[MENTORING] == (2, 3)


def test_a_site_is_told_the_times_of_its_own_other_activity(world):
    """Another activity of the same site: its times are the site's own (and it is said which it is)."""
    site1 = world.activity(MENTORING).site
    other = Activity.create(site=site1, category="교육", title="같은 활동처 다른 활동", start_date=DAY, end_date=DAY)
    Participation.create(activity=other, volunteer=world.member("vol1"))
    world.save("같은 활동처 다른 활동", world.row("같은 활동처 다른 활동", "vol1", "10:00", "12:00"))
    errors = world.errors(MENTORING, world.row(MENTORING, "vol1", "11:00", "13:00"))
    assert errors == {0: ["같은 날 이 활동처의 다른 활동 시간과 겹칩니다. (10:00~12:00)"]}


def test_a_night_is_entered_as_two_dates_and_midnight_shows_as_24_00(world):
    """A night's activity (22:00 to 02:00): one date up to 24:00 (a time box gives 00:00), the next
    from 00:00; each saved with its minutes, midnight shown as 24:00 and read back from the export."""
    night, morning = date(2026, 11, 20), date(2026, 11, 21)
    saved = world.save(MENTORING, world.row(MENTORING, "vol1", "22:00", "00:00", on=night),
                       world.row(MENTORING, "vol3", "22:00", "24:00", on=night),
                       world.row(MENTORING, "vol1", "00:00", "02:00", on=morning))
    assert [(log.date, log.end, log.minutes) for log in saved] == [
        (night, time(0), 120), (night, time(0), 120), (morning, time(2), 120)]
    exported = exports.export_csv(world.activity(MENTORING))
    assert "2026-11-20,vol1,김민준,22:00,24:00,120,미연계,\r\n" in exported
    # Read back, each line meets its own saved date: the same times, not a format problem.
    preview = imports.preview(world.activity(MENTORING), exported.encode("utf-8"), TODAY)
    assert all("이미 입력된 날짜와 시간입니다" in str(line.errors[0]) for line in preview.lines), preview.lines
    # The night counts until midnight: 23:00-23:30 of the same date overlaps it, the next day's does not.
    assert world.errors(MENTORING, world.row(MENTORING, "vol1", "23:00", "23:30", on=night)) == {
        0: ["같은 날 이 활동에 이미 입력된 시간과 겹칩니다. (22:00~24:00)"]}
    # 8 hours recognised a day: 16:00-24:00 is the most a single log holds.
    assert world.errors(MENTORING, world.row(MENTORING, "vol3", "15:00", "00:00", on=morning)) == {
        0: ["하루 인정시간은 최대 8시간입니다."]}  # once: not again as the day's total
