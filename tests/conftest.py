"""The fast fixtures: the app on SQLite and PostgreSQL, a real Redis, a test client logged in through
the real form. The stack of real processes (simulator, workers, web, browser, SMTP, a Redis of the
test's own) is the plugin tests/stack.py (pytest.ini loads it)."""
import os
import re
import subprocess
import threading

import pytest
import redis
from hypothesis import settings as hypothesis_settings
from werkzeug import security

from pumasi.db import db
from pumasi.jobs.embedded import embedded_command, embedded_paths, wait_for

import helpers
from helpers import build_app

# Scrypt is the production hash; tests store cheap hashes so that seeding stays fast.
_real_hash = security.generate_password_hash


# `make mutate` (tools/mutate.py) runs the fast tests once per mutant: there, fewer examples and the
# same ones every time (a mutant is killed or not whatever the seed).
hypothesis_settings.register_profile("mutate", max_examples=25, derandomize=True, deadline=None)
if os.environ.get("PUMASI_HYPOTHESIS_PROFILE"):
    hypothesis_settings.load_profile(os.environ["PUMASI_HYPOTHESIS_PROFILE"])

SLOW_ENABLED = helpers.IN_CI or os.environ.get("PUMASI_SLOW") == "1"


def pytest_collection_modifyitems(config, items):
    """Long fault runs (@pytest.mark.slow) run on CI (CI=true) or with PUMASI_SLOW=1; elsewhere they
    are skipped with the reason shown (-ra)."""
    if SLOW_ENABLED:
        return
    skip = pytest.mark.skip(reason="slow fault run: set PUMASI_SLOW=1 (CI=true runs it) to include it")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


def pytest_configure(config):
    """On CI (a fresh machine) start from an empty Redis database, once per run: in the main
    process, before pytest-xdist's workers start (one of them emptying it later would take the
    others' jobs away). Elsewhere other runs may share the database."""
    if helpers.IN_CI and not hasattr(config, "workerinput"):
        try:
            redis.Redis.from_url(helpers.SYSTEM_REDIS, socket_connect_timeout=1).flushdb()
        except redis.RedisError:
            pass  # no Redis on this machine: the embedded one starts empty


@pytest.fixture(autouse=True)
def _background_mail_done():
    """A test ends once the mail threads it started have (비밀번호 찾기 looks its members up and makes
    their links there, after the answer): they use the database, which the next test's app points
    elsewhere."""
    yield
    for thread in threading.enumerate():
        if thread.name == "pumasi-mail":
            thread.join(30)


def _share_url_builders():
    """Each test builds its own app, and werkzeug compiles two URL builder functions (Python source
    through ast and compile()) for each of the app's ~95 routes: 0.09 of create_app's 0.14 s (load 8),
    for every test. A builder's code depends only on the rule's text, its parts and defaults (the
    converters are looked up on the rule when it runs), so equal rules of later apps reuse it; each
    rule still parses, binds and matches on its own. Tests only: the processes they start (web,
    worker) compile their own as in production."""
    from werkzeug.routing import rules
    compile_builder = rules.Rule._compile_builder
    compiled = {}

    def shared(self, append_unknown=True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    rules.Rule._compile_builder = shared


_share_url_builders()


@pytest.fixture(autouse=True)
def _fast_password_hash(monkeypatch):
    monkeypatch.setattr("pumasi.models.core.generate_password_hash",
                        lambda password: _real_hash(password, method="pbkdf2:sha256:1000"))


@pytest.fixture(scope="session")
def pg_admin():
    """A connection URL to PostgreSQL's admin database, or None when none is reachable."""
    import psycopg2
    try:
        psycopg2.connect(helpers.PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg2.Error:
        return None
    return helpers.PG_ADMIN_URL


@pytest.fixture(scope="session")
def pg_database(pg_admin):
    """A throwaway PostgreSQL database for this test run (dropped at the end), or None."""
    if pg_admin is None:
        yield None
        return
    import psycopg2
    name = f"pumasi_test_{os.getpid()}"
    admin = psycopg2.connect(pg_admin)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
        # A commit does not wait for its WAL to reach the disk: what every connection sees is the
        # same, only a crash of PostgreSQL itself (which no test causes) could lose the last commits.
        cur.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
    yield re.sub(r"/[^/]*$", f"/{name}", pg_admin)
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real Redis: the machine's on 127.0.0.1:6379 (database 13), else an embedded one."""
    try:
        redis.Redis.from_url(helpers.SYSTEM_REDIS, socket_connect_timeout=1).ping()
        yield helpers.SYSTEM_REDIS  # each app has its own queue name, so runs do not meet
        return
    except redis.RedisError:
        pass
    folder = str(tmp_path_factory.mktemp("redis"))
    process = subprocess.Popen(embedded_command(folder, daemonize=False))
    url = wait_for(f"unix://{embedded_paths(folder)['sock']}")
    yield url
    process.terminate()
    process.wait(10)


def _database_url(kind, tmp_path, request):
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'pumasi.db'}"
    url = request.getfixturevalue("pg_database")
    if url is None:
        helpers.missing("PostgreSQL is not reachable at 127.0.0.1:5432 (set PUMASI_TEST_PG)")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def app(request, tmp_path, redis_url):
    """The app on a fresh database: once on SQLite, once on PostgreSQL."""
    app = build_app(tmp_path, _database_url(request.param, tmp_path, request), redis_url,
                    WTF_CSRF_ENABLED=False)
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture
def sqlite_app(tmp_path, redis_url):
    """The app on SQLite only (for the browser tests)."""
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'pumasi.db'}", redis_url)
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo world in the app's database."""
    from pumasi import demo as demo_world
    with app.app_context(), db.connection_context():
        demo_world.seed(sim_db=app.config["SIM1365_DB"])
    return demo_world


class Auth:
    """Log in and out through the real log-in form."""

    def __init__(self, client):
        self.client = client

    def login(self, username, password="pumasi-demo"):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


