"""활동처관리: a site manager's pages — activities, volunteers, 일별 입력, edits, CSV — and who may see what."""
import io
import re
from datetime import timedelta

import pytest

from pumasi.clock import today_kst
from pumasi.db import db
from pumasi.linkage.state import DateState
from pumasi.models import Activity, AuditLog, DailyLog, Member, Participation, Site, Upload
from pumasi.records import activities

HX = {"HX-Request": "true"}
TODAY = today_kst()
DAY = TODAY - timedelta(days=3)


@pytest.fixture
def world(app, demo):
    """site1 runs an activity around today with vol1, vol2 and vol3; site2's objects for the access tests."""
    with app.app_context(), db.connection_context():
        site1 = Site.get(Site.name == "CSV 총괄운영본부")
        activity = Activity.create(site=site1, category="문화", title="동네 도서관 정리", location="서울특별시 종로구",
                                   start_date=TODAY - timedelta(days=30), end_date=TODAY + timedelta(days=30))
        people = {}
        for username in ("vol1", "vol2", "vol3"):
            member = Member.get(Member.username == username)
            people[username] = Participation.create(activity=activity, volunteer=member).id
        return {"activity": activity.id, "people": people}


def q(app, fn):
    with app.app_context(), db.connection_context():
        return fn()


def logs_of(app, activity_id):
    return q(app, lambda: [(log.participation.volunteer.username, log.date, f"{log.start:%H:%M}", f"{log.end:%H:%M}",
                            log.minutes, log.link_state)
                           for log in DailyLog.select().join(Participation)
                           .where(Participation.activity == activity_id).order_by(DailyLog.id)])


def day_url(world, day=DAY):
    return f"/site/activities/{world['activity']}/day?date={day.isoformat()}"


def day_form(world, rows, action="save", common=("", ""), picks=(), day=DAY):
    data = {"date": day.isoformat(), "action": action, "common_start": common[0], "common_end": common[1],
            "pick": [f"n{world['people'][u]}" for u in picks]}
    for username, (start, end, minutes) in rows.items():
        key = f"n{world['people'][username]}"
        data.update({f"start-{key}": start, f"end-{key}": end, f"minutes-{key}": minutes})
    return data


# --------------------------------------------------------------------------- pages

def test_a_site_manager_lands_on_their_site(client, auth, demo):
    response = auth.login("site1")
    assert response.status_code == 303 and response.headers["Location"].endswith("/site/")
    page = client.get("/site/").text
    assert '>활동처관리</a>' in page and "CSV 총괄운영본부" in page
    assert "청소년 문화예술 멘토링" in page and "박물관 전시 해설 도우미" not in page  # site2's


@pytest.mark.parametrize("username, status", [("vol1", 403), ("admin", 403)])
def test_only_site_managers_enter(client, auth, demo, username, status):
    auth.login(username)
    assert client.get("/site/").status_code == status


def test_logged_out_goes_to_login(client):
    response = client.get("/site/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_manager_without_a_site_sees_nothing(app, client, auth, demo):
    q(app, lambda: Member.update(site=None).where(Member.username == "site1").execute())
    auth.login("site1")
    assert client.get("/site/").status_code == 403


def test_create_and_edit_an_activity(app, client, auth, demo):
    auth.login("site1")
    form = {"category": "교육", "title": "주말 공부방", "location": "서울특별시 종로구",
            "start_date": "2026-01-01", "end_date": "2026-03-31"}
    response = client.post("/site/activities/new", data=form)
    assert response.status_code == 303
    activity = q(app, lambda: Activity.get(Activity.title == "주말 공부방"))
    assert (activity.site.name, activity.category, activity.start_date.isoformat()) == (
        "CSV 총괄운영본부", "교육", "2026-01-01")
    assert response.headers["Location"].endswith(f"/site/activities/{activity.id}")
    page = client.get(f"/site/activities/{activity.id}/edit").text
    assert 'value="주말 공부방"' in page and 'value="2026-03-31"' in page
    assert client.post(f"/site/activities/{activity.id}/edit",
                       data={**form, "title": "주말 공부방 (겨울)"}).status_code == 303
    assert q(app, lambda: Activity.get_by_id(activity.id).title) == "주말 공부방 (겨울)"


@pytest.mark.parametrize("change, message", [
    ({"title": ""}, "봉사제목을 입력해 주세요."),
    ({"category": ""}, "구분을 입력해 주세요."),
    ({"title": "가" * 201}, "봉사제목은 200자 이하입니다."),
    ({"start_date": "2026-13-01"}, "날짜 형식이 올바르지 않습니다. (예: 2021-08-09)"),
    ({"end_date": ""}, "날짜 형식이 올바르지 않습니다. (예: 2021-08-09)"),
    ({"end_date": "2025-12-31"}, "활동기간의 종료일은 시작일과 같거나 늦어야 합니다."),
])
def test_activity_bad_input(app, client, auth, demo, change, message):
    auth.login("site1")
    form = {"category": "교육", "title": "주말 공부방", "start_date": "2026-01-01", "end_date": "2026-03-31", **change}
    response = client.post("/site/activities/new", data=form)
    assert response.status_code == 422 and message in response.text
    assert not q(app, lambda: Activity.select().where(Activity.title == form["title"]).exists())


def test_a_period_must_keep_entered_dates(app, client, auth, demo):
    auth.login("site1")
    activity = q(app, lambda: Activity.get(Activity.title == "청소년 문화예술 멘토링"))
    response = client.post(f"/site/activities/{activity.id}/edit", data={
        "category": "교육", "title": activity.title, "start_date": "2026-07-01", "end_date": "2026-11-30"})
    assert response.status_code == 422
    assert "이미 입력된 활동일(2026-06-13)이 새 활동기간 밖이 됩니다." in response.text
    assert q(app, lambda: Activity.get_by_id(activity.id).start_date.isoformat()) == "2026-06-01"


# --------------------------------------------------------------------------- volunteers

def test_add_a_volunteer_by_id_or_by_name_and_phone(app, client, auth, demo):
    q(app, lambda: Member.update(phone="010-1234-5678").where(Member.username == "vol2").execute())
    activity = q(app, lambda: Activity.get(Activity.title == "청소년 문화예술 멘토링"))
    url = f"/site/activities/{activity.id}/volunteers"
    auth.login("site1")
    found = client.get(url + "/search?name=이서연&phone=01012345678", headers=HX)
    assert found.status_code == 200 and "이서연" in found.text
    # Least privilege: a site sees a phone only where it enters logs (the form keeps what was typed).
    assert "5678" not in found.text.split("search-results")[1]
    assert 'name="username" value="vol2"' in found.text and "member_id" not in found.text
    assert activities.NOT_FOUND_MESSAGE in client.get(url + "/search?name=이서연&phone=01000000000", headers=HX).text
    empty = client.get(url + "/search?name=이서연", headers=HX)
    assert empty.status_code == 422 and "회원아이디, 또는 이름과 연락처를 함께 입력해 주세요." in empty.text

    added = client.post(url, data={"username": "vol2"}, headers=HX)
    assert added.status_code == 204 and "logs-changed" in added.headers["HX-Trigger"]
    again = client.post(url, data={"username": "VOL2"}, headers=HX)
    assert again.status_code == 422 and "이미 이 활동에 등록된 봉사자입니다." in again.text
    page = client.get(f"/site/activities/{activity.id}").text
    assert re.search(r'<td class="title" data-label="이름">이서연</td>', page)


def test_a_site_cannot_add_or_probe_members_by_id(app, client, auth, demo):
    """The reviewer's probe: `member_id=8` attached any member and showed their name and 아이디, and
    the messages told an operator's id from a missing one. Now only 회원아이디 (or the search by name
    and phone) adds, and every member that is not an active volunteer gets the one message."""
    activity = q(app, lambda: Activity.get(Activity.title == "청소년 문화예술 멘토링"))
    url = f"/site/activities/{activity.id}/volunteers"
    ids = q(app, lambda: {m.username: m.id for m in Member.select()})
    q(app, lambda: Member.update(active=False).where(Member.username == "vol3").execute())
    auth.login("site1")
    before = q(app, lambda: Participation.select().count())
    answers = set()
    for member_id in [*ids.values(), 99999, "x", ""]:
        for headers in ({}, HX):
            response = client.post(url, data={"member_id": member_id}, headers=headers, follow_redirects=True)
            assert response.status_code in (200, 422), member_id
            for username in ids:
                assert f"({username})" not in response.text or username == "site1", (member_id, username)
            answers.add(activities.NOT_FOUND_MESSAGE in response.text)
    assert answers == {True}
    for username in ("admin", "site2", "vol3", "nobody", "removed-1", "ADMIN"):
        response = client.post(url, data={"username": username}, headers=HX)
        assert response.status_code == 422 and activities.NOT_FOUND_MESSAGE in response.text, username
        search = client.get(url + "/search", query_string={"username": username}, headers=HX)
        assert activities.NOT_FOUND_MESSAGE in search.text and username not in search.text.replace(
            f'value="{username}"', ""), username
    assert q(app, lambda: Participation.select().count()) == before


def test_remove_a_volunteer_only_without_linked_dates(app, client, auth, world):
    auth.login("site1")
    vol2 = world["people"]["vol2"]
    modal = client.get(f"/site/participations/{vol2}/remove", headers=HX)
    assert modal.headers["HX-Retarget"] == "#modal" and "이 봉사자를 활동에서 삭제하시겠습니까?" in modal.text
    assert client.post(f"/site/participations/{vol2}/remove", headers=HX).status_code == 204
    assert not q(app, lambda: Participation.select().where(Participation.id == vol2).exists())

    vol1 = world["people"]["vol1"]
    q(app, lambda: DailyLog.create(participation=vol1, date=DAY, start="10:00", end="12:00", minutes=120,
                                   link_state=DateState.SUCCEEDED, result_code=300))
    refused = client.post(f"/site/participations/{vol1}/remove", headers=HX)
    assert refused.status_code == 422 and "1365에 연계되었거나 연계중인 날짜가 있어 삭제할 수 없습니다." in refused.text
    assert q(app, lambda: Participation.select().where(Participation.id == vol1).exists())


# --------------------------------------------------------------------------- 일별 입력

def test_one_date_for_three_volunteers_filled_down_then_adjusted(app, client, auth, world):
    auth.login("site1")
    page = client.get(day_url(world))
    assert page.status_code == 200
    assert all(f'name="start-n{pid}"' in page.text for pid in world["people"].values())

    # 적용: the same times into the chosen rows; nothing saved yet.
    filled = client.post(day_url(world), headers=HX, data=day_form(
        world, {}, action="fill", common=("10:00", "13:00"), picks=("vol1", "vol2", "vol3")))
    assert filled.status_code == 200 and "<html" not in filled.text
    assert filled.text.count('value="10:00"') == 4 and filled.text.count('value="13:00"') == 4  # 3 rows + common
    assert 'placeholder="180"' in filled.text
    assert logs_of(app, world["activity"]) == []

    saved = client.post(day_url(world), headers=HX, data=day_form(world, {
        "vol1": ("10:00", "13:00", ""), "vol2": ("10:00", "13:00", "150"), "vol3": ("10:00", "12:30", "")}))
    assert saved.status_code == 200
    assert f"{DAY.isoformat()} 상세봉사내역 3건을 저장했습니다." in saved.text
    assert sorted(logs_of(app, world["activity"])) == [
        ("vol1", DAY, "10:00", "13:00", 180, DateState.UNSENT), ("vol2", DAY, "10:00", "13:00", 150, DateState.UNSENT),
        ("vol3", DAY, "10:00", "12:30", 150, DateState.UNSENT)]
    # Now the rows are the saved dates, ready to edit.
    assert 'id="row-e' in saved.text and "새 입력" not in saved.text


def test_with_nobody_chosen_the_times_fill_every_empty_row(client, auth, world):
    auth.login("site1")
    filled = client.post(day_url(world), headers=HX, data=day_form(
        world, {"vol2": ("09:00", "", "")}, action="fill", common=("10:00", "12:00")))
    people = world["people"]
    assert filled.text.count('value="10:00"') == 3  # vol1, vol3 and the common field; vol2 was begun
    vol2_row = filled.text.split(f'id="row-n{people["vol2"]}"')[1].split("</tr>")[0]
    assert 'value="09:00"' in vol2_row


def test_chosen_rows_left_blank_take_the_common_times(app, client, auth, world):
    auth.login("site1")
    response = client.post(day_url(world), data=day_form(world, {}, common=("09:00", "11:00"), picks=("vol1",)))
    assert response.status_code == 303
    assert logs_of(app, world["activity"]) == [("vol1", DAY, "09:00", "11:00", 120, DateState.UNSENT)]
    assert "상세봉사내역 1건을 저장했습니다." in client.get(response.headers["Location"]).text


def test_a_bad_row_saves_nothing_and_says_why_on_its_row(app, client, auth, world):
    auth.login("site1")
    response = client.post(day_url(world), headers=HX, data=day_form(world, {
        "vol1": ("10:00", "13:00", ""), "vol2": ("13:00", "10:00", ""), "vol3": ("10:00", "12:00", "200")}))
    assert response.status_code == 422
    assert "저장하지 않았습니다. 표시된 줄을 고쳐 다시 저장해 주세요." in response.text
    rows = dict(re.findall(r'<tr id="row-n(\d+)" class="([^"]*)"', response.text))
    people = world["people"]
    assert rows[str(people["vol1"])] == "" and "invalid" in rows[str(people["vol2"])]
    vol2_row = response.text.split(f'id="row-n{people["vol2"]}"')[1].split("</tr>")[0]
    assert "종료시간은 시작시간보다 늦어야 합니다." in vol2_row and 'value="13:00"' in vol2_row
    vol3_row = response.text.split(f'id="row-n{people["vol3"]}"')[1].split("</tr>")[0]
    assert "인정시간은 0보다 크고 활동시간(종료-시작) 이하여야 합니다." in vol3_row
    assert logs_of(app, world["activity"]) == []


def test_the_daily_cap_and_overlaps_across_activities_on_the_form(app, client, auth, world):
    other = q(app, lambda: Activity.create(site=Site.get(Site.name == "종로 문화나눔센터"), category="문화",
                                            title="다른 활동처 활동", start_date=DAY, end_date=DAY).id)
    q(app, lambda: DailyLog.create(participation=Participation.create(
        activity=other, volunteer=Member.get(Member.username == "vol1")), date=DAY, start="08:00", end="13:00",
        minutes=300))
    auth.login("site1")
    response = client.post(day_url(world), headers=HX, data=day_form(world, {
        "vol1": ("14:00", "18:00", ""), "vol2": ("12:00", "14:00", "")}))
    assert response.status_code == 422
    assert "다른 활동처의 활동을 포함하면 하루 인정시간 8시간을 넘습니다. (이 활동처 합계 4시간)" in response.text
    response = client.post(day_url(world), headers=HX, data=day_form(world, {"vol1": ("12:00", "14:00", "")}))
    assert response.status_code == 422 and "이 봉사자는 같은 시간에 다른 활동처의 활동이 있습니다." in response.text
    for leak in ("08:00", "13:00", "9시간", "다른 활동처 활동", "종로 문화나눔센터"):  # site2's times, name, title
        assert leak not in response.text, leak
    assert logs_of(app, world["activity"]) == []


@pytest.mark.parametrize("offset, message", [
    (1, "미래 날짜는 입력할 수 없습니다."),
    (-31, "활동일이 활동기간("),
])
def test_a_date_outside_the_rules_on_the_form(app, client, auth, world, offset, message):
    auth.login("site1")
    day = TODAY + timedelta(days=offset)
    assert message in client.get(day_url(world, day)).text
    response = client.post(day_url(world, day), data=day_form(world, {"vol1": ("10:00", "12:00", "")}, day=day))
    assert response.status_code == 422 and message in response.text
    assert logs_of(app, world["activity"]) == []


def test_bad_date_and_nothing_to_save(app, client, auth, world):
    auth.login("site1")
    bad = client.get(f"/site/activities/{world['activity']}/day?date=2026-02-30")
    assert bad.status_code == 422 and "날짜 형식이 올바르지 않습니다." in bad.text
    empty = client.post(day_url(world), data=day_form(world, {}))
    assert empty.status_code == 422 and "저장할 시간이 없습니다." in empty.text


def test_existing_dates_are_edited_on_the_form_and_locked_ones_shown_only(app, client, auth, world):
    people = world["people"]

    def make():
        failed = DailyLog.create(participation=people["vol1"], date=DAY, start="10:00", end="12:00", minutes=120,
                                 link_state=DateState.FAILED, result_code=200)
        done = DailyLog.create(participation=people["vol2"], date=DAY, start="10:00", end="12:00", minutes=120,
                               link_state=DateState.SUCCEEDED, result_code=300)
        return failed.id, done.id
    failed, done = q(app, make)
    auth.login("site1")
    page = client.get(day_url(world)).text
    assert f'name="start-e{failed}"' in page and f'name="start-e{done}"' not in page
    assert "(수정 불가)" in page
    response = client.post(day_url(world), headers=HX, data={
        "date": DAY.isoformat(), "action": "save", f"start-e{failed}": "10:00", f"end-e{failed}": "11:30",
        f"minutes-e{failed}": "", f"start-e{done}": "09:00", f"end-e{done}": "12:00"})
    assert response.status_code == 200 and "1건을 저장했습니다" in response.text
    assert q(app, lambda: [(l.minutes, l.link_state, l.result_code) for l in
                           DailyLog.select().where(DailyLog.id.in_([failed, done])).order_by(DailyLog.id)]) == [
        (90, DateState.UNSENT, None), (120, DateState.SUCCEEDED, 300)]


# --------------------------------------------------------------------------- one date: edit and delete

def _one_log(app, world, state=DateState.UNSENT, code=None):
    return q(app, lambda: DailyLog.create(participation=world["people"]["vol1"], date=DAY, start="10:00",
                                          end="13:00", minutes=180, link_state=state, result_code=code).id)


def test_edit_a_date_in_the_modal(app, client, auth, world):
    log = _one_log(app, world, DateState.FAILED, 100)
    auth.login("site1")
    modal = client.get(f"/site/logs/{log}/edit", headers=HX)
    assert modal.headers["HX-Retarget"] == "#modal" and 'value="13:00"' in modal.text
    bad = client.post(f"/site/logs/{log}/edit", headers=HX,
                      data={"date": DAY.isoformat(), "start": "10:00", "end": "09:00", "minutes": ""})
    assert bad.status_code == 422 and "종료시간은 시작시간보다 늦어야 합니다." in bad.text
    assert 'aria-invalid="true"' in bad.text
    good = client.post(f"/site/logs/{log}/edit", headers=HX,
                       data={"date": DAY.isoformat(), "start": "10:00", "end": "14:00", "minutes": "180"})
    # (whole hours: a date with a 1365 rule to check keeps the dialog open, tests/test_rules1365.py)
    assert good.status_code == 204 and good.headers["HX-Trigger"] == "logs-changed, modal-close"
    assert logs_of(app, world["activity"]) == [("vol1", DAY, "10:00", "14:00", 180, DateState.UNSENT)]
    assert q(app, lambda: DailyLog.get_by_id(log).result_code) is None
    # Without htmx: a page, then back to the activity.
    assert client.get(f"/site/logs/{log}/edit").status_code == 200
    plain = client.post(f"/site/logs/{log}/edit", data={"date": DAY.isoformat(), "start": "10:00", "end": "12:00"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/site/activities/{world['activity']}")


@pytest.mark.parametrize("state", ["pending", "succeeded"])
def test_a_linked_date_is_locked(app, client, auth, world, state):
    log = _one_log(app, world, state, 300 if state == "succeeded" else None)
    auth.login("site1")
    message = {"pending": "1365 연계중인 날짜는 수정하거나 삭제할 수 없습니다.",
               "succeeded": "1365 연계가 완료된 날짜는 수정하거나 삭제할 수 없습니다."}[state]
    assert message in client.get(f"/site/logs/{log}/edit", headers=HX).text
    edit = client.post(f"/site/logs/{log}/edit", headers=HX,
                       data={"date": DAY.isoformat(), "start": "10:00", "end": "11:00"})
    assert edit.status_code == 422 and message in edit.text
    delete = client.post(f"/site/logs/{log}/delete", headers=HX)
    assert delete.status_code == 422 and message in delete.text
    assert logs_of(app, world["activity"]) == [("vol1", DAY, "10:00", "13:00", 180, state)]
    page = client.get(f"/site/activities/{world['activity']}").text
    assert f"/site/logs/{log}/edit" not in page and "수정 불가" in page


def test_delete_a_date(app, client, auth, world):
    log = _one_log(app, world)
    auth.login("site1")
    assert "삭제하시겠습니까?" in client.get(f"/site/logs/{log}/delete", headers=HX).text
    response = client.post(f"/site/logs/{log}/delete", headers=HX)
    assert response.status_code == 204 and "logs-changed" in response.headers["HX-Trigger"]
    assert logs_of(app, world["activity"]) == []
    assert q(app, lambda: AuditLog.select().where(AuditLog.action == "dailylog.delete").count()) == 1


# --------------------------------------------------------------------------- CSV

def _csv(world):
    d = DAY.isoformat()
    return ("활동일,회원아이디,이름,연락처,시작시간,종료시간,인정시간(분)\r\n"
            f"{d},vol1,,,10:00,12:00,\r\n"
            f"{d},vol2,,,오후 1:00:00,오후 3:00:00,90\r\n"
            f"{d},vol3,,,12:00,10:00,\r\n"
            f"{d},nobody,,,10:00,12:00,\r\n")


def test_csv_in_cp949_preview_then_confirm(app, client, auth, world):
    auth.login("site1")
    url = f"/site/activities/{world['activity']}/import"
    assert "양식 내려받기" in client.get(url).text
    preview = client.post(url, data={"file": (io.BytesIO(_csv(world).encode("cp949")), "일지.csv")},
                          content_type="multipart/form-data")
    assert preview.status_code == 422
    text = preview.text
    assert "전체 <strong>4</strong>줄 · 정상 <strong>2</strong>줄" in text
    line4 = text.split('id="line-4"')[1].split("</tr>")[0]
    assert "종료시간은 시작시간보다 늦어야 합니다." in line4
    line5 = text.split('id="line-5"')[1].split("</tr>")[0]
    assert "이 활동에 등록된 봉사자 중 &#39;nobody&#39;을(를) 찾을 수 없습니다." in line5
    assert "오류 없는 2줄만 저장" in text
    assert logs_of(app, world["activity"]) == []  # nothing saved until confirmed

    token = re.search(r'name="upload" value="([^"]+)"', text).group(1)
    lines = re.search(r'name="lines" value="([^"]+)"', text).group(1)
    assert lines == "2,3"
    # A bad line cannot be slipped into the confirmation.
    sneaky = client.post(url + "/confirm", data={"upload": token, "lines": "2,3,4"})
    assert sneaky.status_code == 422 and logs_of(app, world["activity"]) == []
    # A made-up or broken token saves nothing (the file travels only as this token now, see
    # test_an_upload_stays_on_the_server_for_its_manager_and_activity).
    assert client.post(url + "/confirm", data={"upload": "%%%", "lines": "2"}).status_code == 400
    done = client.post(url + "/confirm", data={"upload": token, "lines": lines})
    assert done.status_code == 303
    assert sorted(logs_of(app, world["activity"])) == [
        ("vol1", DAY, "10:00", "12:00", 120, DateState.UNSENT), ("vol2", DAY, "13:00", "15:00", 90, DateState.UNSENT)]
    assert "파일에서 상세봉사내역 2건을 저장했습니다." in client.get(done.headers["Location"]).text
    # Saved: the file is no longer held, and its token saves nothing more.
    assert q(app, lambda: Upload.select().count()) == 0
    assert client.post(url + "/confirm", data={"upload": token, "lines": lines}).status_code == 400
    # The same file again: every line is now what was saved.
    again = client.post(url, data={"file": (io.BytesIO(_csv(world).encode("cp949")), "일지.csv")},
                        content_type="multipart/form-data")
    assert again.status_code == 422 and "이 활동에 이미 입력된 날짜와 시간입니다." in again.text
    assert 'name="upload"' not in again.text  # no line can be saved: nothing to confirm, nothing held
    assert q(app, lambda: Upload.select().count()) == 0
    assert len(logs_of(app, world["activity"])) == 2


def test_csv_upload_problems(client, auth, world):
    auth.login("site1")
    url = f"/site/activities/{world['activity']}/import"
    nothing = client.post(url, data={}, content_type="multipart/form-data")
    assert nothing.status_code == 422 and "올릴 파일(CSV 또는 엑셀)을 선택해 주세요." in nothing.text
    headless = client.post(url, data={"file": (io.BytesIO("a,b\n1,2\n".encode()), "x.csv")},
                           content_type="multipart/form-data")
    assert headless.status_code == 422 and "첫 줄에 열 이름이 필요합니다." in headless.text


def test_csv_all_good_is_saved_whole(app, client, auth, world):
    auth.login("site1")
    url = f"/site/activities/{world['activity']}/import"
    good = "\n".join(_csv(world).splitlines()[:3]).encode("utf-8-sig")
    preview = client.post(url, data={"file": (io.BytesIO(good), "a.csv")}, content_type="multipart/form-data")
    assert preview.status_code == 200 and "2건 저장" in preview.text
    token = re.search(r'name="upload" value="([^"]+)"', preview.text).group(1)
    assert client.post(url + "/confirm", data={"upload": token, "lines": "2,3"}).status_code == 303
    assert len(logs_of(app, world["activity"])) == 2


def test_an_upload_stays_on_the_server_for_its_manager_and_activity(app, client, auth, world):
    """The page carries only a random token, never the file; the token works for the manager who
    uploaded it and the activity it was uploaded for, until it expires."""
    auth.login("site1")
    url = f"/site/activities/{world['activity']}/import"
    good = "\n".join(_csv(world).splitlines()[:3]).encode("utf-8-sig")
    preview = client.post(url, data={"file": (io.BytesIO(good), "a.csv")}, content_type="multipart/form-data")
    token = re.search(r'name="upload" value="([^"]+)"', preview.text).group(1)
    form = preview.text.split('name="upload"')[0].rsplit("<form", 1)[1]
    assert "활동일" not in form and "vol1" not in form and len(token) < 64  # only the token travels
    stored = q(app, lambda: Upload.get())
    assert bytes(stored.data) == good and token not in stored.token_hash  # kept hashed
    other = q(app, lambda: Activity.create(site=Activity.get_by_id(world["activity"]).site, category="문화",
                                            title="다른 활동", start_date=DAY, end_date=DAY).id)
    elsewhere = client.post(f"/site/activities/{other}/import/confirm", data={"upload": token, "lines": "2,3"})
    assert elsewhere.status_code == 400 and "파일을 다시 올려 주세요" in elsewhere.text
    auth.logout()
    q(app, lambda: Member.update(site=Activity.get_by_id(world["activity"]).site).where(
        Member.username == "site2").execute())
    auth.login("site2")  # a manager of the same site, not the one who uploaded it
    assert client.post(url + "/confirm", data={"upload": token, "lines": "2,3"}).status_code == 400
    auth.logout()
    auth.login("site1")
    q(app, lambda: Upload.update(expires_at=Upload.created_at).execute())  # expired
    assert client.post(url + "/confirm", data={"upload": token, "lines": "2,3"}).status_code == 400
    assert logs_of(app, world["activity"]) == []


def test_csv_export_and_template(app, client, auth, demo):
    auth.login("site1")
    activity = q(app, lambda: Activity.get(Activity.title == "청소년 문화예술 멘토링").id)
    asked = client.get(f"/site/activities/{activity}/export.csv")
    assert asked.status_code == 200 and asked.mimetype == "text/html" and "다운로드 사유" in asked.text
    refused = client.post(f"/site/activities/{activity}/export.csv", data={"reason": " "})
    assert refused.status_code == 422 and "다운로드 사유를 입력해 주세요." in refused.text
    export = client.post(f"/site/activities/{activity}/export.csv", data={"reason": "월말 활동 보고"})
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    text = export.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "활동일,회원아이디,이름,시작시간,종료시간,인정시간(분),1365연계,결과코드"
    assert "2026-06-13,vol1,김민준,10:00,12:00,120,미연계," in text
    template = client.get("/site/template.csv")
    assert template.data.decode("utf-8-sig") == "활동일,회원아이디,이름,연락처,시작시간,종료시간,인정시간(분)\r\n"


# --------------------------------------------------------------------------- what the volunteer sees

def test_the_volunteer_sees_new_hours_and_link_request_at_once(app, client, auth, world):
    people = world["people"]
    q(app, lambda: DailyLog.create(participation=people["vol1"], date=DAY - timedelta(days=1), start="10:00",
                                   end="12:00", minutes=120, link_state=DateState.SUCCEEDED, result_code=300))
    auth.login("vol1")
    row = client.get(f"/mypage/participations/{people['vol1']}/row").text
    assert "2시간" in row and "연계완료" in row
    auth.logout()
    auth.login("site1")
    assert client.post(day_url(world), data=day_form(world, {"vol1": ("13:00", "16:30", "")})).status_code == 303
    auth.logout()
    auth.login("vol1")
    row = client.get(f"/mypage/participations/{people['vol1']}/row").text
    assert "5시간 30분" in row and "연계신청" in row
    result = client.get(f"/mypage/participations/{people['vol1']}/result", headers=HX).text
    assert DAY.isoformat() in result and "13:00" in result and "16:30" in result


# --------------------------------------------------------------------------- one site cannot reach another's

def _site2_ids(app):
    def find():
        site2 = Site.get(Site.name == "종로 문화나눔센터")
        activity = Activity.select().where(Activity.site == site2).order_by(Activity.id).first()
        participation = (Participation.select().join(Activity).where(Activity.site == site2)
                         .order_by(Participation.id).first())
        log = DailyLog.get(DailyLog.participation == participation)
        return {"activity_id": activity.id, "participation_id": participation.id, "log_id": log.id}
    return q(app, find)


def _snapshot(app):
    def take():
        site2 = Site.get(Site.name == "종로 문화나눔센터")
        activities = list(Activity.select().where(Activity.site == site2).order_by(Activity.id).tuples())
        people = list(Participation.select().join(Activity).where(Activity.site == site2)
                      .order_by(Participation.id).tuples())
        logs = list(DailyLog.select().join(Participation).join(Activity).where(Activity.site == site2)
                    .order_by(DailyLog.id).tuples())
        return activities, people, logs
    return q(app, take)


def test_a_manager_of_site1_can_neither_see_nor_change_site2(app, client, auth, demo):
    ids = _site2_ids(app)
    before = _snapshot(app)
    auth.login("site1")
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("site.")]
    assert len(rules) >= 14
    checked = 0
    for rule in rules:
        if not rule.arguments:
            continue
        url = rule.build(ids, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for headers in ({}, HX):
                response = client.open(url, method=method, headers=headers, data={
                    "date": "2026-06-13", "start": "09:00", "end": "10:00", "member_id": "1",
                    "category": "x", "title": "x", "start_date": "2026-01-01", "end_date": "2026-12-31",
                    "upload": "x", "lines": "2"})
                assert response.status_code == 404, (method, url, response.status_code)
                checked += 1
    assert checked >= 2 * 17
    # Routes without an id show only site1's own.
    for rule in rules:
        if not rule.arguments and "GET" in rule.methods:
            response = client.get(rule.rule)
            if not response.mimetype.startswith("text/"):  # the .xlsx template: no member's data
                assert rule.endpoint.endswith("template"), rule.rule
                continue
            text = response.get_data(as_text=True)
            assert "종로 문화나눔센터" not in text and "박물관 전시 해설 도우미" not in text, rule.rule
    assert _snapshot(app) == before


def test_every_site_route_is_for_site_managers_only(app, client, auth, demo):
    ids = _site2_ids(app)
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("site.")]
    for username in (None, "vol1", "admin"):
        if username:
            auth.login(username)
        for rule in rules:
            url = rule.build(ids, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                status = client.open(url, method=method).status_code
                assert status == (302 if username is None else 403), (username, method, url, status)
        if username:
            auth.logout()

