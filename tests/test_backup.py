"""Backups and the RRN keys' check, with real processes on SQLite and PostgreSQL.

`flask backup`, a wiped database, `flask restore`: a volunteer verified before the backup links
without verifying again (real worker, the 1365 simulator over HTTP). With keys that cannot open the
database's check value, the web (create_app and gunicorn), the worker and the command line refuse to
start and name PUMASI_RRN_KEYS.
"""
import os
import stat
import subprocess
import time

import pytest

from pumasi import create_app, migrations, settings
from pumasi.db import db
from pumasi.identity import keycheck
from pumasi.identity.vault import Vault
from pumasi.jobs.tasks import enqueue_request
from pumasi.linkage.reads import summary
from pumasi.linkage.requests import request_linkage
from pumasi.linkage.state import ParticipationState
from pumasi.models import Activity, AuditLog, Identity, KeyCheck, Member, Participation

import helpers
from helpers import ctx, member

from helpers import child_env

ONE_DAY = "1365 중간연계 테스트 입니다. 신청하지 마세요"  # vol1: one date; 1365 answers 300


def flask(app, *args, input=None, **env):
    """Run `flask --app app …` as its own process with the app's settings (and env on top)."""
    return subprocess.run([helpers.python(), "-m", "flask", "--app", "app", *args], cwd=helpers.ROOT,
                          env=child_env(app, **env), input=input, capture_output=True, text=True, timeout=180)


def verify(app, username, rrn):
    with ctx(app):
        helpers.verify(app, username, rrn)


def wipe(app):
    """Lose the database: SQLite's files deleted, PostgreSQL's tables dropped."""
    db.close_all()
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(url[len("sqlite:///"):] + suffix):
                os.remove(url[len("sqlite:///"):] + suffix)
    else:
        with db.connection_context():
            db.drop_tables(migrations.MODELS, cascade=True)
    with ctx(app):
        assert not Member.table_exists()


def wait_for_state(app, participation_id, state, stack, timeout=40):
    deadline = time.monotonic() + timeout
    while True:
        with ctx(app):
            found = summary(Participation.get_by_id(participation_id)).state
        if found == state:
            return
        assert time.monotonic() < deadline, f"{found} after {timeout}s\n{stack.processes.logs()[-4000:]}"
        time.sleep(0.2)


def test_backup_wipe_restore_then_the_next_request_links(app, demo, stack, tmp_path):
    verify(app, "vol1", helpers.RRN_VOL1)
    target = tmp_path / "backups" / "pumasi.backup"
    target.parent.mkdir()
    made = flask(app, "backup", str(target))
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with open(target, "rb") as f:
        assert helpers.RRN_VOL1.encode() not in f.read()  # sealed in the backup too
    wipe(app)

    refused = flask(app, "restore", str(target), input="n\n")  # asks first
    assert refused.returncode != 0
    restored = flask(app, "restore", "--yes", str(target))
    assert restored.returncode == 0, restored.stderr
    assert "the RRN keys open the restored database" in restored.stdout
    with ctx(app):
        assert Identity.select().join(Member).where(Member.username == "vol1").count() == 1
        participation = (Participation.select().join(Activity)
                         .where(Participation.volunteer == member("vol1"), Activity.title == ONE_DAY).get())
        request = request_linkage(participation, member("vol1"))  # 연계신청, no new 본인인증
    stack.start_sim()
    stack.start_worker()
    assert enqueue_request(app, request.id)
    wait_for_state(app, participation.id, ParticipationState.DONE, stack)


def test_restore_refuses_what_is_not_a_backup(app, demo, tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_bytes(b"hello" * 100)
    result = flask(app, "restore", "--yes", str(bogus))
    assert result.returncode != 0 and "Error:" in result.stderr
    missing = flask(app, "restore", "--yes", str(tmp_path / "nothing-here"))
    assert missing.returncode != 0 and "no backup file" in missing.stderr
    with ctx(app):
        assert member("vol1").name == "김민준"  # the database is as it was


def test_postgres_tools_missing_are_named(app, demo, tmp_path):
    if app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite needs no client tools")
    result = flask(app, "backup", str(tmp_path / "b"), PATH=os.path.dirname(helpers.python()))
    assert result.returncode != 0
    assert "pg_dump not found on PATH" in result.stderr and "postgresql-client" in result.stderr


def _wrong_keys_env():
    return {"PUMASI_RRN_KEYS": Vault.generate_key()}


def test_wrong_rrn_keys_stop_web_worker_and_command_line(app, demo, processes):
    verify(app, "vol1", helpers.RRN_VOL1)
    wrong = _wrong_keys_env()
    config = {s.key: app.config[s.key] for s in settings.SETTINGS}
    config.update(INSTANCE_PATH=app.instance_path, TESTING=True, RRN_KEYS=wrong["PUMASI_RRN_KEYS"])
    with pytest.raises(keycheck.KeyCheckError, match="PUMASI_RRN_KEYS"):
        create_app(config)

    cli = flask(app, "init-db", **wrong)
    assert cli.returncode != 0 and "PUMASI_RRN_KEYS cannot open" in cli.stderr, cli.stderr
    for command in (["create-user", "--help"], ["linkage", "sweep"], ["up"]):
        refused = flask(app, *command, **wrong)
        assert refused.returncode != 0 and "PUMASI_RRN_KEYS" in refused.stderr, (command, refused.stderr)

    worker = processes.start("worker", [helpers.python(), "worker.py"], child_env(app, **wrong))
    assert worker.wait(60) == 78
    port = helpers.free_port()
    web = processes.start("web", [helpers.python(), "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "app:app"],
                          child_env(app, **wrong))
    assert web.wait(60) != 0
    logs = processes.logs()
    assert "worker not started: PUMASI_RRN_KEYS cannot open" in logs
    assert logs.count("PUMASI_RRN_KEYS cannot open this database's key check value") >= 2

    # The right keys, with a newer one in front (a rotation under way), start as before.
    rotating = f"{Vault.generate_key()},{app.config['RRN_KEYS']}"
    assert flask(app, "init-db", PUMASI_RRN_KEYS=rotating).returncode == 0


def test_first_start_seals_only_keys_that_open_the_stored_rrns(app, demo, runner):
    verify(app, "vol1", helpers.RRN_VOL1)
    with ctx(app):
        KeyCheck.delete().execute()  # a database from before the key check
    wrong = flask(app, "init-db", **_wrong_keys_env())
    assert wrong.returncode != 0 and "cannot open the 주민등록번호 stored" in wrong.stderr
    with ctx(app):
        assert KeyCheck.select().count() == 0  # nothing sealed under the wrong keys
    right = flask(app, "init-db")  # the first start with keys that fit seals it
    assert right.returncode == 0, right.stderr
    with ctx(app):
        assert app.extensions["rrn_vault"].opens_check(KeyCheck.get().token)


def test_rotation_reseals_the_check_and_audits_each_identity(app, demo, runner):
    verify(app, "vol1", helpers.RRN_VOL1)
    verify(app, "vol2", helpers.RRN_VOL2)
    old = app.config["RRN_KEYS"]
    new = Vault.generate_key()
    rotated = flask(app, "rrn", "rotate-key", PUMASI_RRN_KEYS=f"{new},{old}")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted 2 identities" in rotated.stdout
    assert flask(app, "init-db", PUMASI_RRN_KEYS=new).returncode == 0  # the old key can go now
    assert flask(app, "init-db", PUMASI_RRN_KEYS=old).returncode != 0
    with ctx(app):
        rows = list(AuditLog.select().where(AuditLog.action == "rrn.rotate", AuditLog.target_type == "Member"))
        assert sorted(r.target_id for r in rows) == sorted([member("vol1").id, member("vol2").id])
        assert all(helpers.RRN_VOL1 not in r.detail for r in AuditLog.select())
