"""An RRN is never anywhere in plaintext: a full linkage run through the web, Redis, a real worker
and the 1365 simulator, then every place the run wrote to is searched for the three test RRNs.

Searched: every file of the test's folder (the SQLite database and its -wal, the simulator's store,
the process logs, the instance folder), every command any client sent to the Redis database during
the run (MONITOR, so jobs deleted right after they ran count too) and a dump of every key left in
it, the application's log records (DEBUG and up, peewee's SQL included), and every response the
web served (bodies, headers, the session cookie's content). RQ job payloads are zlib-compressed
pickles: each blob is also searched decompressed and unpickled.
"""
import logging
import os
import pickle
import re
import threading
import time as clock
import uuid
import zlib

import pytest
import redis

from pumasi.linkage.state import DateState
from pumasi import demo as demo_world
from pumasi.db import db
from pumasi.models import DailyLog, Member, Participation

import helpers
from helpers import EXPECTED
from helpers import RRNS as VOLUNTEERS


def needles(rrns=tuple(VOLUNTEERS.values())):
    """Each RRN as 13 digits and as 6-7 digits with the dash."""
    found = []
    for rrn in rrns:
        found += [rrn.encode(), f"{rrn[:6]}-{rrn[6:]}".encode()]
    return found


def expand(blob):
    """The blob, and if it is zlib data, its content, and if that is a pickle, its repr."""
    yield blob
    for offset in {0, *(m.start() for m in re.finditer(rb"\x78[\x01\x5e\x9c\xda]", blob))}:
        try:
            inner = zlib.decompressobj().decompress(blob[offset:])
        except zlib.error:
            continue
        if not inner:
            continue
        yield inner
        try:
            yield repr(pickle.loads(inner)).encode()  # RQ payloads: (func name, None, args, kwargs)
        except Exception:  # noqa: BLE001 - not a pickle, or of a class not importable here
            pass


def leaks(blobs, rrns=tuple(VOLUNTEERS.values())):
    """[(where, needle)] for every blob (or its decompressed content) that holds an RRN."""
    hits = []
    for where, blob in blobs:
        for part in expand(blob):
            for needle in needles(rrns):
                if needle in part:
                    hits.append((where, needle.decode()))
    return hits


# --- Redis: every command of the run (MONITOR) and every key at the end ----------------------------

_ARG = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "a": b"\a", "b": b"\b", '"': b'"', "\\": b"\\"}


def _unrepr(text):
    """Bytes from Redis' quoted representation of an argument (\\xNN, \\n, \\" …)."""
    out, i = bytearray(), 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            if text[i + 1] == "x":
                out.append(int(text[i + 2:i + 4], 16))
                i += 4
                continue
            out += _ESCAPES.get(text[i + 1], text[i + 1].encode())
            i += 2
            continue
        out += text[i].encode()
        i += 1
    return bytes(out)


class RedisMonitor(threading.Thread):
    """Records every command sent to one Redis database while it runs (by any client, Lua included)."""

    def __init__(self, url):
        super().__init__(daemon=True, name="redis-monitor")
        self.url = url
        self.db = redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0)
        self.commands = []
        self.token = f"monitor-stop-{uuid.uuid4().hex}"
        self.ready = threading.Event()
        self.error = None

    def run(self):
        connection = redis.Redis.from_url(self.url).connection_pool.make_connection()
        try:
            connection.connect()
            connection.send_command("MONITOR")
            connection.read_response()
            self.ready.set()
            while True:
                line = connection.read_response()
                line = line.decode("ascii", "replace") if isinstance(line, bytes) else str(line)
                match = re.match(r"\S+ \[(\d+) [^\]]*\] (.*)$", line, re.S)
                if not match or int(match.group(1)) != self.db:
                    continue
                args = [_unrepr(arg) for arg in _ARG.findall(match.group(2))]
                if self.token.encode() in args:
                    return
                self.commands.append(args)
        except Exception as exc:  # noqa: BLE001 - reported by stop()
            self.error = exc
            self.ready.set()
        finally:
            connection.disconnect()

    def stop(self):
        redis.Redis.from_url(self.url).echo(self.token)
        self.join(20)
        assert not self.is_alive() and self.error is None, self.error
        return self.commands


def redis_dump(url):
    """[(key, bytes)] of every key of the database: DUMP, and its value read by type."""
    conn = redis.Redis.from_url(url)
    found = []
    for key in conn.scan_iter(count=1000):
        kind = conn.type(key).decode()
        parts = [conn.dump(key) or b""]
        if kind == "string":
            parts.append(conn.get(key) or b"")
        elif kind == "hash":
            for field, value in conn.hgetall(key).items():
                parts += [field, value]
        elif kind == "list":
            parts += conn.lrange(key, 0, -1)
        elif kind == "set":
            parts += list(conn.smembers(key))
        elif kind == "zset":
            parts += [member for member, _ in conn.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            parts += [repr(entry).encode() for entry in conn.xrange(key)]
        found += [(f"redis key {key!r}", part) for part in parts]
    return found


# --- the web, as a browser would use it ---------------------------------------------------------


class Browser:
    """The test client, keeping every response it was served."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.pages = []
        self.sessions = []

    def _keep(self, response, url):
        self.pages.append((f"{response.status_code} {url}", response.get_data()))
        self.pages.append((f"headers of {url}", str(response.headers).encode()))
        cookie = self.client.get_cookie("session")
        if cookie is not None:
            serializer = self.app.session_interface.get_signing_serializer(self.app)
            self.sessions.append((f"session after {url}", repr(serializer.loads(cookie.value)).encode()))
        return response

    def get(self, url, htmx=False):
        headers = {"HX-Request": "true"} if htmx else {}
        return self._keep(self.client.get(url, headers=headers), url)

    def post(self, url, data=None, htmx=False):
        headers = {"HX-Request": "true"} if htmx else {}
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        return self._keep(self.client.post(url, data=data, headers=headers), url)

    def login(self, username, address="127.0.0.1"):
        """Log in through the form, from the address of the volunteer's own phone."""
        self.client.environ_base["REMOTE_ADDR"] = address
        html = self.get("/login").get_data(as_text=True)
        self.csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        response = self.post("/login", {"username": username, "password": demo_world.PASSWORD})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        html = self.get("/mypage/activities").get_data(as_text=True)
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def logout(self):
        self.post("/logout")


def participation_ids(app, username):
    with app.app_context(), db.connection_context():
        return [p.id for p in Participation.select().join(Member)
                .where(Member.username == username).order_by(Participation.id)]


def outcomes(app):
    """{username: {(link_state, result_code)}} of the dates the run sent (legacy ones are not sent)."""
    with app.app_context(), db.connection_context():
        found = {}
        for log in (DailyLog.select(DailyLog, Participation, Member).join(Participation).join(Member)
                    .where(Participation.legacy_linked == False)):  # noqa: E712
            found.setdefault(log.participation.volunteer.username, set()).add((log.link_state, log.result_code))
        return found


def verify_and_request_everything(app, browser):
    """Each volunteer on their own phone: 연계신청 (the 본인인증 modal), a mistyped RRN, the right one,
    then 연계신청 of one row, and of every row at once."""
    for number, (username, rrn) in enumerate(VOLUNTEERS.items(), start=1):
        browser.login(username, f"10.0.0.{number}")  # each on their own phone (본인인증 is rate-limited)
        browser.get("/mypage/")
        ids = participation_ids(app, username)
        # 연계신청 before 본인인증: the 본인인증 modal.
        first = next(pid for pid in ids if "본인인증" in browser.post(
            f"/mypage/participations/{pid}/link", htmx=True).get_data(as_text=True))
        browser.get(f"/mypage/identity?participation_id={first}", htmx=True)
        browser.get("/mypage/identity")
        # A mistyped number first (its error page is searched too), then the right one.
        wrong = browser.post("/mypage/identity", {"rrn_front": rrn[:6], "rrn_back": rrn[6:9]})
        assert wrong.status_code == 422
        response = browser.post("/mypage/identity", {"rrn_front": rrn[:6], "rrn_back": rrn[6:],
                                                     "participation_id": str(first)})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        browser.get("/mypage/")
        # One row on its own, then every row at once (bulk 연계신청).
        browser.post(f"/mypage/participations/{first}/link", htmx=True)
        browser.post("/mypage/link", {"participation_ids": [str(pid) for pid in ids]}, htmx=True)
        browser.get("/mypage/activities")
        browser.logout()


def wait_until_answered(app, processes):
    """The worker and the simulator do the rest."""
    deadline = clock.monotonic() + 60
    while any(state == DateState.PENDING for states in outcomes(app).values() for state, _ in states):
        assert clock.monotonic() < deadline, processes.logs()[-3000:]
        clock.sleep(0.5)


def look_relink_and_reset(app, browser):
    """Each volunteer looks at the rows as a browser polls them and at the results; the failed ones
    재연계 (they fail again: same account state); then 본인인증 초기화 is offered, and vol3 does it."""
    for username in VOLUNTEERS:
        browser.login(username)
        browser.get("/mypage/")
        for pid in participation_ids(app, username):
            browser.get(f"/mypage/participations/{pid}/row", htmx=True)
            browser.get(f"/mypage/participations/{pid}/result", htmx=True)
            browser.get(f"/mypage/participations/{pid}/result")
        if username != "vol1":
            for pid in participation_ids(app, username):
                browser.post(f"/mypage/participations/{pid}/relink", htmx=True)
        browser.get("/mypage/identity/reset")
        browser.logout()


def reset_vol3(browser):
    browser.login("vol3")
    browser.post("/mypage/identity/reset")
    browser.get("/mypage/")
    browser.logout()


def everything_written(tmp_path, monitor, processes, caplog, app):
    """(files, Redis blobs, log blobs): every file under the test's folder, every Redis command and
    key, every log line and record, once the processes have stopped."""
    processes.stop_all()  # the logs are complete, the worker's last writes are in
    commands = monitor.stop()
    files = []
    for folder, _, names in os.walk(tmp_path):
        for name in names:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not name.endswith((".sock", ".lock")):
                with open(path, "rb") as f:
                    files.append((path, f.read()))
    redis_blobs = [(f"redis command {args[:2]!r}", b" ".join(args)) for args in commands]
    redis_blobs += [(f"redis command {args[:2]!r} arg", arg) for args in commands for arg in args]
    redis_blobs += redis_dump(app.config["REDIS_URL"])
    log_blobs = [("process logs", processes.logs().encode())]
    log_blobs += [("caplog", caplog.text.encode())]
    log_blobs += [(f"log record {r.name}", f"{r.getMessage()} {r.args!r} {r.exc_text or ''}".encode())
                  for r in caplog.records]
    return files, redis_blobs, log_blobs


def assert_the_searches_look_where_the_data_is(tmp_path, files, redis_blobs, log_blobs, caplog, browser):
    """Each haystack holds what it should (no vacuous pass)."""
    database = os.path.join(tmp_path, "pumasi.db")
    assert database in dict(files)
    everything_db = b"".join(blob for path, blob in files if os.path.basename(path).startswith("pumasi.db"))
    assert "김민준".encode() in everything_db and b"900101-1******" in everything_db
    assert any(os.path.basename(path).startswith("sim1365.db") for path, _ in files)
    assert any(b"pumasi.jobs." in part for _, blob in redis_blobs for part in expand(blob)
               if part is not blob), "no RQ job payload was decompressed"
    assert any(b"job submit_requests: " in blob for _, blob in log_blobs)  # the worker's job lines
    assert '"identity"' in caplog.text  # peewee's SQL (DEBUG) was captured, 본인인증's writes included
    assert any(b"900101-1******" in body for _, body in browser.pages)
    assert any(b"\xec\x97\xb0\xea\xb3\x84 \xec\x84\xb1\xea\xb3\xb5" in body for _, body in browser.pages)  # 연계 성공


def test_no_rrn_in_plaintext_anywhere(live, processes, caplog, tmp_path):
    app = live.app
    caplog.set_level(logging.DEBUG)
    with app.app_context(), db.connection_context():
        demo_world.seed(sim_db=app.config["SIM1365_DB"])
    monitor = RedisMonitor(app.config["REDIS_URL"])
    monitor.start()
    assert monitor.ready.wait(10) and monitor.error is None, monitor.error
    live.start_sim()
    live.start_worker()
    browser = Browser(app)

    verify_and_request_everything(app, browser)
    wait_until_answered(app, processes)
    assert outcomes(app) == {username: {expected} for username, expected in EXPECTED.items()}
    look_relink_and_reset(app, browser)
    wait_until_answered(app, processes)
    reset_vol3(browser)

    files, redis_blobs, log_blobs = everything_written(tmp_path, monitor, processes, caplog, app)
    assert_the_searches_look_where_the_data_is(tmp_path, files, redis_blobs, log_blobs, caplog, browser)
    hits = leaks(files) + leaks(redis_blobs) + leaks(log_blobs) + leaks(browser.pages) + leaks(browser.sessions)
    assert hits == [], f"RRN found in plaintext: {sorted(set(hits))[:20]}"


def test_the_redis_search_finds_an_rrn_in_a_job_payload(redis_url):
    """The Redis side of the search is no blind spot: an RRN put in a job's arguments (a compressed
    pickle, escaped by MONITOR) is found in the recorded commands and in the key dump.

    The probe uses a number of its own (not one of the three), so that a concurrent run's search
    of the same Redis database cannot mistake the probe for a leak.
    """
    from rq import Queue

    probe = "7501012345670"
    dashed = f"{probe[:6]}-{probe[6:]}"
    monitor = RedisMonitor(redis_url)
    monitor.start()
    assert monitor.ready.wait(10) and monitor.error is None, monitor.error
    queue = Queue(f"probe-{uuid.uuid4().hex[:10]}", connection=redis.Redis.from_url(redis_url))
    job = queue.enqueue("os.path.join", "a", dashed)
    try:
        commands = monitor.stop()
        recorded = leaks([("command", arg) for args in commands for arg in args], [probe])
        assert {needle for _, needle in recorded} == {dashed}
        dumped = leaks([(where, blob) for where, blob in redis_dump(redis_url) if job.id in where], [probe])
        assert {needle for _, needle in dumped} == {dashed}
        # The payload is compressed: a plain search of the raw value alone would have missed it.
        raw = redis.Redis.from_url(redis_url).hget(job.key, "data")
        assert probe[:6].encode() not in raw
    finally:
        job.delete()
        queue.delete(delete_jobs=True)


def test_a_whole_rrn_typed_into_the_first_box_is_not_echoed(sqlite_app):
    """A volunteer pastes the whole number (with or without the dash) into the 앞자리 box: the form
    says what is wrong, without writing the number back into the page (it once did)."""
    with sqlite_app.app_context(), db.connection_context():
        demo_world.seed()
    browser = Browser(sqlite_app)
    browser.login("vol1")
    rrn = helpers.RRN_VOL1
    # Four tries: under the 본인인증 rate limit (5 a minute), so each gets the form's own answer.
    for front, htmx in ((rrn, False), (f"{rrn[:6]}-{rrn[6:]}", True), (f"{rrn[:6]}-{rrn[6:]}", False),
                        (f"{rrn[:6]} {rrn[6:]}", True)):
        response = browser.post("/mypage/identity", {"rrn_front": front, "rrn_back": ""}, htmx=htmx)
        if response.status_code != 422 or "주민등록번호" not in response.get_data(as_text=True):
            pytest.fail(f"expected the form's 422 answer, got {response.status_code}")
    assert leaks(browser.pages) == []
