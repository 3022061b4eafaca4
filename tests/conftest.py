"""Fixtures: the app on SQLite and PostgreSQL, a real Redis, and the whole stack as real processes."""
import os
import re
import subprocess
import uuid

import pytest
import redis
from werkzeug import security

from pumasi import create_app, keycheck, migrations, settings
from pumasi.db import db, open_database
from pumasi.identity import Vault
from pumasi.queue import embedded_command, embedded_paths, wait_for

import support

# Scrypt is the production hash; tests store cheap hashes so that seeding stays fast.
_real_hash = security.generate_password_hash


SLOW_ENABLED = support.IN_CI or os.environ.get("PUMASI_SLOW") == "1"


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
    if support.IN_CI and not hasattr(config, "workerinput"):
        try:
            redis.Redis.from_url(support.SYSTEM_REDIS, socket_connect_timeout=1).flushdb()
        except redis.RedisError:
            pass  # no Redis on this machine: the embedded one starts empty


@pytest.fixture(autouse=True)
def _fast_password_hash(monkeypatch):
    monkeypatch.setattr("pumasi.models.generate_password_hash",
                        lambda password: _real_hash(password, method="pbkdf2:sha256:1000"))


@pytest.fixture(scope="session")
def pg_admin():
    """A connection URL to PostgreSQL's admin database, or None when none is reachable."""
    import psycopg2
    try:
        psycopg2.connect(support.PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg2.Error:
        return None
    return support.PG_ADMIN_URL


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
    yield re.sub(r"/[^/]*$", f"/{name}", pg_admin)
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real Redis: the machine's on 127.0.0.1:6379 (database 13), else an embedded one."""
    try:
        redis.Redis.from_url(support.SYSTEM_REDIS, socket_connect_timeout=1).ping()
        yield support.SYSTEM_REDIS  # each app has its own queue name, so runs do not meet
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
        support.missing("PostgreSQL is not reachable at 127.0.0.1:5432 (set PUMASI_TEST_PG)")
    return url


def build_app(tmp_path, database_url, redis_url, **overrides):
    """An app on a fresh schema with fast linkage timings; its config is what child processes get."""
    config = {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "QUEUE_NAME": f"test-{uuid.uuid4().hex[:10]}",
        "SECRET_KEY": "test-secret-key",
        "RRN_KEYS": Vault.generate_key(),
        "SIM1365_DB": str(tmp_path / "sim1365.db"),
        "SIM1365_DELAY": 0.3,
        "LINK_RETRY_BASE": 0.2,
        "LINK_POLL_INTERVAL": 0.3,
        "LINK_MAX_TRIES": 3,
        "LINK_STALL_AFTER": 5.0,
        "LINK_SWEEP_INTERVAL": 1.0,
        "ROW_POLL_SECONDS": 1,
        # Each app counts its own attempts (tests log in often from 127.0.0.1).
        "RATELIMIT_STORAGE_URI": "memory://",
        "TESTING": True,
    }
    config.update(overrides)
    # Emptied before the app starts: an earlier test's key check value (sealed with its own fresh RRN
    # keys) in the shared PostgreSQL database would stop this app's start.
    wiping = open_database(database_url)
    with db.connection_context():
        db.drop_tables(migrations.MODELS, safe=True, cascade=not database_url.startswith("sqlite"))
    wiping.close_all()
    app = create_app(config)
    with app.app_context(), db.connection_context():
        migrations.upgrade()
        keycheck.verify(app.extensions["rrn_vault"])  # sealed, as `flask init-db` does
    return app


def child_env(app, **extra):
    """The environment that gives a child process (worker, web, simulator) this app's settings."""
    env = dict(os.environ)
    for setting in settings.SETTINGS:
        value = app.config.get(setting.key)
        if value is not None:
            env[setting.env] = str(value)
    env["PUMASI_INSTANCE_PATH"] = app.instance_path
    env["PUMASI_SIM1365_DB"] = app.config["SIM1365_DB"]
    env["PYTHONUNBUFFERED"] = "1"
    env.update({key: str(value) for key, value in extra.items()})
    return env


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


class Stack:
    """The real processes behind an app: the 1365 simulator, RQ workers and (optionally) the web."""

    def __init__(self, app, processes):
        self.app = app
        self.processes = processes
        self.sim_url = None
        self.web_url = None
        self.workers = []

    def start_sim(self, **env):
        port = support.free_port()
        self.sim_url = f"http://127.0.0.1:{port}"
        self.app.config["PORTAL_URL"] = self.sim_url
        self.app.extensions.pop("portal1365", None)
        process = self.processes.start(
            "sim1365", [support.python(), "-m", "pumasi.sim1365", "serve", "--host", "127.0.0.1",
                        "--port", str(port), "--db", self.app.config["SIM1365_DB"]],
            child_env(self.app, PUMASI_SIM1365_DELAY=self.app.config["SIM1365_DELAY"], **env))
        support.wait_http(self.sim_url + "/api/v1/health", process=process)
        return self

    def start_worker(self):
        process = self.processes.start(f"worker{len(self.workers)}", [support.python(), "worker.py"],
                                       child_env(self.app))
        self.workers.append(process)
        return process

    def start_web(self, **env):
        port = support.free_port()
        self.web_url = f"http://127.0.0.1:{port}"
        process = self.processes.start(
            "web", [support.python(), "-m", "gunicorn", "--workers", "1", "--threads", "4",
                    "--bind", f"127.0.0.1:{port}", "--control-socket",
                    os.path.join(self.app.instance_path, "gunicorn.ctl"), "app:app"],
            child_env(self.app, **env))
        support.wait_http(self.web_url + "/login", process=process)
        return self

    def sim(self, *args):
        """Run a `flask sim1365 …` command against this stack's simulator store."""
        result = self.app.test_cli_runner().invoke(args=["sim1365", *args])
        assert result.exit_code == 0, result.output
        return result.output


@pytest.fixture
def processes(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    running = support.Processes(str(folder))
    yield running
    running.stop_all()


@pytest.fixture
def stack(app, processes):
    """The app with its simulator and one worker running as real processes."""
    return Stack(app, processes)


@pytest.fixture
def live(sqlite_app, processes):
    """The whole service as real processes on SQLite: simulator, worker and web server."""
    return Stack(sqlite_app, processes)


@pytest.fixture(scope="module")
def browser():
    """One headless chromium (Debian's) per test module, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        support.missing("the playwright package is not installed (pip install -r requirements-test.txt)")
    if not os.path.exists(support.CHROMIUM):
        support.missing(f"chromium not found at {support.CHROMIUM} (apt install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=support.CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def world(live):
    """The whole service as real processes (simulator, worker, web) with the demo world seeded."""
    from pumasi import demo as demo_world
    live.start_sim()
    live.start_worker()
    live.start_web()
    with live.app.app_context(), db.connection_context():
        demo_world.seed(sim_db=live.app.config["SIM1365_DB"])
    yield live
    print(live.processes.logs()[-20000:])  # shown by pytest only when the test failed
    dead = [f"{name} exited with {process.returncode}"
            for name, process, _ in live.processes.running if process.poll() is not None]
    assert not dead, f"a process of the service died during the test: {dead}"


class Mailbox:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

    def __init__(self, port):
        self.port = port
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, count, seconds=10.0):
        """The messages once at least count have arrived."""
        import time
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, self.messages
        return self.messages


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    mailbox = Mailbox(support.free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    yield mailbox
    controller.stop()
