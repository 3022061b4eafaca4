"""Operators' import of sites and activities, and of participations with their history
(pumasi.transfer.activities, participations): each line's problems; dates already linked to 1365 kept
as linked and never sent again; whole-period participations kept as such, for 기술지원."""
from datetime import date, time

import pytest

from pumasi.linkage.requests import NoDailyLogs, _sendable
from pumasi.linkage.state import DateState, RequestKind
from pumasi.models import Activity, AuditLog, DailyLog, ImportRun, Member, Participation, Site
from pumasi.transfer import activities, participations
from test_import_members import errors_of, world  # noqa: F401 (a fixture)

TODAY = date(2026, 11, 26)
SITES = ("활동처,활동처 연락처,구분,봉사제목,장소,활동기간\r\n"
         "새 센터,02-123-4567,문화,벽화 그리기,서울 종로구,2026-03-01~2026-10-31\r\n"   # 2 new site + activity
         "새 센터,02-123-4567,교육,공부방,,20260101 ~ 20261231\r\n"                     # 3 a second activity
         "CSV 총괄운영본부,,문화,청소년 문화예술 멘토링,,2026-06-01~2026-11-30\r\n"      # 4 already here
         "빈 센터,,,,,\r\n"                                                              # 5 a site alone
         "새 센터,,문화,벽화 그리기,,2026-03-01~2026-10-31\r\n"                          # 6 same as line 2
         "나쁜 센터,abc,,제목,,2026-12-01~2026-01-01\r\n"                                # 7 three problems
         "나쁜 센터,,문화,제목,,언제나\r\n")                                              # 8 bad period


def test_sites_and_activities(world):
    lines = activities.check(SITES.encode("cp949"), "활동.csv", TODAY)
    assert errors_of(lines) == {
        6: ["2번째 줄과 활동처·봉사제목·활동기간이 같습니다."],
        7: [activities.PHONE_MESSAGE, activities.CATEGORY_MESSAGE, activities.ORDER_MESSAGE],
        8: [activities.PERIOD_MESSAGE],
    }
    assert [line.action for line in lines[:4]] == ["create", "create", "exists", "site"]
    good = [line for line in lines if line.ok]
    counts = activities.save(good, {}, Member.get(Member.username == "admin"))
    assert counts == {"sites": 2, "created": 2, "skipped": 2}
    site = Site.get(Site.name == "새 센터")
    assert site.phone == "02-123-4567" and Site.select().where(Site.name == "빈 센터").exists()
    assert sorted((a.category, a.title, a.start_date, a.end_date) for a in site.activities) == [
        ("교육", "공부방", date(2026, 1, 1), date(2026, 12, 31)),
        ("문화", "벽화 그리기", date(2026, 3, 1), date(2026, 10, 31))]
    assert activities.check(SITES.encode(), "a.csv", TODAY)[0].action == "exists"  # a second time: left alone


HISTORY = ("회원아이디,이름,활동처,봉사제목,활동기간,활동일,시작시간,종료시간,인정시간(분),1365연계,결과코드\r\n"
           "vol2,이서연,CSV 총괄운영본부,청소년 문화예술 멘토링,,2026-07-04,10:00,13:00,,연계성공,300\r\n"  # 2
           "vol2,,CSV 총괄운영본부,청소년 문화예술 멘토링,,2026-07-05,10:00,12:00,90,,\r\n"            # 3 unsent
           "vol2,,종로 문화나눔센터,박물관 전시 해설 도우미,,2026-07-04,14:00,15:00,,기간 전체 연계,\r\n"  # 4 legacy
           "vol2,,종로 문화나눔센터,박물관 전시 해설 도우미,,,,,,기간 전체 연계,\r\n"                    # 5 legacy, no date
           "nobody,,CSV 총괄운영본부,청소년 문화예술 멘토링,,2026-07-04,10:00,12:00,,,\r\n"             # 6 no member
           "vol2,김민준,CSV 총괄운영본부,없는 활동,,2026-07-04,10:00,12:00,,연계성공,100\r\n"           # 7 three
           "vol2,,CSV 총괄운영본부,청소년 문화예술 멘토링,,2026-07-04,12:00,14:00,,연계중,\r\n"          # 8 in flight
           "vol2,,CSV 총괄운영본부,청소년 문화예술 멘토링,,2027-01-01,10:00,12:00,,,\r\n")               # 9 future


def test_participations_with_their_history(world):
    lines = participations.check(HISTORY.encode("cp949"), "참여.csv", TODAY)
    problems = errors_of(lines)
    assert problems.keys() == {6, 7, 8, 9}
    assert problems[6] == [participations.MEMBER_MESSAGE.format(name="nobody")]
    assert problems[7] == [participations.NAME_MESSAGE.format(name="vol2", actual="이서연"),
                           participations.ACTIVITY_MESSAGE.format(site="CSV 총괄운영본부", title="없는 활동"),
                           participations.CODE_MESSAGE.format(state="연계성공", codes="300, 400")]
    assert problems[8] == [participations.STATE_MESSAGE]
    assert "미래 날짜는 입력할 수 없습니다." in problems[9] and len(problems[9]) == 2  # and outside the period

    good = [line for line in lines if line.ok]
    assert participations.save(good, {}, Member.get(Member.username == "admin")) == {"participations": 1, "dates": 3}
    vol2 = Member.get(Member.username == "vol2")
    mentoring = Participation.get(Participation.volunteer == vol2,
                                  Participation.activity == Activity.get(Activity.title == "청소년 문화예술 멘토링"))
    logs = {log.date: log for log in mentoring.daily_logs}
    assert (logs[date(2026, 7, 4)].link_state, logs[date(2026, 7, 4)].result_code) == (DateState.SUCCEEDED, 300)
    assert (logs[date(2026, 7, 5)].link_state, logs[date(2026, 7, 5)].minutes) == (DateState.UNSENT, 90)
    assert not mentoring.legacy_linked
    # the linked date is never sent again: only the unsent one would go
    assert _sendable(mentoring, RequestKind.REQUEST, None) == [logs[date(2026, 7, 5)].id]
    museum = Participation.get(Participation.volunteer == vol2,
                               Participation.activity == Activity.get(Activity.title == "박물관 전시 해설 도우미"))
    assert museum.legacy_linked  # was there already (the demo's): now marked whole-period
    assert [(log.start, log.link_state) for log in museum.daily_logs] == [(time(14), DateState.UNSENT)]
    assert _sendable(museum, RequestKind.REQUEST, None) == []  # 연계신청 sends none of it: 기술지원 does
    assert len(_sendable(museum, RequestKind.SUPPORT, None)) == 1
    assert AuditLog.get(AuditLog.action == "participation.import").detail == "참여 1, 활동일 3"

    again = participations.check(HISTORY.encode("cp949"), "참여.csv", TODAY)
    assert [m for _, m in again[0].errors] == ["같은 날 이미 입력된 시간과 겹칩니다. (10:00~13:00)"]  # saved already


def test_dates_of_a_day_are_checked_together(world):
    text = ("회원아이디,활동처,봉사제목,활동일,시작시간,종료시간\r\n"
            "vol2,CSV 총괄운영본부,청소년 문화예술 멘토링,2026-07-04,10:00,13:00\r\n"
            "vol2,종로 문화나눔센터,박물관 전시 해설 도우미,2026-07-04,12:00,14:00\r\n"
            "vol2,종로 문화나눔센터,박물관 전시 해설 도우미,2026-07-04,14:00,20:00\r\n")
    problems = errors_of(participations.check(text.encode(), "p.csv", TODAY))
    # Each names the other line as every import message does ("N번째 줄").
    assert problems[2][0] == "3번째 줄의 시간과 겹칩니다. (12:00~14:00)"
    assert problems[3][0] == "2번째 줄의 시간과 겹칩니다. (10:00~13:00)"
    assert any("8시간" in message for message in problems[4])


def test_a_line_without_a_date_registers_a_participation(world):
    text = ("회원아이디,활동처,봉사제목,활동일,1365연계,결과코드\r\n"
            "vol2,CSV 총괄운영본부,청소년 문화예술 멘토링,,,\r\n"
            "vol3,CSV 총괄운영본부,청소년 문화예술 멘토링,,연계성공,300\r\n")
    lines = participations.check(text.encode(), "p.csv", TODAY)
    assert errors_of(lines) == {3: [participations.NO_DATE_MESSAGE]}
    before = Participation.select().join(Member).where(Member.username == "vol2").count()
    participations.save(lines[:1], {}, None)
    assert Participation.select().join(Member).where(Member.username == "vol2").count() == before + 1
    with pytest.raises(NoDailyLogs):  # registered, no dates: 연계신청 says so
        from pumasi.linkage.requests import request_linkage
        request_linkage(Participation.select().join(Member).where(Member.username == "vol2").order_by(
            Participation.id.desc()).first(), Member.get(Member.username == "vol2"))


def test_runs_of_each_kind(app, world):
    admin = Member.get(Member.username == "admin")
    from pumasi.transfer import runs
    site_run = runs.preview(runs.start("activities", "a.csv", SITES.encode(), admin).id, TODAY, app.config)
    assert site_run.state == "previewed" and runs.read(site_run)["counts"]["bad"] == 3
    good = "\r\n".join(SITES.splitlines()[:5]) + "\r\n"
    site_run = runs.preview(runs.start("activities", "a.csv", good.encode(), admin).id, TODAY, app.config)
    assert runs.choose(site_run, {}) and runs.result(runs.save(site_run.id, TODAY, app.config)) == {
        "sites": 2, "created": 2, "skipped": 2}
    history = "\r\n".join(HISTORY.splitlines()[:5]) + "\r\n"
    run = runs.preview(runs.start("participations", "p.csv", history.encode(), admin).id, TODAY, app.config)
    assert runs.read(run)["counts"] == {"total": 4, "bad": 0, "duplicate": 0, "create": 4}
    assert runs.choose(run, {}) and runs.result(runs.save(run.id, TODAY, app.config)) == {"participations": 1,
                                                                                        "dates": 3}


def test_the_recent_runs_list_leaves_the_files_and_previews_in_the_database(app, world):
    """가져오기 lists the last 20 runs by number, kind, file name, state and time: a held file (up to
    30 MB each) and its preview are not read for it."""
    from pumasi.transfer import runs
    admin = Member.get(Member.username == "admin")
    held = runs.preview(runs.start("activities", "a.csv", SITES.encode(), admin).id, TODAY, app.config)
    (listed,) = runs.recent()
    assert (listed.id, listed.kind, listed.filename, listed.state) == (held.id, "activities", "a.csv", "previewed")
    assert listed.created_at == held.created_at
    assert "data" not in listed.__data__ and "preview" not in listed.__data__


def test_the_run_page_polled_while_a_job_works_leaves_the_file_in_the_database(app, demo, client, auth):
    """The run's page is asked for every second while its job works: it reads whether the file is
    held, never the file itself (up to 30 MB), and says so right (held or expired)."""
    from helpers import ctx, sql_of
    from pumasi.transfer import runs
    with ctx(app):
        run = runs.start("activities", "a.csv", SITES.encode(), Member.get(Member.username == "admin"))
        read = runs.shown(run.id)
        assert "data" not in read.__data__ and read.held and (read.kind, read.filename) == ("activities", "a.csv")
        ImportRun.update(data=None).where(ImportRun.id == run.id).execute()
        assert not runs.shown(run.id).held and runs.shown(run.id + 1000) is None
        ImportRun.update(data=SITES.encode()).where(ImportRun.id == run.id).execute()
    auth.login("admin")
    page, statements = sql_of(client.get, f"/admin/import/runs/{run.id}")
    assert page.status_code == 200 and "a.csv" in page.text
    runs_read = [sql for sql in statements if 'FROM "import_run"' in sql]
    columns = [sql.split(" FROM ")[0].replace('("t1"."data" IS NOT NULL)', "") for sql in runs_read]
    assert runs_read and not any('"data"' in read for read in columns), runs_read
    assert client.get(f"/admin/import/runs/{run.id + 1000}").status_code == 404
