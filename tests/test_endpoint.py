"""Where the RRNs go: the 1365 endpoint, its key and the organisation code come only from the
environment, https:// only (plain http:// to a loopback address), checked at start-up by the web,
the worker and the command line; the console shows the host but cannot change it; the worker
audits the host it sends to when it changes."""
import http.server
import os
import subprocess
import threading

import pytest

from pumasi import migrations
from pumasi.jobs import tasks
from pumasi.models import AuditLog, ConfigValue
from pumasi.portal.endpoint import endpoint_host, endpoint_problem

import helpers
from helpers import build_app, child_env
from helpers import ctx
from helpers import request_all, wait_until_final

ACCEPTED = ["https://linkage.example.org", "https://gw.example.org:8443/1365/", "HTTPS://GW.EXAMPLE.ORG",
            "http://127.0.0.1:5365", "http://127.8.9.10", "http://[::1]:8080"]
REFUSED = ["http://linkage.example.org", "http://localhost:5365", "http://127.0.0.1.evil.example",
           "http://0.0.0.0:5365", "http://[::ffff:127.0.0.1]:80", "http://2130706433", "http://10.0.0.5",
           "ftp://linkage.example.org", "https://", "https:///x", "https:linkage.example.org",
           "https://user:secret@linkage.example.org", "https://linkage.example.org@evil.example",
           "https://linkage.example.org/?to=evil", "https://linkage.example.org/#x",
           "https://linkage.example.org:99999", "https://linkage.example.org/\n", " https://x.example",
           "https://x\\@evil.example", "javascript:alert(1)", "", None]


def test_which_endpoints_are_acceptable():
    """portal.endpoint.endpoint_problem (also what `flask check` uses): the class, not one example."""
    for url in ACCEPTED:
        assert endpoint_problem(url) is None, url
    for url in REFUSED:
        assert endpoint_problem(url), url
    assert endpoint_host("https://gw.example.org:8443/1365/") == "gw.example.org:8443"


@pytest.mark.parametrize("url", ["http://linkage.example.org", "https://user:pw@x.example", "ftp://x"])
def test_the_app_refuses_to_start_with_a_bad_endpoint(tmp_path, redis_url, url):
    with pytest.raises(RuntimeError, match="PUMASI_1365_URL"):
        build_app(tmp_path, f"sqlite:///{tmp_path / 'p.db'}", redis_url, PORTAL_URL=url)
    with pytest.raises(RuntimeError, match="PUMASI_1365_API_KEY"):
        build_app(tmp_path, f"sqlite:///{tmp_path / 'p.db'}", redis_url, PORTAL_API_KEY="key\r\nX-Evil: 1")


def test_web_worker_and_command_line_refuse_a_bad_endpoint(sqlite_app):
    """Each process of the service, started as production starts it, exits naming the setting."""
    env = child_env(sqlite_app, PUMASI_1365_URL="http://linkage.example.org")
    commands = {
        "cli": [helpers.python(), "-m", "flask", "--app", "app", "init-db"],
        "worker": [helpers.python(), "worker.py", "--burst"],
        "web": [helpers.python(), "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{helpers.free_port()}",
                "app:app"],
    }
    for name, argv in commands.items():
        result = subprocess.run(argv, env=env, cwd=helpers.ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode != 0, name
        assert "PUMASI_1365_URL must use https://" in result.stdout + result.stderr, (name, result.stderr[-2000:])


class Trap(http.server.ThreadingHTTPServer):
    """An HTTP server on a loopback port that records every request it gets (and answers 200 {})."""

    def __init__(self):
        self.seen = []
        trap = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                trap.seen.append((self.command, self.path, self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", helpers.free_port()), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def trap():
    server = Trap()
    yield server
    server.shutdown()
    server.server_close()


def test_an_operator_cannot_send_rrns_elsewhere(app, client, auth, stack, demo, trap):
    """The reviewer's probe: an operator posts PORTAL_URL (and ORG_CODE) in 설정, and a value is
    planted in the console's table the way an older release saved it; the next linkage still goes
    to the endpoint of the environment, nothing reaches the other address, and the settings page
    shows the host without a field for it."""
    stack.start_sim()
    auth.login("admin")
    page = client.get("/admin/settings").text
    assert endpoint_host(stack.sim_url) in page
    assert 'name="PORTAL_URL"' not in page and 'name="ORG_CODE"' not in page
    assert client.post("/admin/settings", data={"ORG_NAME": "문화품앗이", "SUPPORT_PHONE": "02-555-0000",
                                                "PORTAL_URL": trap.url, "ORG_CODE": "EVIL"}).status_code == 303
    with ctx(app):
        ConfigValue.create(key="PORTAL_URL", value=trap.url)
        ConfigValue.create(key="ORG_CODE", value="EVIL")
    assert "1365 연결 정상" in client.post("/admin/settings/test-connection").text
    stack.start_worker()
    request_all(app, ["vol1"])
    found = wait_until_final(app, ["vol1"], 30, stack)
    assert found and all(code == 300 for _, _, code in found.values())
    assert trap.seen == []
    with ctx(app):
        hosts = [entry.detail for entry in AuditLog.select().where(AuditLog.action == "portal.endpoint")]
    assert hosts and all(detail.startswith(endpoint_host(stack.sim_url) + " ") for detail in hosts)


def test_the_host_is_audited_when_it_changes(sqlite_app, caplog):
    """First use counts as a change; the same host again (a new process) does not; another host does,
    naming the one before."""
    app = sqlite_app
    first, second = "http://127.0.0.1:9", "https://linkage.example.org"

    def audited():
        with ctx(app):
            return [entry.detail for entry in AuditLog.select().where(AuditLog.action == "portal.endpoint")
                    .order_by(AuditLog.id)]

    with ctx(app):
        app.config["PORTAL_URL"] = first
        tasks.portal_for(app)
        tasks.portal_for(app)
        app.extensions.pop("portal")  # a new worker process, same environment
        tasks.portal_for(app)
    assert audited() == ["127.0.0.1:9 (이전: 없음)"]
    with ctx(app):
        app.config["PORTAL_URL"] = second
        tasks.portal_for(app)
    assert audited() == ["127.0.0.1:9 (이전: 없음)", "linkage.example.org (이전: 127.0.0.1:9)"]
    assert "linkage goes to linkage.example.org (before: 127.0.0.1:9)" in caplog.text


def test_console_values_of_an_older_release_are_dropped(sqlite_app):
    """Migration 6: the endpoint and code an operator once saved are deleted, and audited."""
    app = sqlite_app
    with ctx(app):
        ConfigValue.create(key="PORTAL_URL", value="http://127.0.0.1:1")
        ConfigValue.create(key="ORG_CODE", value="OLD")
        ConfigValue.create(key="SUPPORT_PHONE", value="02-000-0000")
        dict(migrations.MIGRATIONS)[6](None)
        assert [row.key for row in ConfigValue.select()] == ["SUPPORT_PHONE"]
        entry = AuditLog.get(AuditLog.action == "settings.change")
        assert "PORTAL_URL=http://127.0.0.1:1" in entry.detail and "ORG_CODE=OLD" in entry.detail


def test_simulator_default_is_acceptable(tmp_path, redis_url, monkeypatch):
    """Without PUMASI_1365_URL the endpoint is the bundled simulator on this machine: accepted."""
    monkeypatch.delenv("PUMASI_1365_URL", raising=False)
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'p.db'}", redis_url, PORTAL_URL=None, SIM1365_PORT=5999)
    assert app.config["PORTAL_URL"] == "http://127.0.0.1:5999"
    assert os.environ.get("PUMASI_1365_URL") is None
