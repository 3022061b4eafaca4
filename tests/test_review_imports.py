"""A hostile look at the operators' member import and the invitation list (issues 14 and 15): an RRN
typed by mistake into a file's cell is neither kept in the preview nor shown, an import that updates
members already here is an access record (수정), and the list of members awaiting their password
(names, 아이디, e-mail) is an access record (조회) like the member list."""
from datetime import date

import pytest

from helpers import ctx
from pumasi.db import db
from pumasi.models import AccessRecord, ImportRun, Member
from pumasi.transfer import runs, sheet

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


@pytest.mark.parametrize("line", [
    f"kim01,김하늘,{RRN[:6]}-{RRN[6:]},010-1234-5678,,,",  # the RRN where the birth date goes
    f"kim01,김하늘,{RRN},010-1234-5678,,,",
    f"kim01,김하늘,,{RRN[:6]}-{RRN[6:]},,,",  # or where the phone goes
    f"kim01,김하늘 {RRN[:6]}-{RRN[6:]},,010-1234-5678,,,",  # or after the name
])
def test_an_rrn_in_a_cell_is_not_kept_in_the_preview_nor_shown(app, demo, client, auth, line):
    run = _run(app, HEADER + line + "\r\n")
    assert run.state == "previewed"
    with ctx(app):
        kept = ImportRun.get_by_id(run.id).preview
        assert not Member.select().where(Member.username == "kim01").exists()
    assert RRN not in kept.replace("-", "") and RRN[6:] not in kept
    assert sheet.RRN_MESSAGE in kept and runs.read(run)["counts"]["bad"] == 1 and not runs.choose(run, {})
    auth.login("admin")
    page = client.get(f"/admin/import/runs/{run.id}").text
    assert RRN[6:] not in page and RRN not in page.replace("-", "")


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
