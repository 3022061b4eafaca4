"""마이페이지 > 활동내역확인: the table, its formats, order, pages, and who may see what."""
import re
from datetime import date, time

import pytest

from pumasi.db import db
from pumasi.models import Activity, DailyLog, Member, Participation, Site
from pumasi.web.templating import page_window


def _rows(html):
    return re.findall(r'<tr id="p-(\d+)"', html)


def test_activities_table_like_the_seed(client, auth, demo):
    auth.login("vol1")
    page = client.get("/mypage/activities")
    assert page.status_code == 200
    html = page.text
    assert "· Total <strong>10</strong>건" in html
    for header in ("구분", "봉사제목", "활동처", "활동기간", "활동시간", "1365연계"):
        assert f">{header}</th>" in html
    assert "20210804~ 20210930" in html and "12시간" in html
    assert "중간활동 제거 테스트" in html and "CSV 총괄운영본부" in html
    assert len(_rows(html)) == 10


def test_newest_first(app, client, auth, demo):
    auth.login("vol1")
    html = client.get("/mypage/activities").text
    with app.app_context(), db.connection_context():
        starts = [Participation.get_by_id(int(pid)).activity.start_date for pid in _rows(html)]
    assert starts == sorted(starts, reverse=True)


def test_states_shown(client, auth, demo):
    auth.login("vol1")
    html = client.get("/mypage/activities").text
    assert "연계신청" in html
    assert 'class="button state done"' in html  # the whole-period (legacy) participation: 연계완료


def test_hours_with_minutes(app, client, auth, demo):
    with app.app_context(), db.connection_context():
        vol = Member.get(Member.username == "vol2")
        site = Site.get(Site.name == "CSV 총괄운영본부")
        activity = Activity.create(site=site, category="문화", title="반나절 활동", start_date=date(2026, 1, 1),
                                   end_date=date(2026, 1, 31))
        p = Participation.create(activity=activity, volunteer=vol)
        DailyLog.create(participation=p, date=date(2026, 1, 3), start=time(9), end=time(15, 30), minutes=390)
    auth.login("vol2")
    assert "6시간 30분" in client.get("/mypage/activities").text


def test_pagination_20_a_page(app, client, auth, demo):
    with app.app_context(), db.connection_context():
        vol = Member.get(Member.username == "vol3")
        site = Site.get(Site.name == "CSV 총괄운영본부")
        for n in range(25):
            activity = Activity.create(site=site, category="문화", title=f"활동 {n}", start_date=date(2020, 1, n + 1),
                                       end_date=date(2020, 1, n + 1))
            Participation.create(activity=activity, volunteer=vol)
    auth.login("vol3")
    first = client.get("/mypage/activities").text
    assert "· Total <strong>29</strong>건" in first
    assert len(_rows(first)) == 20
    second = client.get("/mypage/activities?page=2").text
    assert len(_rows(second)) == 9
    assert not set(_rows(first)) & set(_rows(second))
    assert client.get("/mypage/activities?page=99").status_code == 302
    assert client.get("/mypage/activities?page=abc").status_code == 200
    pager = re.search(r'<nav class="pages".*?</nav>', first, re.S).group(0)
    assert re.findall(r">([^<>]+)</(?:a|span)>", pager) == ["1", "2", "›"]
    assert 'href="/mypage/activities?page=2" rel="next" aria-label="다음 페이지"' in pager
    pager = re.search(r'<nav class="pages".*?</nav>', second, re.S).group(0)
    assert re.findall(r">([^<>]+)</(?:a|span)>", pager) == ["‹", "1", "2"]
    assert 'rel="prev" aria-label="이전 페이지"' in pager


@pytest.mark.parametrize("page, pages, shown", [
    (1, 1, [1]),
    (1, 2, [1, 2]),
    (1, 50, [1, 2, None, 50]),
    (3, 50, [1, 2, 3, 4, None, 50]),
    (4, 50, [1, 2, 3, 4, 5, None, 50]),      # 1 … 3: the single number is shown, not "…"
    (25, 50, [1, None, 24, 25, 26, None, 50]),
    (50, 50, [1, None, 49, 50]),
    (3, 5, [1, 2, 3, 4, 5]),
])
def test_pager_shows_a_window_of_pages(page, pages, shown):
    assert page_window(page, pages) == shown


def test_htmx_gets_the_fragment(client, auth, demo):
    auth.login("vol1")
    fragment = client.get("/mypage/activities", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="activity-table"' in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_other_volunteers_rows_are_not_found(app, client, auth, demo):
    with app.app_context(), db.connection_context():
        theirs = Participation.select().join(Member).where(Member.username == "vol2").first().id
    auth.login("vol1")
    for method, url in (("get", f"/mypage/participations/{theirs}/row"),
                        ("get", f"/mypage/participations/{theirs}/result"),
                        ("post", f"/mypage/participations/{theirs}/link"),
                        ("post", f"/mypage/participations/{theirs}/relink")):
        assert getattr(client, method)(url).status_code == 404, url
    assert client.post("/mypage/link", data={"participation_ids": [str(theirs)]}).status_code == 404


@pytest.mark.parametrize("username", ["site1", "admin"])
def test_mypage_is_for_volunteers(client, auth, demo, username):
    auth.login(username)
    assert client.get("/mypage/activities").status_code == 403


def test_logged_out_goes_to_login(client):
    response = client.get("/mypage/activities")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_no_detail_notice(app, client, auth, demo):
    with app.app_context(), db.connection_context():
        pid = (Participation.select().join(Activity).switch(Participation).join(Member)
               .where(Member.username == "vol1", Activity.title == "박물관 전시 해설 도우미").get().id)
    auth.login("vol1")
    response = client.post(f"/mypage/participations/{pid}/link", headers={"HX-Request": "true"})
    assert response.headers["HX-Retarget"] == "#modal"
    assert "상세봉사내역이 존재하지 않습니다." in response.text
    assert "해당 활동처에서 상세봉사 활동내역을 입력하도록 문의 하시기 바랍니다." in response.text


@pytest.mark.parametrize("front, back, message", [
    ("", "", "주민등록번호 앞 6자리를 숫자로 입력해 주세요."),
    ("90010", "1234567", "주민등록번호 앞 6자리를 숫자로 입력해 주세요."),
    ("900101", "123", "주민등록번호 뒤 7자리를 숫자로 입력해 주세요."),
    ("900230", "1234567", "주민등록번호의 생년월일이 올바르지 않습니다."),
    ("991231", "3234567", "주민등록번호의 생년월일이 미래일 수 없습니다."),
    ("abcdef", "ghijklm", "주민등록번호 앞 6자리를 숫자로 입력해 주세요."),
    ("9" * 5000, "1" * 5000, "주민등록번호 앞 6자리를 숫자로 입력해 주세요."),
])
def test_identity_bad_input(app, client, auth, demo, front, back, message):
    auth.login("vol3")
    response = client.post("/mypage/identity", data={"rrn_front": front, "rrn_back": back},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert message in response.text
    from pumasi.models import Identity
    with app.app_context(), db.connection_context():
        assert Identity.select().count() == 0


def test_identity_is_stored_encrypted_and_shown_masked(app, client, auth, demo):
    auth.login("vol1")
    response = client.post("/mypage/identity", data={"rrn_front": "900101", "rrn_back": "1234567"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and "본인인증이 완료되었습니다." in response.text
    from pumasi.models import Identity
    with app.app_context(), db.connection_context():
        identity = Identity.get()
        assert identity.rrn_masked == "900101-1******"
        assert "1234567" not in identity.rrn_token
        assert app.extensions["rrn_vault"].decrypt(identity.rrn_token) == "9001011234567"
    page = client.get("/mypage/").text
    assert "900101-1******" in page and "1234567" not in page


HX = {"HX-Request": "true"}


def test_a_volunteer_added_by_a_site_sees_it_and_can_leave_it(app, client, auth, demo):
    """A site adds vol2 to an activity: it is on vol2's 활동내역 at once, with 활동 나가기 (a confirm
    dialog, then the row is gone, audited as participation.leave) while nothing of it went to 1365."""
    from pumasi.models import AuditLog
    from pumasi.records import activities
    with app.app_context(), db.connection_context():
        activity = Activity.get(Activity.title == "청소년 문화예술 멘토링")
        participation = activities.add_volunteer(activity, "vol2", Member.get(Member.username == "site1"))
        DailyLog.create(participation=participation, date=date(2026, 6, 13), start=time(10), end=time(12),
                        minutes=120)
    auth.login("vol2")
    html = client.get("/mypage/activities").text
    row = re.search(rf'<tr id="p-{participation.id}".*?</tr>', html, re.S).group(0)
    assert "청소년 문화예술 멘토링" in row and "활동 나가기" in row
    leave = f"/mypage/participations/{participation.id}/leave"
    modal = client.get(leave, headers=HX)
    assert modal.status_code == 200 and modal.headers["HX-Retarget"] == "#modal"
    assert "이 활동에서 나가시겠습니까?" in modal.text and "1건(1365 미연계)도 함께 삭제됩니다" in modal.text
    assert "이 활동에서 나가시겠습니까?" in client.get(leave).text  # without JavaScript: a page
    done = client.post(leave, headers=HX)
    assert done.status_code == 200 and "rows-changed" in done.headers["HX-Trigger"] and "나갔습니다" in done.text
    assert f'id="p-{participation.id}"' not in client.get("/mypage/activities").text
    with app.app_context(), db.connection_context():
        assert not Participation.select().where(Participation.id == participation.id).exists()
        entry = AuditLog.get(AuditLog.action == "participation.leave")
        assert entry.actor_name == "vol2" and entry.target_id == participation.id
    assert client.post(leave, headers=HX).status_code == 404  # gone: nothing to leave


@pytest.mark.parametrize("state", ["pending", "succeeded", "failed", "request"])
def test_no_leaving_once_a_date_went_to_1365(app, client, auth, demo, state):
    """A date pending, succeeded or failed at 1365, or a 연계신청 ever made: the dialog says why and
    the participation stays (records.activities.removable)."""
    from pumasi.linkage import reads
    from pumasi.models import LinkRequest
    from pumasi.records import activities
    with app.app_context(), db.connection_context():
        activity = Activity.get(Activity.title == "청소년 문화예술 멘토링")
        p = activities.add_volunteer(activity, "vol2", Member.get(Member.username == "site1"))
        DailyLog.create(participation=p, date=date(2026, 6, 13), start=time(10), end=time(12), minutes=120,
                        link_state=state if state != "request" else "unsent")
        if state == "request":
            LinkRequest.create(participation=p)
        assert not activities.removable(p)
    auth.login("vol2")
    leave = f"/mypage/participations/{p.id}/leave"
    assert activities.LEAVE_LINKED_MESSAGE in client.get(leave, headers=HX).text
    refused = client.post(leave, headers=HX)
    assert refused.status_code == 422 and activities.LEAVE_LINKED_MESSAGE in refused.text
    assert client.post(leave).status_code == 422
    with app.app_context(), db.connection_context():
        assert Participation.select().where(Participation.id == p.id).exists()
        assert reads.summary(p).total == 1
