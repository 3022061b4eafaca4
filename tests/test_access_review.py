"""The monthly review of the access records (issue 15 part 2): counts per account and action,
decryptions per day, downloads with their reasons, staff access outside working hours, accounts
touching many members; the note and sign-off; the reminder on operator pages until it is signed."""
import re
from datetime import date, datetime, timedelta

import pytest

from pumasi.clock import today_kst
from pumasi.db import db
from pumasi.models import AccessReview, AuditLog, Member
from pumasi.ops import access, access_review
from pumasi.ops.access_review import Month

NOVEMBER = Month(2026, 11)


@pytest.fixture
def ctx(app, demo):
    with app.app_context(), db.connection_context():
        yield app


def _at(monkeypatch, kst, actor, subject, action, what="x", reason=""):
    """A record made at a moment given in Korea's time."""
    moment = datetime(*kst) - timedelta(hours=9)
    with monkeypatch.context() as patch:
        patch.setattr(access, "utcnow", lambda: moment)
        return access.record_access(actor, subject, action, what, reason)


def _people():
    return {m.username: m for m in Member.select()}


def test_a_month_is_korean_time():
    assert NOVEMBER.bounds() == (datetime(2026, 10, 31, 15), datetime(2026, 11, 30, 15))
    assert (Month(2026, 12).next(), Month(2026, 1).previous()) == (Month(2027, 1), Month(2025, 12))
    assert access_review.parse_month("2026-11") == NOVEMBER
    assert [access_review.parse_month(t) for t in ("2026-13", "26-11", "", "2026-1")] == [None] * 4


def test_the_review_of_a_month(ctx, monkeypatch):
    p = _people()
    admin, site1 = p["admin"], p["site1"]
    vols = [p["vol1"], p["vol2"], p["vol3"]]
    _at(monkeypatch, (2026, 10, 31, 23, 0), admin, vols[0], "조회")  # October in Korea
    _at(monkeypatch, (2026, 11, 3, 10, 0), admin, vols[0], "조회")  # a Tuesday, working hours
    _at(monkeypatch, (2026, 11, 3, 23, 30), admin, vols[1], "조회", "회원 상세")  # off hours
    _at(monkeypatch, (2026, 11, 7, 11, 0), site1, vols, "다운로드", "일별 CSV", "월말 보고")  # a Saturday
    _at(monkeypatch, (2026, 11, 4, 3, 0), "worker", vols[:2], "복호화")  # the worker: never "off hours"
    _at(monkeypatch, (2026, 11, 4, 4, 0), "worker", vols[2], "복호화")
    _at(monkeypatch, (2026, 11, 5, 9, 0), "cli", vols[0], "복호화")
    _at(monkeypatch, (2026, 12, 1, 0, 0), admin, vols[0], "조회")  # December in Korea
    config = dict(ctx.config, ACCESS_MANY_MEMBERS=2)
    review = access_review.review(NOVEMBER, config)
    assert review.total == 6
    counts = {(a.name, a.staff): (dict(a.actions), len(a.members)) for a in review.accounts}
    assert counts == {("admin", True): ({"조회": 2}, 2), ("site1", True): ({"다운로드": 1}, 3),
                      ("worker", False): ({"복호화": 2}, 3), ("cli", False): ({"복호화": 1}, 1)}
    assert review.decryptions == [(date(2026, 11, 4), 2, 3), (date(2026, 11, 5), 1, 1)]
    assert [(r.actor_name, r.reason, r.what) for r in review.downloads] == [("site1", "월말 보고", "일별 CSV")]
    assert [(r.actor_name, r.what) for r in review.off_hours] == [("admin", "회원 상세"), ("site1", "일별 CSV")]
    assert [a.name for a in review.busy] == ["site1"]
    assert review.signed is None


def test_working_hours_come_from_the_settings(ctx):
    hours = access_review.WorkingHours.from_config({"WORK_HOURS": "08:30-20:00", "WORK_DAYS": "월화수목금토"})
    saturday_night, saturday_noon = datetime(2026, 11, 7, 3), datetime(2026, 11, 7, 12)  # 12:00 and 21:00 KST
    assert hours.holds(saturday_night) and not hours.holds(saturday_noon)
    with pytest.raises(ValueError, match="PUMASI_WORK_HOURS"):
        access_review.WorkingHours.from_config({"WORK_HOURS": "9-18", "WORK_DAYS": "월"})


def test_sign_off(ctx, monkeypatch):
    admin = _people()["admin"]
    today = date(2026, 12, 7)
    assert access_review.due(today) is None  # no access record before December: nothing to review
    _at(monkeypatch, (2026, 11, 30, 23, 59), admin, None, "조회")
    for note, month, message in (("  ", NOVEMBER, "점검 의견을 입력해 주세요."),
                                 ("x" * 2001, NOVEMBER, "2000자 이하"),
                                 ("이상 없음", Month(2026, 12), "끝나지 않은 달")):
        with pytest.raises(access_review.ReviewError, match=message):
            access_review.sign_off(month, note, admin, today)
    assert access_review.due(today) == NOVEMBER
    signed = access_review.sign_off(NOVEMBER, " 이상 없음 ", admin, today)
    assert (signed.note, signed.signed_by_name, signed.signed_by_id) == ("이상 없음", "admin", admin.id)
    assert access_review.due(today) is None
    assert AuditLog.get(AuditLog.action == "access.review").detail == "2026-11 접속기록 점검 완료"
    with pytest.raises(access_review.ReviewError, match="이미 점검을 마친 달"):
        access_review.sign_off(NOVEMBER, "또", admin, today)
    assert AccessReview.select().count() == 1


def test_the_screen_the_reminder_and_the_sign_off(app, client, auth, demo, monkeypatch):
    last = access_review.month_of(today_kst()).previous()
    auth.login("admin")
    assert "접속기록 점검이 아직" not in client.get("/admin/").text  # nothing recorded before this month
    with app.app_context(), db.connection_context():
        _at(monkeypatch, (last.year, last.month, 2, 10, 0), Member.get(Member.username == "admin"), None, "조회")
    console = client.get("/admin/")
    assert f"지난달({last.label}) 접속기록 점검이 아직 완료되지 않았습니다." in console.text
    page = client.get("/admin/access-review")
    assert page.status_code == 200 and f"{last.label} 접속기록 점검" in page.text and "점검 의견" in page.text
    assert client.get("/admin/access-review?month=nonsense").status_code == 303
    refused = client.post(f"/admin/access-review/{last.key}/sign", data={"review_note": ""})
    assert refused.status_code == 422 and "점검 의견을 입력해 주세요." in refused.text
    done = client.post(f"/admin/access-review/{last.key}/sign", data={"review_note": "이상 없음"})
    assert done.status_code == 303
    signed = client.get(done.headers["Location"]).text
    assert "점검 완료: <strong>admin</strong>" in signed and "이상 없음" in signed
    assert "접속기록 점검이 아직 완료되지 않았습니다" not in client.get("/admin/").text
    auth.logout()
    auth.login("site1")
    assert client.get("/admin/access-review").status_code == 403


def test_going_back_stops_at_the_first_month_with_records(app, client, auth, demo, monkeypatch):
    auth.login("admin")
    assert "이전 달" not in client.get("/admin/access-review?month=2026-03").text  # no records at all
    with app.app_context(), db.connection_context():
        _at(monkeypatch, (2026, 2, 27, 10, 0), Member.get(Member.username == "admin"), None, "조회")
    assert 'month=2026-02">이전 달' in client.get("/admin/access-review?month=2026-03").text
    assert "이전 달" not in client.get("/admin/access-review?month=2026-02").text


def test_the_records_looked_up_by_account_member_action_and_period(app, client, auth, demo, monkeypatch):
    from pumasi.models import AccessRecord
    with app.app_context(), db.connection_context():
        p = _people()
        _at(monkeypatch, (2026, 11, 3, 10, 0), p["admin"], p["vol1"], "조회", "회원 상세")
        _at(monkeypatch, (2026, 11, 4, 0, 30), p["site1"], [p["vol2"], p["vol3"]], "다운로드", "일별 CSV", "월말 보고")  # 4 November in Korea, 3 November in UTC
        _at(monkeypatch, (2026, 11, 5, 9, 0), "worker", [p["vol1"], p["vol2"]], "복호화", "연계 전송")
        vol2 = p["vol2"].id
    auth.login("admin")

    def seqs(query):
        response = client.get("/admin/access-records" + query)
        assert response.status_code == 200, response.text[:300]
        return [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", response.text)]
    assert seqs("") == [3, 2, 1]
    assert seqs("?account=site1") == [2]
    assert seqs("?member=VOL2") == [3, 2] and seqs("?member=vol1") == [3, 1] and seqs("?member=nobody") == []
    assert seqs("?action=복호화") == [3]
    assert seqs("?date_from=2026-11-04&date_to=2026-11-04") == [2]
    page = client.get("/admin/access-records?account=site1").text
    assert "월말 보고" in page and f"{vol2}, " in page and "이서연" not in page
    assert client.get("/admin/access-records?date_from=2026-13-01").status_code == 422
    with app.app_context(), db.connection_context():
        assert AccessRecord.select().count() == 3  # looking the records up touches no one's data
