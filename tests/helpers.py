"""Test helpers: apps built for a test, real processes started and stopped, services found or
skipped, a browser over HTTP from its own address, and what the linkage tests share (the demo
volunteers' RRNs and 본인인증, 연계신청 of everything, waiting for final states, the invariants)."""
import contextlib
import logging
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest
import requests
from requests.adapters import HTTPAdapter

from pumasi import create_app, migrations, settings
from pumasi.db import db
from pumasi.identity import keycheck
from pumasi.identity import store as identities
from pumasi.identity.vault import Vault
from pumasi.jobs.tasks import enqueue_request
from pumasi.linkage.requests import request_linkage
from pumasi.linkage.state import DateState
from pumasi.models import Activity, DailyLog, Member, Participation

import schema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("PUMASI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SYSTEM_REDIS = os.environ.get("PUMASI_TEST_REDIS", "redis://127.0.0.1:6379/13")
CHROMIUM = os.environ.get("PUMASI_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

# The demo/test RRNs: each fails the pre-2020 check digit, so none is a real person's.
RRN_VOL1 = "9001011234567"
RRN_VOL2 = "8805152345678"
RRN_VOL3 = "0203044567890"
RRNS = {"vol1": RRN_VOL1, "vol2": RRN_VOL2, "vol3": RRN_VOL3}
# What 1365 (the simulator's demo accounts) answers each demo volunteer.
EXPECTED = {"vol1": (DateState.SUCCEEDED, 300), "vol2": (DateState.FAILED, 200), "vol3": (DateState.FAILED, 100)}


def missing(reason):
    """Skip with a visible reason; on CI, where everything must be there, fail instead."""
    if IN_CI:
        pytest.fail(f"CI must have this: {reason}")
    pytest.skip(reason)


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, seconds=20.0, process=None):
    """Wait until url answers (any HTTP status); raise if the process dies or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {seconds}s")


class Processes:
    """Processes a test starts; all are stopped at the end (SIGTERM, then SIGKILL)."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.running = []

    def start(self, name, argv, env, cwd=ROOT, **popen):
        log = open(os.path.join(self.log_dir, f"{name}.log"), "ab")
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, **popen)
        self.running.append((name, process, log))
        return process

    def kill(self, process, sig=signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(10)

    def stop_all(self):
        for _, process, _ in reversed(self.running):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for _, process, log in reversed(self.running):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill(process)
            log.close()
        self.running = []

    def logs(self):
        """Everything the processes printed, as text."""
        text = []
        for name in sorted(os.listdir(self.log_dir)):
            if name.endswith(".log"):
                with open(os.path.join(self.log_dir, name), "rb") as f:
                    text.append(f.read().decode("utf-8", "replace"))
        return "\n".join(text)


def python():
    return sys.executable


class _SQL(logging.Handler):
    """The statements peewee logs at DEBUG on its logger "peewee", each as (sql, params)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = []

    def emit(self, record):
        if record.name == "peewee":
            self.statements.append(record.msg[0] if isinstance(record.msg, tuple) else record.getMessage())


def sql_of(function, *args, **kwargs):
    """(function(*args, **kwargs), [the SQL statements it ran, in order]), in this process."""
    handler, logger = _SQL(), logging.getLogger("peewee")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        return function(*args, **kwargs), handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@contextlib.contextmanager
def ctx(app):
    """The app context and a database connection of this thread."""
    with app.app_context(), db.connection_context():
        yield


def member(username):
    return Member.get(Member.username == username)


def participation(username, title):
    """The volunteer's participation in the activity of that title."""
    return (Participation.select().join(Activity)
            .where(Participation.volunteer == member(username), Activity.title == title).get())


def sim_stats(stack):
    """The 1365 simulator's counts (submissions, recorded, received twice, by code)."""
    return requests.get(stack.sim_url + "/sim/stats", timeout=10).json()


def sim_store(app, sql, *args):
    """Rows from the simulator's store (1365's side)."""
    with contextlib.closing(sqlite3.connect(app.config["SIM1365_DB"], timeout=10)) as conn:
        return conn.execute(sql, args).fetchall()


# --- apps and their child processes ------------------------------------------------------------------


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
    schema.fresh_schema(database_url)
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


# --- linkage: 본인인증, 연계신청 of everything, final states and the invariants -----------------------


def verify(app, username, rrn=None):
    """본인인증 of a demo volunteer as the view stores it (sealed, masked, audited); in ctx(app)."""
    volunteer = member(username)
    return identities.verify(volunteer, rrn or RRNS[username], app.extensions["rrn_vault"], volunteer)


def sendable(username):
    """The volunteer's participations that have dates to send (not the legacy one)."""
    return [p.id for p in Participation.select().join(Member)
            .where(Member.username == username, Participation.legacy_linked == False)  # noqa: E712
            .order_by(Participation.id)
            if DailyLog.select().where(DailyLog.participation == p).exists()]


def request_all(app, usernames, enqueue=True, rrns=None):
    """본인인증, then 연계신청 of every participation of the volunteers that has dates to send, as the
    view does it: committed, then queued. Returns the requests' ids."""
    ids = []
    with ctx(app):
        for username in usernames:
            verify(app, username, (rrns or RRNS)[username])
            for pid in sendable(username):
                request = request_linkage(Participation.get_by_id(pid), member(username))
                if request is not None:
                    ids.append(request.id)
                    if enqueue:
                        enqueue_request(app, request.id)
    assert ids
    return ids


def outcomes(app, usernames):
    """{daily log id: (username, link_state, result_code)} of the volunteers' per-date participations."""
    with ctx(app):
        query = (DailyLog.select(DailyLog, Participation, Member).join(Participation).join(Member)
                 .where(Member.username.in_(usernames), Participation.legacy_linked == False))  # noqa: E712
        return {log.id: (log.participation.volunteer.username, log.link_state, log.result_code) for log in query}


def wait_until_final(app, usernames, timeout, stack, also=None):
    """Wait until none of the volunteers' dates is pending (or unsent); fail with the processes' logs."""
    deadline = time.monotonic() + timeout
    while True:
        found = outcomes(app, usernames)
        if found and all(state not in (DateState.PENDING, DateState.UNSENT) for _, state, _ in found.values()):
            return found
        if also is not None:
            also()
        if time.monotonic() > deadline:
            pending = sum(1 for _, state, _ in found.values() if state in (DateState.PENDING, DateState.UNSENT))
            pytest.fail(f"{pending} of {len(found)} dates not final after {timeout}s\n"
                        f"{stack.processes.logs()[-6000:]}")
        time.sleep(0.25)


def assert_nothing_lost_nor_doubled(app, stack, found, allow_99=False):
    """The final states are 1365's answers, and 1365 holds each date at most once."""
    for log_id, (username, state, code) in found.items():
        if allow_99 and (state, code) == (DateState.FAILED, 99):
            continue
        assert (state, code) == EXPECTED.get(username, (DateState.SUCCEEDED, 300)), (log_id, username, state, code)
    stats = sim_stats(stack)
    assert "400" not in stats["by_code"], stats  # no date went again under a new ref once 1365 had it
    # Each date (volunteer, site, date, times) reached 1365 under one ref, or under more only after 99s.
    doubled = sim_store(app, 'SELECT name, site, date, "start", "end", COUNT(*) FROM submissions'
                             ' WHERE code IS NOT 99 GROUP BY name, birth7, site, date, "start", "end"'
                             ' HAVING COUNT(*) > 1')
    assert doubled == [], doubled
    succeeded = sum(1 for _, state, code in found.values() if (state, code) == (DateState.SUCCEEDED, 300))
    if allow_99:  # a date whose every answer was lost is 99 here, though 1365 may hold it
        assert succeeded <= stats["recorded"] <= succeeded + sum(1 for v in found.values() if v[2] == 99)
    else:
        assert stats["recorded"] == succeeded
    assert stats["by_code"].get("300", 0) == stats["recorded"]
    return stats


def count_submissions(portal):
    """Have the portal note the size of every batch it submits: returns the list it fills."""
    sizes, real = [], portal.submit

    def counting_submit(records):
        sizes.append(len(records))
        return real(records)

    portal.submit = counting_submit
    return sizes


class FromAddress(HTTPAdapter):
    """Connections from one local address (127.0.0.2, …: a phone of its own), with more pool
    settings if given (server_hostname: the name sent in TLS's SNI)."""

    def __init__(self, address, **pool):
        self.address, self.pool = address, pool
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs.update(source_address=(self.address, 0), **self.pool)
        super().init_poolmanager(*args, **kwargs)


class Visitor:
    """A browser over HTTP (requests) at its own address: keeps its cookies and the page's CSRF
    token, never follows redirects (the test looks at them)."""

    CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    def __init__(self, base_url, address="127.0.0.1", **pool):
        self.base = base_url
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy or CA bundle from the environment
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, FromAddress(address, **pool))
        self.csrf = None

    def get(self, path, **kwargs):
        response = self.session.get(self.base + path, allow_redirects=False, timeout=30, **kwargs)
        found = self.CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path, data, **kwargs):
        if self.csrf is None:
            self.get("/login")
        return self.session.post(self.base + path, data={**data, "csrf_token": self.csrf},
                                 allow_redirects=False, timeout=30, **kwargs)

    def login(self, username, password="pumasi-demo", **kwargs):
        """The status of a log-in through the form (303: logged in)."""
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password}, **kwargs)
        if response.status_code == 303:
            self.get("/login")  # the form of the new session: its CSRF token
        return response.status_code


AXE_JS = os.path.join(os.path.dirname(__file__), "vendor", "axe-core-4.14.1.min.js")


def axe_violations(page, rules=None):
    """axe-core's violations on the page as it is now (WCAG 2.x A/AA rules; vendored, no network):
    a list of (rule id, impact, the first offending nodes' selectors), empty when none."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        with open(AXE_JS, encoding="utf-8") as source:  # evaluated, not a <script>: the CSP allows no inline script
            page.evaluate(source.read())
    options = {"runOnly": {"type": "tag", "values": rules or ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    result = page.evaluate("options => axe.run(document, options)", options)
    assert result["passes"], "axe-core checked nothing"
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in result["violations"]]
