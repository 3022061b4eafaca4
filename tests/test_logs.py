"""Logs: the web (gunicorn), the worker and the command line log to standard output through one
configuration; the web writes one line per request, the worker one per job; after a whole linkage
run (본인인증 and 연계신청 over HTTP until 연계완료) no RRN is in any of them.
"""
import os
import re
import subprocess
import time as clock

import pytest

from pumasi.linkage.state import DateState
from pumasi import demo as demo_world
from pumasi.models import DailyLog, Member, Participation

import helpers
from helpers import child_env, ctx

RRNS = {"vol1": helpers.RRN_VOL1, "vol2": helpers.RRN_VOL2, "vol3": helpers.RRN_VOL3}
HX = {"HX-Request": "true"}
# A request line: method, route (the URL rule), status, milliseconds, member, address.
REQUEST_LINE = re.compile(r"pumasi\.request: (GET|POST) (\S+) (\d{3}) \d+\.\dms member=(\d+|-) ip=(\S+)$", re.M)
JOB_LINE = re.compile(r"pumasi\.jobs: job (submit|poll|resume)_requests: \d+ requests, \d+ ended.* \(\d+\.\d\ds\)$",
                      re.M)


def rrn_forms(rrn):
    """Every way an RRN could stand in a log: 13 digits, 6-7 with the dash, the back 7 digits alone."""
    return [re.compile(rf"(?<!\d){re.escape(form)}(?!\d)") for form in (rrn, f"{rrn[:6]}-{rrn[6:]}", rrn[6:])]


def flask(app, *args, **env):
    """Run `flask --app app …` as the operator would: its own process, its standard output apart."""
    return subprocess.run([helpers.python(), "-m", "flask", "--app", "app", *args], cwd=helpers.ROOT,
                          env=child_env(app, **env), capture_output=True, text=True, timeout=120)


def sent_dates(app):
    with ctx(app):
        return [log.link_state for log in DailyLog.select().join(Participation)
                .where(Participation.legacy_linked == False)]  # noqa: E712


def test_logs_of_a_whole_linkage_run_have_request_and_job_lines_and_no_rrn(world):
    app = world.app
    with ctx(app):
        ids = {name: [p.id for p in Participation.select().join(Member).where(Member.username == name)]
               for name in RRNS}
    for number, (username, rrn) in enumerate(RRNS.items()):
        visitor = helpers.Visitor(world.web_url, f"127.0.0.{number + 2}")  # each on their own phone
        assert visitor.login(username) == 303
        visitor.get(f"/mypage/activities?page=1&participation_id={ids[username][0]}")
        # A mistyped number, then the right one (the form's values never reach a log).
        assert visitor.post("/mypage/identity", {"rrn_front": rrn[:6], "rrn_back": rrn[6:10]}).status_code == 422
        saved = visitor.post(f"/mypage/identity?participation_id={ids[username][0]}",
                             {"rrn_front": rrn[:6], "rrn_back": rrn[6:]})
        assert saved.status_code == 303, saved.text[:300]
        linked = visitor.post("/mypage/link", {"participation_ids": [str(pid) for pid in ids[username]]},
                              headers=HX)
        assert linked.status_code == 200, linked.text[:300]
    deadline = clock.monotonic() + 90
    while any(state in (DateState.PENDING, DateState.UNSENT) for state in sent_dates(app)):
        assert clock.monotonic() < deadline, world.processes.logs()[-4000:]
        clock.sleep(0.5)
    assert DateState.SUCCEEDED in sent_dates(app)  # vol1's dates reached 연계완료

    # The command line, as an operator runs it after the fact (rotate-key decrypts every RRN).
    commands = [flask(app, "linkage", "sweep"), flask(app, "rrn", "rotate-key")]
    for result in commands:
        assert result.returncode == 0, result.stderr
        assert re.search(r"INFO \[\d+\] pumasi\.cli: command (linkage sweep|rrn rotate-key) done in", result.stdout), \
            (result.stdout, result.stderr)
    world.processes.stop_all()  # the logs are complete
    folder = world.processes.log_dir
    logs = {name[:-4]: open(os.path.join(folder, name), encoding="utf-8", errors="replace").read()
            for name in os.listdir(folder) if name.endswith(".log")}
    logs.update({f"cli {n}": result.stdout + result.stderr for n, result in enumerate(commands)})

    # The web: one line per request, with the route and never a query string or a form value.
    lines = REQUEST_LINE.findall(logs["web"])
    routes = {(method, route, status) for method, route, status, _, _ in lines}
    assert ("POST", "/mypage/identity", "303") in routes and ("POST", "/mypage/identity", "422") in routes
    assert ("POST", "/login", "303") in routes and ("GET", "/mypage/activities", "200") in routes
    assert ("POST", "/mypage/link", "200") in routes
    assert {ip for *_, ip in lines} >= {"127.0.0.2", "127.0.0.3", "127.0.0.4"}
    assert any(member != "-" for _, _, _, member, _ in lines)
    assert "?" not in "".join(route for _, route, _, _, _ in lines)
    assert "participation_id=" not in logs["web"] and "page=1" not in logs["web"]
    # The worker: one line per job, with what comes next.
    assert len(JOB_LINE.findall(logs["worker0"])) >= 2, logs["worker0"][-3000:]
    assert "pumasi.worker: working queue" in logs["worker0"]

    found = [(name, pattern.pattern) for name, text in logs.items() if name != "sim1365"
             for rrn in RRNS.values() for pattern in rrn_forms(rrn) if pattern.search(text)]
    assert found == [], found


def test_the_mask_is_on_the_handler_and_a_log_file_rotates(sqlite_app, tmp_path):
    """A record made without the mask's record factory (as another library's could be) is masked by
    the configuration's filter; with PUMASI_LOG_FILE the log goes to that file, rotated, and standard
    output stays empty."""
    probe = ("import logging, sys; from pumasi import create_app; create_app(); "
             "record = logging.makeLogRecord({'name': 'probe', 'levelno': 20, 'levelname': 'INFO', "
             "'msg': 'rrn %s', 'args': ('900101-1234567',)}); "
             "[logging.getLogger().handle(record) for _ in range(40)]")
    run = lambda **env: subprocess.run([helpers.python(), "-c", probe], cwd=helpers.ROOT, capture_output=True,  # noqa: E731
                                       text=True, timeout=60, env=child_env(sqlite_app, **env))
    plain = run()
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.count("INFO [") >= 40 and "probe: rrn 900101-*******" in plain.stdout
    assert "1234567" not in plain.stdout + plain.stderr
    path = tmp_path / "logs" / "pumasi.log"
    path.parent.mkdir(exist_ok=True)
    to_file = run(PUMASI_LOG_FILE=str(path), PUMASI_LOG_FILE_MB="0.002", PUMASI_LOG_FILE_KEEP="3")
    assert to_file.returncode == 0, to_file.stderr
    assert "probe" not in to_file.stdout
    rotated = sorted(name for name in os.listdir(path.parent) if name.startswith("pumasi.log."))
    assert rotated and len(rotated) <= 3, os.listdir(path.parent)
    assert "probe: rrn 900101-*******" in path.read_text()


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_a_request_line_per_request_without_the_query(app, demo, caplog):
    """In the process: method, rule, status, time, member id, address; a failed 본인인증's numbers
    and the query string are not in it."""
    client = app.test_client()
    client.post("/login", data={"username": "vol1", "password": demo_world.PASSWORD})
    with ctx(app):
        member_id = Member.get(Member.username == "vol1").id
    caplog.set_level("INFO", logger="pumasi.request")
    client.get("/mypage/participations/1/row?secret=yes")
    client.post("/mypage/identity?x=1", data={"rrn_front": "990230", "rrn_back": "1234567"})
    client.get("/no/such/page?q=1")
    lines = [r.getMessage() for r in caplog.records if r.name == "pumasi.request"]
    assert re.fullmatch(rf"GET /mypage/participations/<int:participation_id>/row \d{{3}} \d+\.\dms "
                        rf"member={member_id} ip=127\.0\.0\.1", lines[0]), lines
    assert lines[1].startswith("POST /mypage/identity 422 ") and lines[2].startswith("GET - 404 ")
    assert not any("secret" in line or "?" in line or "1234567" in line for line in lines)
