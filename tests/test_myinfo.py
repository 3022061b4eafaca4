"""마이페이지 > 내 정보: what is held, the contact corrected, all of it downloaded, 회원탈퇴 (issue 15
part 5), on SQLite and PostgreSQL."""
import json
from datetime import date, time

from helpers import ctx, member
from pumasi.models import (Activity, AuditLog, Certificate, Consent, DailyLog, Identity, Member, Notification,
                           Participation, Site)


def _setup(app, client, auth):
    """vol1 verified (through the dialog, so a consent is recorded), one date answered 300; vol2's
    activity and phone exist to be absent from vol1's pages."""
    auth.login("vol1")
    assert client.post("/mypage/identity", data={"rrn_front": "900101", "rrn_back": "1234567"}).status_code == 303
    with ctx(app):
        vol2 = member("vol2")
        Member.update(phone="010-2222-3333").where(Member.id == vol2.id).execute()
        site = Site.get(Site.name == "CSV 총괄운영본부")
        mine = Activity.create(site=site, category="문화", title="내정보 시험 활동", start_date=date(2026, 3, 1),
                               end_date=date(2026, 3, 31))
        theirs = Activity.create(site=site, category="문화", title="남의 활동", start_date=date(2026, 3, 1),
                                 end_date=date(2026, 3, 31))
        p = Participation.create(activity=mine, volunteer=member("vol1"))
        DailyLog.create(participation=p, date=date(2026, 3, 4), start=time(9), end=time(12), minutes=180,
                        link_state="succeeded", result_code=300)
        Participation.create(activity=theirs, volunteer=vol2)
        for who, number in ((member("vol1"), "2026-000001"), (vol2, "2026-000002")):
            Notification.create(member=who, title=f"{who.name}님 연계 결과", body="연계완료")
            Certificate.create(year=2026, serial=int(number[-1]), number=number, code=f"code{number}", member=who,
                               name=who.name, issued_on=date(2026, 4, 1), activity_count=1, day_count=1,
                               total_minutes=180, content="{}", content_hash="0" * 64)


def test_info_shows_what_is_held(app, client, auth, demo):
    _setup(app, client, auth)
    page = client.get("/mypage/info")
    assert page.status_code == 200
    html = page.text
    assert "김민준" in html and "vol1" in html
    assert "900101-1******" in html and "1234567" not in html
    with ctx(app):
        version = Consent.get(Consent.member == member("vol1")).notice_version
    assert version in html and "개인정보 처리방침 동의 기록" in html
    assert "내정보 시험 활동" in html and "2026-03-04" in html and "09:00~12:00" in html
    assert "<td>연계성공</td><td>300</td>" in html
    assert "남의 활동" not in html and "010-2222-3333" not in html and "이서연" not in html
    assert "김민준님 연계 결과" in html and "2026-000001 · 2026-04-01 · 유효" in html and "2026-000002" not in html
    assert 'href="/mypage/info" aria-current="page">내 정보</a>' in html


def test_contact_is_corrected_with_messages_by_the_field(app, client, auth, demo):
    auth.login("vol1")
    bad = client.post("/mypage/info", data={"phone": "010 abc", "email": "not-an-address"})
    assert bad.status_code == 422
    assert 'id="f-phone-error">전화번호 형식이 올바르지 않습니다. (예: 010-1234-5678)' in bad.text
    assert 'id="f-email-error">이메일 주소 형식이 올바르지 않습니다.' in bad.text
    with ctx(app):
        before = member("vol1")
    assert (before.phone, before.email) != ("010 abc", "not-an-address")
    good = client.post("/mypage/info", data={"phone": "010-9876-5432", "email": "minjun@example.org"})
    assert good.status_code == 303
    assert "연락처를 저장했습니다." in client.get("/mypage/info").text
    with ctx(app):
        after = member("vol1")
        assert (after.phone, after.email) == ("010-9876-5432", "minjun@example.org")
        assert AuditLog.select().where(AuditLog.action == "myinfo.contact", AuditLog.target_id == after.id).count() == 1


def test_download_holds_only_their_own_and_the_rrn_masked(app, client, auth, demo):
    _setup(app, client, auth)
    response = client.get("/mypage/info/download")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == "attachment; filename=my-info.json"
    data = json.loads(response.data.decode("utf-8"))
    assert data["회원 정보"]["아이디"] == "vol1" and data["회원 정보"]["이름"] == "김민준"
    assert data["본인인증"]["주민등록번호"] == "900101-1******"
    assert len(data["개인정보 처리방침 동의"]) == 1
    mine = [a for a in data["활동"] if a["봉사제목"] == "내정보 시험 활동"]
    assert mine[0]["상세봉사내역"] == [{"날짜": "2026-03-04", "시작": "09:00", "종료": "12:00", "인정시간(분)": 180,
                                     "1365연계": "연계성공", "결과코드": 300}]
    assert data["알림"] == [{"제목": "김민준님 연계 결과", "내용": "연계완료", "일시": data["알림"][0]["일시"]}]
    assert [(c["발급번호"], c["인정시간(분)"], c["상태"]) for c in data["확인서"]] == [("2026-000001", 180, "유효")]
    text = response.data.decode("utf-8")
    assert "9001011234567" not in text and "1234567" not in text
    assert "남의 활동" not in text and "이서연" not in text and "010-2222-3333" not in text
    with ctx(app):
        volunteer_activities = (Participation.select().where(Participation.volunteer == member("vol1")).count())
        assert len(data["활동"]) == volunteer_activities


def test_withdraw_deletes_the_rrn_keeps_the_records_and_ends_log_in(app, client, auth, demo):
    _setup(app, client, auth)
    with ctx(app):
        vol1 = member("vol1")
        kept = Participation.select().where(Participation.volunteer == vol1).count()
    page = client.get("/mypage/withdraw")
    assert "주민등록번호는 <strong>바로 삭제</strong>됩니다." in page.text
    assert "발급받은 확인서 1건은" in page.text  # vol1's, not vol2's
    wrong = client.post("/mypage/withdraw", data={"password": "not-my-password"})
    assert wrong.status_code == 401 and "비밀번호가 올바르지 않습니다." in wrong.text
    with ctx(app):
        assert Identity.select().where(Identity.member == vol1).exists()
    done = client.post("/mypage/withdraw", data={"password": "pumasi-demo"})
    assert done.status_code == 200
    assert "회원 탈퇴가 완료되었습니다" in done.text and "주민등록번호는 삭제되었습니다." in done.text
    assert "'탈퇴회원'으로 남아" in done.text
    with ctx(app):
        assert not Identity.select().where(Identity.member == vol1).exists()
        gone = Member.get_by_id(vol1.id)
        assert gone.name == "탈퇴회원" and gone.phone == "" and gone.email == "" and not gone.active
        assert Participation.select().where(Participation.volunteer == vol1).count() == kept
    assert client.get("/mypage/info").status_code in (302, 303)  # this session ended
    login = auth.login("vol1")
    assert login.status_code == 401 and "아이디 또는 비밀번호가 올바르지 않습니다." in login.text


def test_only_volunteers(client, auth, demo):
    for username in ("site1", "admin"):
        auth.login(username)
        for path in ("/mypage/info", "/mypage/info/download", "/mypage/withdraw"):
            assert client.get(path).status_code == 403, (username, path)
        auth.logout()
