"""A hostile look at the operators' member import and the invitation list (issues 14 and 15): an RRN
typed by mistake into a file's cell is neither kept in the preview nor shown, an import that updates
members already here is an access record (수정), and the list of members awaiting their password
(names, 아이디, e-mail) is an access record (조회) like the member list."""
from datetime import date

import pytest

from helpers import ctx
from pumasi.db import db
from pumasi.models import AccessRecord, Activity, ImportRun, Member, Site
from pumasi.records import imports, readers
from pumasi.transfer import runs

TODAY = date(2026, 11, 26)
HEADER = "아이디,이름,생년월일,연락처,이메일,구분,활동처\r\n"
RRN = "9001011234568"


@pytest.fixture
def world(app, demo):
    with app.app_context(), db.connection_context():
        yield


def _run(app, text):
    with ctx(app):
        run = runs.start("members", "a.csv", text.encode("utf-8"), Member.get(Member.username == "admin"))
        return runs.preview(run.id, TODAY, app.config)


@pytest.mark.parametrize("text", [
    HEADER + f"kim01,김하늘,{RRN[:6]}-{RRN[6:]},010-1234-5678,,,\r\n",  # the RRN where the birth date goes
    HEADER + f"kim01,김하늘,{RRN},010-1234-5678,,,\r\n",
    HEADER + f"kim01,김하늘,,{RRN[:6]}-{RRN[6:]},,,\r\n",  # or where the phone goes
    HEADER + f"kim01,김하늘 {RRN[:6]}-{RRN[6:]},,010-1234-5678,,,\r\n",  # or after the name (it was saved in it)
    "이름,연락처,주민등록번호\r\n김하늘,010-1234-5678,\r\n이바다,010-2345-6789," + RRN + "\r\n",  # a column not read
])
def test_a_file_with_an_rrn_is_refused_and_not_kept(app, demo, client, auth, text):
    run = _run(app, text)
    number = 3 if "주민등록번호" in text else 2
    assert run.state == "failed" and run.problem == readers.RRN_MESSAGE.format(number=number)
    with ctx(app):
        kept = ImportRun.get_by_id(run.id)
        assert kept.data is None and not Member.select().where(Member.username == "kim01").exists()
        assert RRN[6:] not in kept.preview + kept.problem
    auth.login("admin")
    page = client.get(f"/admin/import/runs/{run.id}").text
    assert RRN[6:] not in page and readers.RRN_MESSAGE.format(number=number) in page


def test_a_site_file_with_an_rrn_is_refused(app, world):
    activity = Activity.select().join(Site).where(Site.name == "종로 문화나눔센터").first()
    text = "활동일,회원아이디,이름,시작시간,종료시간,비고\r\n2026-11-20,vol1,김민준,10:00,12:00," + RRN + "\r\n"
    shown = imports.preview(activity, text.encode("utf-8"), TODAY, "a.csv")
    assert shown.problem == readers.RRN_MESSAGE.format(number=2) and not shown.good


def test_an_import_updating_members_is_an_access_record(app, world):
    vol1 = Member.get(Member.username == "vol1")
    run = _run(app, HEADER + "vol1,김민준,,010-5555-6666,,,\r\nnew01,새사람,,,,,\r\n")
    assert runs.choose(run, {2: "update"})
    before = AccessRecord.select().count()
    assert runs.save(run.id, TODAY, app.config).state == "saved"
    assert Member.get_by_id(vol1.id).phone == "010-5555-6666"
    records = list(AccessRecord.select().where(AccessRecord.id > 0).order_by(AccessRecord.seq))[before:]
    changed = [r for r in records if r.action == "수정"]
    assert len(changed) == 1 and changed[0].subjects == str(vol1.id) and changed[0].actor_name == "admin"


def test_an_import_updating_nobody_writes_no_access_record(app, world):
    run = _run(app, HEADER + "vol1,김민준,,010-5555-6666,,,\r\n")
    assert runs.choose(run, {})  # skipped
    before = AccessRecord.select().count()
    assert runs.save(run.id, TODAY, app.config).state == "saved"
    assert AccessRecord.select().count() == before


def test_the_invitation_list_is_an_access_record(app, client, auth, demo):
    with ctx(app):
        waiting = Member.create(username="wait01", name="대기회원", role="volunteer", password_hash="!",
                                email="wait01@example.org")
        before = AccessRecord.select().count()
    auth.login("admin")
    page = client.get("/admin/invitations")
    assert page.status_code == 200 and "wait01@example.org" in page.text
    with ctx(app):
        records = list(AccessRecord.select().order_by(AccessRecord.seq))[before:]
        seen = [r for r in records if r.action == "조회" and str(waiting.id) in r.subjects.split(",")]
        assert len(seen) == 1 and seen[0].actor_name == "admin"


def test_the_sweep_deletes_expired_files_without_waiting_for_the_next_upload(app, demo):
    from datetime import datetime, timedelta

    from pumasi.jobs import sweeper
    from pumasi.models import Upload
    past, future = datetime.now() - timedelta(hours=3), datetime.now() + timedelta(hours=1)
    with ctx(app):
        site1 = Member.get(Member.username == "site1")
        activity = Activity.select().where(Activity.site == site1.site_id).first()
        old = ImportRun.create(kind="members", filename="a.csv", data=b"names, phones", expires_at=past)
        young = ImportRun.create(kind="members", filename="b.csv", data=b"names, phones", expires_at=future)
        Upload.create(token_hash="a" * 64, member=site1, activity=activity, data=b"x", expires_at=past)
        Upload.create(token_hash="b" * 64, member=site1, activity=activity, data=b"x", expires_at=future)
    sweeper.sweep(app)
    with ctx(app):
        assert ImportRun.get_by_id(old.id).data is None and ImportRun.get_by_id(young.id).data is not None
        assert [u.token_hash[0] for u in Upload.select()] == ["b"]


def test_an_rrn_in_the_file_name_is_kept_masked(app, world):
    run = runs.start("members", f"김하늘_{RRN[:6]}-{RRN[6:]}.csv", HEADER.encode(), None)
    assert ImportRun.get_by_id(run.id).filename == "김하늘_900101-*******.csv"
