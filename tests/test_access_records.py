"""Access records (접속기록, issue 15 part 1): one record per touch with all its fields, a keyed hash
chain that `flask audit verify` checks (naming an edited, removed or inserted record), concurrent
writers that cannot fork it, and a purge that keeps what is younger than the retention."""
import threading
from datetime import datetime, timedelta

import pytest

from pumasi.db import db
from pumasi.identity import store as identities
from pumasi.models import AccessChain, AccessRecord, Member
from pumasi.ops import access, audit

import helpers


@pytest.fixture
def ctx(app, demo):
    with app.app_context(), db.connection_context():
        yield app


def _member(name):
    return Member.get(Member.named(name))


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_a_record_has_every_field_and_chains_to_the_one_before(ctx):
    admin, vol1, vol2 = _member("admin"), _member("vol1"), _member("vol2")
    token = audit.client_address.set("203.0.113.7")
    try:
        first = access.record_access(admin, vol1, "조회", what="회원 상세")
        second = access.record_access(admin, [vol1, vol2.id, vol1], "다운로드", what="회원 CSV", reason=" 정기 점검 ")
    finally:
        audit.client_address.reset(token)
    saved = AccessRecord.get_by_id(second.id)
    assert (saved.actor_id, saved.actor_name, saved.actor_role) == (admin.id, "admin", "operator")
    assert saved.subjects == f"{vol1.id},{vol2.id}" and saved.action == "다운로드"
    assert saved.reason == "정기 점검" and saved.ip == "203.0.113.7" and saved.what == "회원 CSV"
    assert abs(saved.at - datetime.utcnow()) < timedelta(minutes=1)
    assert (first.seq, saved.seq) == (1, 2) and saved.prev_hash == first.hash and len(saved.hash) == 64
    assert access.verify() == (2, [])


def test_the_worker_or_a_command_is_named_and_an_rrn_never_kept(ctx):
    record = access.record_access("worker", _member("vol1"), "복호화", what="연계 요청 7 (900101-1234567)")
    saved = AccessRecord.get_by_id(record.id)
    assert (saved.actor_id, saved.actor_name, saved.ip) == (None, "worker", "")
    assert "1234567" not in saved.what and "900101-*******" in saved.what
    with pytest.raises(ValueError):
        access.record_access("cli", None, "열람")


def _three(ctx):
    admin, vol1 = _member("admin"), _member("vol1")
    return [access.record_access(admin, vol1, "조회", what=f"회원 상세 {n}") for n in range(3)]


def test_verify_names_an_edited_record(ctx):
    records = _three(ctx)
    AccessRecord.update(what="아무것도 안 봄").where(AccessRecord.id == records[1].id).execute()
    code, out = _run(ctx, "audit", "verify")
    assert code == 1 and f"record #2 (id {records[1].id}): its fields do not match its hash" in out
    assert "record #1 " not in out and "record #3 " not in out


def test_verify_names_a_removed_record_in_the_middle_and_at_the_end(ctx):
    records = _three(ctx) + _three(ctx)
    AccessRecord.delete().where(AccessRecord.id.in_([records[2].id, records[3].id])).execute()
    AccessRecord.delete().where(AccessRecord.id == records[5].id).execute()
    count, problems = access.verify()
    said = [str(p) for p in problems]
    assert count == 3 and said == ["record #3: missing: records #3–#4 were removed",
                                   "record #6: missing: the last record was removed"], said


def test_verify_names_an_inserted_record(ctx):
    records = _three(ctx)
    forged = AccessRecord.create(seq=4, at=datetime.utcnow(), actor_id=None, actor_name="admin", subjects="",
                                 action="조회", prev_hash=records[-1].hash, hash="f" * 64)
    code, out = _run(ctx, "audit", "verify")
    assert code == 1 and f"record #4 (id {forged.id}): after the chain's last record: inserted" in out
    forged.delete_instance()
    # A forger who also moves the head cannot make the head's own hash.
    AccessRecord.create(seq=4, at=datetime.utcnow(), actor_id=None, actor_name="admin", subjects="",
                        action="조회", prev_hash=records[-1].hash, hash="f" * 64)
    AccessChain.update(last_seq=4, last_hash="f" * 64).execute()
    problems = [str(p) for p in access.verify()[1]]
    assert "record #4: the chain's start and head were changed by hand" in problems
    assert any(p.startswith("record #4 (id") and "do not match its hash" in p for p in problems), problems


def test_verify_passes_and_says_how_many(ctx):
    records = _three(ctx)
    assert _run(ctx, "audit", "verify") == (0, f"all 3 access records verify; head #3 {records[-1].hash[:16]}\n")


def test_another_key_does_not_verify(ctx):
    _three(ctx)
    access.configure({"ACCESS_RECORD_KEY": "another key"})
    try:
        assert len(access.verify()[1]) == 4  # three records and the head
    finally:
        access.configure(ctx.config)


def test_concurrent_writers_make_one_chain(ctx):
    admin = _member("admin")
    errors = []

    def write():
        try:
            with db.connection_context():
                for n in range(8):
                    access.record_access(admin, admin.id, "조회", what=f"{threading.get_ident()} {n}")
        except Exception as exc:  # pragma: no cover - shown by the assert
            errors.append(exc)
    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [seq for (seq,) in AccessRecord.select(AccessRecord.seq).order_by(AccessRecord.seq).tuples()] == \
        list(range(1, 33))
    assert access.verify() == (32, [])


def _dated(ctx, monkeypatch, moments):
    admin, vol1 = _member("admin"), _member("vol1")
    made = []
    for moment in moments:
        with monkeypatch.context() as patch:
            patch.setattr(access, "utcnow", lambda moment=moment: moment)
            made.append(access.record_access(admin, vol1, "조회"))
    return made


def test_purge_keeps_everything_younger_than_the_retention(ctx, monkeypatch):
    now = datetime(2026, 12, 7, 3, 0, 0)
    cutoff = datetime(2024, 12, 7, 3, 0, 0)
    _dated(ctx, monkeypatch, [cutoff - timedelta(days=400), cutoff - timedelta(seconds=1), cutoff,
                              cutoff + timedelta(days=1), now])
    assert access.purge(2, now) == 2
    kept = list(AccessRecord.select().order_by(AccessRecord.seq))
    assert [r.at for r in kept[:3]] == [cutoff, cutoff + timedelta(days=1), now]
    assert kept[-1].action == "삭제" and kept[-1].actor_name == "cli" and "2건" in kept[-1].what
    assert access.verify() == (4, [])
    assert access.purge(2, now) == 0  # nothing older left
    # Removing the new first record is still found.
    AccessRecord.delete().where(AccessRecord.seq == 3).execute()
    assert [str(p) for p in access.verify()[1]] == ["record #3: missing: removed"]


def test_purge_under_two_years_is_refused_while_rrns_are_held(ctx, monkeypatch):
    now = datetime(2026, 12, 7)
    _dated(ctx, monkeypatch, [now - timedelta(days=500)])
    identities.verify(_member("vol1"), helpers.RRN_VOL1, ctx.extensions["rrn_vault"], None)
    code, out = _run(ctx, "audit", "purge", "--years", "1")
    assert code == 1 and "refused" in out and AccessRecord.select().count() == 1


def test_purge_refuses_a_chain_that_does_not_verify(ctx, monkeypatch):
    now = datetime(2026, 12, 7)
    made = _dated(ctx, monkeypatch, [now - timedelta(days=1000), now - timedelta(days=900)])
    AccessRecord.update(reason="x").where(AccessRecord.id == made[1].id).execute()
    with pytest.raises(access.PurgeRefused, match="do not verify"):
        access.purge(2, now)
    assert AccessRecord.select().count() == 2


def test_purge_command_uses_the_setting(ctx):
    _three(ctx)
    code, out = _run(ctx, "audit", "purge")
    assert code == 0 and "0 access records older than 2 years deleted" in out
