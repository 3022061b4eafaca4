"""Test helpers: free ports, real processes started and stopped, services found or skipped, and the
few that the linkage tests (test_linkage, test_worker, test_faults) share."""
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests
from requests.adapters import HTTPAdapter

from pumasi.db import db
from pumasi.models import Member

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("PUMASI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SYSTEM_REDIS = os.environ.get("PUMASI_TEST_REDIS", "redis://127.0.0.1:6379/13")
CHROMIUM = os.environ.get("PUMASI_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

# The demo/test RRNs: each fails the pre-2020 check digit, so none is a real person's.
RRN_VOL1 = "9001011234567"
RRN_VOL2 = "8805152345678"
RRN_VOL3 = "0203044567890"


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


@contextlib.contextmanager
def ctx(app):
    """The app context and a database connection of this thread."""
    with app.app_context(), db.connection_context():
        yield


def member(username):
    return Member.get(Member.username == username)


def sim_stats(stack):
    """The 1365 simulator's counts (submissions, recorded, received twice, by code)."""
    return requests.get(stack.sim_url + "/sim/stats", timeout=10).json()


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
