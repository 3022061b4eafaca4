"""`flask check`, the production self-check, run as a process against real parts (the database, Redis,
the 1365 simulator): every item ok for a production setup, each item failing on its own with a line
that says why and a non-zero exit status. `PUMASI_ENV=production` refuses a short secret key and
makes cookies Secure by default."""
import os
import subprocess

import pytest

import helpers
from pumasi import create_app, settings
from pumasi.identity.vault import Vault

from helpers import child_env

SECRET = "x" * 64
ACCESS_KEY = "a" * 64


def production_env(app, **extra):
    """A production environment for the app's database, Redis and simulator (cookies left to the default)."""
    env = child_env(app, PUMASI_ENV="production", PUMASI_SECRET_KEY=SECRET, PUMASI_PROXIES="1",
                    PUMASI_ACCESS_RECORD_KEY=ACCESS_KEY)
    env.pop("PUMASI_COOKIE_SECURE")
    env.update(extra)
    return env


def check(env, *options):
    result = subprocess.run([helpers.python(), "-m", "flask", "--app", "app", "check", *options], env=env,
                            cwd=helpers.ROOT, capture_output=True, text=True, timeout=120)
    lines = {}
    for line in result.stdout.splitlines():
        state, _, rest = line.partition(" ")
        name, _, detail = rest.strip().partition(": ")
        if state in ("ok", "FAILING"):
            lines[name] = (state == "ok", detail)
    return result, lines


def test_a_production_setup_passes_every_item(app, stack):
    stack.start_sim()
    result, lines = check(production_env(app))
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(ok for ok, _ in lines.values()), lines
    assert {"environment", "secret key", "database", "RRN keys", "cookies", "proxies", "Redis", "workers",
            "1365 endpoint", "1365 API key", "1365 answers", "connection pool", "connections",
            "access record key", "access records", "access review", "RRN-shaped values"} == set(lines)
    assert "all 17 items ok" in result.stdout
    assert lines["1365 endpoint"][1].endswith("the local simulator (loopback), not the real 1365")
    if app.config["DATABASE_URL"].startswith("postgres"):
        # (4 web × 4 threads + 2 workers × 2 + 2) against the server's own max_connections.
        assert lines["connections"][1].startswith(
            "4 web processes × 4 + 2 workers × 2 + 2 for commands = 22 of max_connections ")


@pytest.mark.parametrize("item, extra, options, expected", [
    ("environment", {"PUMASI_ENV": "development", "PUMASI_COOKIE_SECURE": "1"}, (), "PUMASI_ENV is 'development'"),
    ("cookies", {"PUMASI_COOKIE_SECURE": "0"}, (), "not Secure"),
    ("proxies", {"PUMASI_PROXIES": "0"}, (), "PUMASI_PROXIES is 0"),
    ("Redis", {"REDIS_URL": "redis://127.0.0.1:{port}/0"}, (), "does not answer"),
    ("1365 endpoint", {"PUMASI_1365_URL": "http://example.org"}, (), "PUMASI_1365_URL"),
    ("1365 answers", {"PUMASI_1365_URL": "http://127.0.0.1:{port}"}, (), "ConnectionError"),
    ("connection pool", {"PUMASI_DB_POOL_SIZE": "3"}, (), "below PUMASI_WEB_THREADS=4"),
    ("RRN keys", {"PUMASI_RRN_KEYS": "{key}"}, (), "PUMASI_RRN_KEYS cannot open"),
    ("secret key", {"PUMASI_SECRET_KEY": "short-secret"}, (), "12 bytes, at least 32 needed"),
    ("access record key", {"PUMASI_ACCESS_RECORD_KEY": ""}, (), "PUMASI_ACCESS_RECORD_KEY is not set"),
    ("access record key", {"PUMASI_ACCESS_RECORD_KEY": "short"}, (), "5 bytes, at least 32 needed"),
])
def test_each_item_fails_on_its_own(app, stack, item, extra, options, expected):
    stack.start_sim()
    extra = {k: v.format(port=helpers.free_port(), key=Vault.generate_key()) for k, v in extra.items()}
    result, lines = check(production_env(app, **extra), *options)
    assert result.returncode == 1, result.stdout + result.stderr
    failing = {name for name, (ok, _) in lines.items() if not ok}
    assert failing == {item}, lines
    assert expected in lines[item][1], lines[item]


def test_access_records_that_do_not_verify_or_an_unreviewed_month_fail(app, stack, monkeypatch):
    """Records of the same key as the command's: an edited one fails `access records`; a record older
    than this month fails `access review` until last month is signed off."""
    from datetime import datetime, timedelta

    from pumasi.db import db
    from pumasi.models import AccessRecord, AccessReview
    from pumasi.ops import access
    from pumasi.ops.access_review import month_of
    from pumasi.clock import today_kst
    stack.start_sim()
    last = month_of(today_kst()).previous()
    access.configure({"ACCESS_RECORD_KEY": ACCESS_KEY})
    try:
        with app.app_context(), db.connection_context():
            access.record_access("cli", None, "조회", "first")
            edited = access.record_access("cli", None, "조회", "second")
            AccessRecord.update(at=last.bounds()[0] + timedelta(days=1)).execute()  # both edited, in last month
            result, lines = check(production_env(app))
            assert result.returncode == 1 and {name for name, (ok, _) in lines.items() if not ok} == {
                "access records", "access review"}, lines
            assert lines["access records"][1].startswith(f"2 problems in 2 records, the first: record #1 (id ")
            assert lines["access review"][1].startswith(f"{last.key} is not signed off")
            AccessRecord.delete().execute()
            db.execute_sql("DELETE FROM access_chain")
            with monkeypatch.context() as patch:
                patch.setattr(access, "utcnow", lambda: last.bounds()[0] + timedelta(days=1))
                access.record_access("cli", None, "조회", "again")
            AccessReview.create(month=last.key, note="이상 없음", signed_by_name="admin", signed_at=datetime.utcnow())
            result, lines = check(production_env(app))
            assert result.returncode == 0, lines
            assert lines["access review"][1] == f"{last.key} signed off by admin"
            assert edited.seq == 2
    finally:
        access.configure(app.config)


def test_connections_beyond_max_connections_fail(app, stack):
    if not app.config["DATABASE_URL"].startswith("postgres"):
        pytest.skip("SQLite has no connection limit")
    stack.start_sim()
    result, lines = check(production_env(app, PUMASI_DB_POOL_SIZE="4"), "--web-processes", "40")
    assert result.returncode == 1
    ok, detail = lines["connections"]
    assert not ok and "40 web processes × 4 + 2 workers × 2 + 2 for commands = 166 of max_connections" in detail
    assert "too many" in detail


def _config(app, **overrides):
    config = {s.key: app.config[s.key] for s in settings.SETTINGS}
    config.update(INSTANCE_PATH=app.instance_path, TESTING=True, **overrides)
    config.pop("SESSION_COOKIE_SECURE")
    return config


def test_production_refuses_a_short_secret_and_defaults_to_secure_cookies(app, monkeypatch):
    monkeypatch.delenv("PUMASI_COOKIE_SECURE", raising=False)
    with pytest.raises(RuntimeError, match="PUMASI_SECRET_KEY has 12 bytes"):
        create_app(_config(app, ENV="production", SECRET_KEY="short-secret"))
    production = create_app(_config(app, ENV="production", SECRET_KEY=SECRET))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    response = production.test_client().get("/login")
    assert "Strict-Transport-Security" in response.headers
    monkeypatch.setenv("PUMASI_COOKIE_SECURE", "0")  # said explicitly: kept (e.g. a plain-http trial)
    assert create_app(_config(app, ENV="production", SECRET_KEY=SECRET)).config["SESSION_COOKIE_SECURE"] is False
    development = create_app(_config(app, SECRET_KEY="short-secret"))
    assert development.config["SESSION_COOKIE_SECURE"] is False  # development: as before


def test_gunicorn_config_reads_the_same_settings(tmp_path):
    """deploy/gunicorn.conf.py takes processes and threads from the settings `flask check` counts."""
    env = dict(os.environ, PUMASI_WEB_PROCESSES="3", PUMASI_WEB_THREADS="6")
    out = subprocess.run([helpers.python(), "-c", "import runpy; c = runpy.run_path('deploy/gunicorn.conf.py'); "
                          "print(c['workers'], c['threads'], c['worker_class'])"],
                         env=env, cwd=helpers.ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["3", "6", "gthread"], out.stderr
