"""Access records wired in (issue 15 parts 1 and 6): each staff touch of personal data writes one
record with all five fields (account, time, the real client address behind the proxy, whose data,
what was done); site managers see a phone only where they enter logs and never an RRN; operators see
the masked RRN only on the member page."""
from datetime import datetime, timedelta

import pytest
from conftest import Auth, _database_url

from pumasi.db import db
from pumasi.identity import store as identities
from pumasi.models import AccessRecord, Activity, DailyLog, Member, Participation
from pumasi.ops import access

import helpers

CLIENT = "198.51.100.23"  # what nginx puts in X-Forwarded-For (PUMASI_PROXIES=1)
MENTORING = "청소년 문화예술 멘토링"


@pytest.fixture(params=["sqlite", "postgres"])
def proxied(request, tmp_path, redis_url):
    """The app behind one proxy, on both databases, with the demo world and vol1's 본인인증."""
    app = helpers.build_app(tmp_path, _database_url(request.param, tmp_path, request), redis_url,
                            WTF_CSRF_ENABLED=False, PROXIES=1)
    from pumasi import demo
    with app.app_context(), db.connection_context():
        demo.seed(sim_db=app.config["SIM1365_DB"])
        Member.update(phone="010-2222-7777").where(Member.username == "vol1").execute()
        identities.verify(Member.get(Member.username == "vol1"), helpers.RRN_VOL1, app.extensions["rrn_vault"], None)
    yield app
    if not db.is_closed():
        db.close()


class Staff:
    def __init__(self, app, username):
        self.app, self.client = app, app.test_client()
        self.client.environ_base["HTTP_X_FORWARDED_FOR"] = CLIENT
        assert Auth(self.client).login(username).status_code == 303
        self.me = self.q(lambda: Member.get(Member.username == username))

    def q(self, fn):
        with self.app.app_context(), db.connection_context():
            return fn()

    def last_seq(self):
        return self.q(lambda: AccessRecord.select().count() and
                      AccessRecord.select().order_by(AccessRecord.seq.desc()).first().seq)

    def did(self, make, action, subjects, status=200):
        """Run make() (a response); exactly one new access record, by this account, from CLIENT."""
        before = self.last_seq()
        response = make()
        assert response.status_code == status, response.text[:500]
        new = self.q(lambda: list(AccessRecord.select().where(AccessRecord.seq > before)))
        assert len(new) == 1, [(r.action, r.what) for r in new]
        record = new[0]
        assert (record.actor_id, record.actor_name, record.ip, record.action) == (
            self.me.id, self.me.username, CLIENT, action)
        assert sorted(int(i) for i in record.subjects.split(",")) == sorted(subjects)
        assert abs(record.at - datetime.utcnow()) < timedelta(minutes=1) and record.what
        return response, record


def _id(staff, username):
    return staff.q(lambda: Member.get(Member.username == username).id)


def test_each_operator_touch_is_one_record(proxied):
    admin = Staff(proxied, "admin")
    vol1, vol2 = _id(admin, "vol1"), _id(admin, "vol2")
    page, _ = admin.did(lambda: admin.client.get(f"/admin/members/{vol1}"), "조회", [vol1])
    assert "900101-1******" in page.text  # the masked RRN: here, and only here
    listed, record = admin.did(lambda: admin.client.get("/admin/members?q=vol"), "조회", [vol1, vol2, _id(admin, "vol3")])
    assert "900101" not in listed.text and record.what.endswith(": vol")
    admin.did(lambda: admin.client.get(f"/admin/members/{vol2}/edit"), "조회", [vol2])
    admin.did(lambda: admin.client.post(f"/admin/members/{vol2}", data={
        "name": "이서연", "role": "volunteer", "phone": "010-3333-4444", "email": ""}), "수정", [vol2], 303)
    participation = admin.q(lambda: Participation.get(Participation.volunteer == vol1).id)
    page, _ = admin.did(lambda: admin.client.get(f"/admin/participations/{participation}"), "조회", [vol1])
    assert "900101" not in page.text
    log = admin.q(lambda: DailyLog.select().join(Participation).where(Participation.volunteer == vol1).first())
    admin.did(lambda: admin.client.post(f"/admin/daily-logs/{log.id}/correct", data={
        "date": log.date.isoformat(), "start": "10:00", "end": "11:00", "reason": "활동처 입력 오류"}),
        "수정", [vol1], 303)
    admin.did(lambda: admin.client.post(f"/admin/members/{vol1}/identity-reset"), "삭제", [vol1], 303)
    admin.did(lambda: admin.client.post(f"/admin/members/{vol2}/remove"), "삭제", [vol2], 303)
    assert admin.q(access.verify)[1] == []


def test_each_site_manager_touch_is_one_record_and_they_see_no_rrn(proxied):
    site = Staff(proxied, "site1")
    vol1 = _id(site, "vol1")
    activity = site.q(lambda: Activity.get(Activity.title == MENTORING).id)
    found, _ = site.did(lambda: site.client.get(
        f"/site/activities/{activity}/volunteers/search?username=vol1"), "조회", [vol1])
    assert "7777" not in found.text
    with_logs = site.q(lambda: sorted({p.volunteer_id for p in Participation.select().where(
        Participation.activity == activity)}))
    day, record = site.did(lambda: site.client.get(f"/site/activities/{activity}/day?date=2026-06-13"),
                           "조회", with_logs)
    assert "010-2222-7777" in day.text and "연락처" in record.what  # where logs are entered: the phone
    before = site.last_seq()
    for url in (f"/site/activities/{activity}", "/site/"):
        text = site.client.get(url).text
        assert "7777" not in text and "900101" not in text and "******" not in text
    assert site.last_seq() == before
    asked = site.client.post(f"/site/activities/{activity}/export.csv", data={"reason": ""})
    assert asked.status_code == 422 and site.last_seq() == before  # no reason: no file, no record
    exported = site.q(lambda: sorted({log.participation.volunteer_id for log in DailyLog.select().join(Participation)
                                      .where(Participation.activity == activity)}))
    response, record = site.did(lambda: site.client.post(f"/site/activities/{activity}/export.csv",
                                                         data={"reason": "월말 보고"}), "다운로드", exported)
    assert response.mimetype == "text/csv" and record.reason == "월말 보고"


def test_the_worker_and_a_command_record_each_decryption(proxied):
    with proxied.app_context(), db.connection_context():
        vol1 = Member.get(Member.username == "vol1").id
        before = AccessRecord.select().count()
        found = identities.rrns_for_sending({vol1: {7, 9}}, proxied.extensions["rrn_vault"])
        assert found[vol1][1] == helpers.RRN_VOL1
        record = AccessRecord.select().order_by(AccessRecord.seq.desc()).first()
        assert AccessRecord.select().count() == before + 1
        assert (record.actor_name, record.actor_id, record.action, record.subjects, record.ip) == (
            "worker", None, "복호화", str(vol1), "")
        assert "7, 9" in record.what
    result = proxied.test_cli_runner().invoke(args=["rrn", "rotate-key"])
    assert result.exit_code == 0, result.output
    with proxied.app_context(), db.connection_context():
        record = AccessRecord.select().order_by(AccessRecord.seq.desc()).first()
        assert (record.actor_name, record.action, record.subjects) == ("cli", "복호화", str(vol1))
        assert AccessRecord.select().count() == before + 2


def test_a_volunteer_changing_their_own_data_is_no_staff_access(proxied):
    with proxied.app_context(), db.connection_context():
        vol1 = Member.get(Member.username == "vol1")
        assert identities.reset(vol1, vol1) == 1
        assert AccessRecord.select().count() == 0


def test_lists_of_volunteers_names_are_records_too(proxied):
    from pumasi.linkage.state import DateState
    from pumasi.models import Alert
    admin = Staff(proxied, "admin")
    vol1 = _id(admin, "vol1")
    log = admin.q(lambda: DailyLog.select().join(Participation).where(Participation.volunteer == vol1).first())
    admin.q(lambda: DailyLog.update(link_state=DateState.FAILED, result_code=200).where(DailyLog.id == log.id)
            .execute())
    _, record = admin.did(lambda: admin.client.get("/admin/failures?volunteer=vol1"), "조회", [vol1])
    assert record.what.endswith("봉사자 vol1")
    admin.q(lambda: DailyLog.update(link_state=DateState.PENDING, updated_at=datetime(2020, 1, 1))
            .where(DailyLog.id == log.id).execute())
    alert = admin.q(lambda: Alert.create(kind="pending", started_at=datetime(2020, 1, 2), detail="held").id)
    page, _ = admin.did(lambda: admin.client.get(f"/admin/alerts/{alert}"), "조회", [vol1])
    assert "김민준" in page.text


def test_the_key_check_opening_stored_rrns_is_a_record(proxied):
    from pumasi.identity import keycheck
    from pumasi.models import KeyCheck
    with proxied.app_context(), db.connection_context():
        vol1 = Member.get(Member.username == "vol1").id
        KeyCheck.delete().execute()  # as a database from before the key check value
        assert keycheck.verify(proxied.extensions["rrn_vault"]) == "sealed"
        record = AccessRecord.select().order_by(AccessRecord.seq.desc()).get()
        assert (record.actor_name, record.action, record.subjects) == ("startup", "복호화", str(vol1))
        assert keycheck.verify(proxied.extensions["rrn_vault"]) == "ok"  # sealed: nothing opened again
        assert AccessRecord.select().count() == 1
