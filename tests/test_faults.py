"""Nothing is lost: linkage under faults, with real processes — Redis (a redis-server of the test's own
where the test takes it down), RQ workers (`python worker.py`), the 1365 simulator over HTTP — on
SQLite and PostgreSQL.

Only public behaviour is used, so these tests hold whatever the jobs look like inside: the views
through the test client, `request_linkage` + `enqueue_request` (what 연계신청 does),
worker processes (their sweeper included), `DailyLog.link_state`/`result_code`, and 1365's side of
the story (the simulator's /sim/stats and its store). The invariants checked after every run:

- every date ends in a final state, the one 1365's rules give (300 for a consenting account, 200
  without consent, 100 without an account; 99 only after the system's retries);
- 1365 recorded each date at most once, and never got a date under a second ref except after a 99
  (no 400 ever: a date is not sent again once 1365 has it).

The long runs are marked slow (run on CI, or with PUMASI_SLOW=1).
"""
import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time as clock
from datetime import date, time, timedelta

import pytest

from pumasi.db import db
from pumasi.jobs.connection import get_queue
from pumasi.jobs.tasks import enqueue_request
from pumasi.linkage.requests import request_linkage
from pumasi.linkage.state import DateState
from pumasi.models import Activity, DailyLog, Member, Participation, Site

import helpers
from helpers import (RRNS, assert_nothing_lost_nor_doubled, build_app, child_env, ctx, member, outcomes,
                     request_all, sendable, sim_stats, sim_store, verify, wait_until_final)
from stack import TcpProxy

HX = {"HX-Request": "true"}
# The fast run (`make test`) takes these on SQLite; PostgreSQL as well in the slow run (CI).
SQLITE_FAST_POSTGRES_SLOW = pytest.mark.parametrize(
    "app", ["sqlite", pytest.param("postgres", marks=pytest.mark.slow)], indirect=True)


# --- helpers (the shared ones: tests/helpers.py) ----------------------------------------------------


@pytest.fixture
def world(stack, demo):
    """The demo world and the 1365 simulator running as a process."""
    return stack.start_sim()


def restart_dead_workers(stack):
    """What a process supervisor does: start a new worker for each one that exited."""
    for process in list(stack.workers):
        if process.poll() is not None:
            stack.workers.remove(process)
            stack.start_worker()


def wait_for_workers(app, count, timeout=20):
    """Wait until count workers have registered with Redis (they are up and listening)."""
    from rq import Worker
    deadline = clock.monotonic() + timeout
    while len(Worker.all(queue=get_queue(app))) < count:
        assert clock.monotonic() < deadline, "workers did not come up"
        clock.sleep(0.1)
    app.extensions.pop("pumasi_redis", None)


# --- Redis down ---------------------------------------------------------------------------------------


@SQLITE_FAST_POSTGRES_SLOW
def test_redis_down_when_volunteers_press_link(app, own_redis, world, client, auth):
    """Redis is down while vol1 presses 연계신청 on every activity: each press is accepted at once
    and saved, the row shows 연계중; when Redis is back (and the worker, which exits with Redis, is
    started again as its supervisor would) the sweeper sends every date, once."""
    world.start_worker()
    wait_for_workers(app, 1)
    with ctx(app):
        pids = sendable("vol1")
    assert auth.login("vol1").status_code == 303
    verified = client.post("/mypage/identity", headers=HX,
                           data={"rrn_front": RRNS["vol1"][:6], "rrn_back": RRNS["vol1"][6:]})
    assert verified.status_code == 200
    own_redis.kill()
    for pid in pids:
        started = clock.monotonic()
        response = client.post(f"/mypage/participations/{pid}/link", headers=HX)
        assert clock.monotonic() - started < 5  # an unreachable queue does not hang the volunteer
        assert response.status_code == 200, response.text
        assert "연계중" in response.text and "연계신청" not in response.text
        row = client.get(f"/mypage/participations/{pid}/row", headers=HX)
        assert row.status_code == 200 and "연계중" in row.text
    page = client.get("/mypage/activities")
    assert page.status_code == 200 and page.text.count("연계중") >= len(pids)
    # Saved: every date is pending in the database, though no job exists anywhere.
    assert {state for _, state, _ in outcomes(app, ["vol1"]).values()} == {DateState.PENDING}
    assert sim_stats(world)["submissions"] == 0
    clock.sleep(2)  # the worker's sweeper meets the dead Redis a time or two
    own_redis.start()  # back, empty
    found = wait_until_final(app, ["vol1"], 45, world, also=lambda: restart_dead_workers(world))
    stats = assert_nothing_lost_nor_doubled(app, world, found)
    assert stats["submissions"] == len(found)  # one ref per date: nothing sent twice
    for pid in pids:
        assert "연계완료" in client.get(f"/mypage/participations/{pid}/row", headers=HX).text


@pytest.mark.slow
def test_redis_loses_the_queue_while_dates_are_in_flight(app, own_redis, world):
    """Redis dies (and comes back empty) after 1365 got the first dates, with polls and retries
    scheduled in it: the sweeper takes the requests up from the database; nothing lost or doubled."""
    # 1365 holds each answer a moment after recording the batch, so the kill finds work in flight.
    world.sim("faults", "--set", "timeout_rate=1", "--set", "timeout_s=1")
    world.start_worker()
    world.start_worker()
    usernames = ["vol1", "vol2", "vol3"]
    request_all(app, usernames)
    deadline = clock.monotonic() + 20
    while sim_stats(world)["submissions"] == 0:
        assert clock.monotonic() < deadline, world.processes.logs()[-3000:]
        clock.sleep(0.02)
    own_redis.kill()
    in_flight = outcomes(app, usernames)
    assert any(state == DateState.PENDING for _, state, _ in in_flight.values())
    world.sim("faults", "--clear")
    clock.sleep(1.5)
    own_redis.start()
    found = wait_until_final(app, usernames, 60, world, also=lambda: restart_dead_workers(world))
    assert_nothing_lost_nor_doubled(app, world, found)


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)  # nothing here depends on the database
def test_a_running_worker_rides_out_a_redis_outage(app, own_redis, world):
    """Redis restarts (empty) while the worker is in the middle of a job: that worker carries on by
    itself, without a supervisor, and delivers every date."""
    world.sim("faults", "--set", "latency_ms=1500")  # each call to 1365 takes 1.5 s
    worker = world.start_worker()
    wait_for_workers(app, 1)
    request_all(app, ["vol1"])
    clock.sleep(0.8)  # the worker now waits for 1365's answer to its batch
    own_redis.kill()
    clock.sleep(2)
    own_redis.start()
    world.sim("faults", "--clear")

    def alive():
        assert worker.poll() is None, f"the worker exited when Redis went away (exit {worker.returncode})"

    found = wait_until_final(app, ["vol1"], 20, world, also=alive)
    assert_nothing_lost_nor_doubled(app, world, found)


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_a_worker_stops_when_told_to_while_redis_is_gone(app, own_redis, world):
    """Stopped (SIGTERM) just as Redis goes away: the worker exits at once instead of waiting for a
    Redis that will not come back (RQ's own stop handler writes to Redis; its failure lost the signal)."""
    worker = world.start_worker()
    wait_for_workers(app, 1)
    own_redis.kill()
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(5)
    except subprocess.TimeoutExpired:
        pytest.fail("the worker did not stop within 5 s of SIGTERM with Redis gone")


# --- 1365 slow, failing, dropping, timing out, answering 99 -------------------------------------------


def more_dates(app, username, count, site_name="CSV 총괄운영본부", start=date(2019, 1, 1), per_activity=100):
    """count more dates for the volunteer, in activities of up to per_activity dates, each date distinct
    (so 1365 records every one: a second record of the same date would be a 400)."""
    with ctx(app):
        site = Site.get(Site.name == site_name)
        volunteer = member(username)
        made = 0
        while made < count:
            n = min(per_activity, count - made)
            first = start + timedelta(days=made)
            activity = Activity.create(site=site, category="문화", title=f"장기 봉사 {username} {made // per_activity + 1}",
                                       start_date=first, end_date=first + timedelta(days=n - 1))
            participation = Participation.create(activity=activity, volunteer=volunteer)
            DailyLog.insert_many([{"participation": participation.id, "date": first + timedelta(days=k),
                                   "start": time(10), "end": time(12), "minutes": 120} for k in range(n)]).execute()
            made += n


# Only the timeout fault may make a call time out. A call of 100 ms' latency answers in 0.11 s on an
# idle machine, but with 1 s a call answered late on a loaded one (load ~15, two workers and the test
# sharing two cores) counted as a failed try as well, and with the backoff from 0.05 s all six tries
# of a batch fit in one slow spell of a few seconds: its ten dates ended 99, a fifth of the run, over
# the test's tenth. At 3 s the six tries of a batch need 18 s of such slowness.
PORTAL_TIMEOUT_UNDER_LOAD = 3.0


@SQLITE_FAST_POSTGRES_SLOW
def test_1365_slow_failing_dropping_timing_out_and_99(app, world):
    """Every fault of the simulator at once, with two workers: each date ends as 1365's rules say
    (99 only if the system's tries ran out), and 1365 never holds a date twice."""
    # Backoff from 0.05 s: the sixth try comes 1.6 s after the first, not 6 s (the growth itself is
    # test_retries_wait_longer_each_time's). PORTAL_TIMEOUT_UNDER_LOAD: see there.
    app.config.update(LINK_MAX_TRIES=6, PORTAL_TIMEOUT=PORTAL_TIMEOUT_UNDER_LOAD, LINK_BATCH_SIZE=10,
                      LINK_RETRY_BASE=0.05)
    more_dates(app, "vol1", 30)
    world.sim("faults", "--set", "latency_ms=100", "--set", "error_rate=0.2", "--set", "drop_rate=0.1",
              "--set", "timeout_rate=0.1", "--set", f"timeout_s={PORTAL_TIMEOUT_UNDER_LOAD + 0.5}",
              "--set", "code99_rate=0.25")
    world.start_worker()
    world.start_worker()
    usernames = ["vol1", "vol2", "vol3"]
    request_all(app, usernames)
    found = wait_until_final(app, usernames, 90, world)
    stats = assert_nothing_lost_nor_doubled(app, world, found, allow_99=True)
    failed_99 = [log_id for log_id, (_, state, code) in found.items() if code == 99]
    assert len(failed_99) <= len(found) // 10, (failed_99, stats)
    # 99s were retried by the system (under fresh refs) and most then got their real answer.
    assert stats["by_code"].get("99", 0) > len(failed_99)


@pytest.mark.slow
@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_retries_wait_longer_each_time(app, world):
    """Code 99 every time: the date is tried LINK_MAX_TRIES times, each under a new ref, each retry
    after a longer wait (LINK_RETRY_BASE, doubling), then shown as 99; HTTP 503 every time: the same
    number of tries, with the same backoff, and 1365 got nothing."""
    base, tries = 0.3, 4
    app.config.update(LINK_MAX_TRIES=tries, LINK_RETRY_BASE=base)
    world.sim("faults", "--set", "code99_rate=1")
    world.start_worker()
    with ctx(app):
        verify(app, "vol1")
        one_day = Participation.select().join(Activity).where(
            Activity.title == "1365 중간연계 테스트 입니다. 신청하지 마세요").get()
        enqueue_request(app, request_linkage(one_day, member("vol1")).id)
    deadline = clock.monotonic() + 40
    while True:
        with ctx(app):
            log = DailyLog.get(DailyLog.participation == one_day)
        if log.link_state != DateState.PENDING:
            break
        assert clock.monotonic() < deadline, world.processes.logs()[-4000:]
        clock.sleep(0.2)
    assert (log.link_state, log.result_code) == (DateState.FAILED, 99)
    received = [at for (at,) in sim_store(app, "SELECT received_at FROM submissions ORDER BY received_at")]
    assert len(received) == tries  # one new ref per try, no more
    gaps = [later - earlier for earlier, later in zip(received, received[1:])]
    assert all(gap >= base * 2 ** n for n, gap in enumerate(gaps)), gaps


# --- the database locked or away for a moment -----------------------------------------------------------


@pytest.fixture
def short_lock_wait(monkeypatch):
    """SQLite waits 0.3 s for a lock instead of 10 (so a held lock shows as an error quickly)."""
    import pumasi.db
    monkeypatch.setitem(pumasi.db.SQLITE_PRAGMAS, "busy_timeout", 300)


@contextlib.contextmanager
def sqlite_locked(app):
    """Hold SQLite's write lock from another connection (BEGIN EXCLUSIVE) for the block."""
    conn = sqlite3.connect(app.config["DATABASE_URL"][len("sqlite:///"):], isolation_level=None, timeout=10)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def snapshot(app):
    from pumasi import migrations
    with ctx(app):
        return {model.__name__: sorted(tuple(str(v) for v in row) for row in model.select().tuples())
                for model in migrations.MODELS}


@pytest.fixture
def locked_app(tmp_path, redis_url, short_lock_wait):
    """An app on SQLite whose requests wait 0.3 s for a lock; the demo world; vol1 verified."""
    from pumasi import demo
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'pumasi.db'}", redis_url, WTF_CSRF_ENABLED=False,
                    PORTAL_URL="http://127.0.0.1:9")
    with ctx(app):
        demo.seed()
        verify(app, "vol1")
    yield app
    if not db.is_closed():
        db.close()


def test_a_locked_database_is_a_korean_503_and_saves_nothing(locked_app):
    app = locked_app
    volunteer, site = app.test_client(), app.test_client()
    assert volunteer.post("/login", data={"username": "vol1", "password": "pumasi-demo"}).status_code == 303
    assert site.post("/login", data={"username": "site1", "password": "pumasi-demo"}).status_code == 303
    with ctx(app):
        pid = sendable("vol1")[0]
        activity = Activity.select().join(Site).where(Site.name == "CSV 총괄운영본부",
                                                      Activity.title == "작은 음악회 무대 설치 지원").get()
        people = {p.volunteer.username: p.id for p in activity.participations}
    day_form = {"date": "2025-10-18", "action": "save", "common_start": "", "common_end": ""}
    for username in ("vol1", "vol2"):
        day_form.update({f"start-n{people[username]}": "10:00", f"end-n{people[username]}": "12:00"})
    before = snapshot(app)
    posts = [(volunteer, f"/mypage/participations/{pid}/link", {}),
             (volunteer, "/mypage/identity/reset", {}),
             (site, f"/site/activities/{activity.id}/day", day_form)]
    with sqlite_locked(app):
        for client, url, data in posts:
            for headers in ({}, HX):
                response = client.post(url, data=data, headers=headers)
                assert response.status_code == 503, (url, response.status_code, response.text[:300])
                assert "잠시 후 다시 시도해 주세요" in response.text, url
                assert response.headers["Retry-After"]
                if headers:  # htmx: a notice in the modal, not a page inside a fragment
                    assert response.headers["HX-Retarget"] == "#modal" and "<html" not in response.text
                else:
                    assert 'lang="ko"' in response.text
        # Reading pages still works while a writer holds the lock (WAL).
        assert volunteer.get("/mypage/activities").status_code == 200
    assert snapshot(app) == before  # nothing half-saved
    # The same presses once the lock is gone work; a lock held shorter than the wait is not noticed.
    held = threading.Event()

    def hold_briefly():
        with sqlite_locked(app):
            held.set()
            clock.sleep(0.1)

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    assert held.wait(5)
    response = volunteer.post(f"/mypage/participations/{pid}/link", headers=HX)
    holder.join(5)
    assert response.status_code == 200 and "연계중" in response.text
    assert site.post(f"/site/activities/{activity.id}/day", data=day_form, headers=HX).status_code == 200
    with ctx(app):
        assert DailyLog.select().join(Participation).where(Participation.activity == activity,
                                                           DailyLog.date == date(2025, 10, 18)).count() == 2


# A worker's request whose job failed goes again once stalled: after LINK_STALL_AFTER, plus
# PORTAL_TIMEOUT while a call to 1365 may still be under way (5 + 10 s by the test defaults). With
# 1365 holding its answers 1 s, these keep every call within the timeout and the wait to seconds.
QUICK_STALL = {"PORTAL_TIMEOUT": 3.0, "LINK_STALL_AFTER": 2.0}


def start_impatient_worker(stack):
    """`python worker.py` whose SQLite connection waits 0.3 s for a lock instead of 10, so a lock
    held a few seconds makes its jobs fail (instead of only wait) and the retry path runs."""
    code = ("import runpy, pumasi.db; pumasi.db.SQLITE_PRAGMAS['busy_timeout'] = 300; "
            "runpy.run_path('worker.py', run_name='__main__')")
    process = stack.processes.start(f"worker{len(stack.workers)}", [helpers.python(), "-c", code],
                                    child_env(stack.app))
    stack.workers.append(process)
    return process


@contextlib.contextmanager
def postgres_locked(app, model):
    """Hold an ACCESS EXCLUSIVE lock on the model's table from another connection for the block."""
    import psycopg2
    conn = psycopg2.connect(app.config["DATABASE_URL"])
    try:
        with conn.cursor() as cur:
            cur.execute(f'LOCK TABLE "{model._meta.table_name}" IN ACCESS EXCLUSIVE MODE')
            yield
        conn.rollback()
    finally:
        conn.close()


def wait_for_submissions(stack, at_least=1, timeout=20):
    deadline = clock.monotonic() + timeout
    while sim_stats(stack)["submissions"] < at_least:
        assert clock.monotonic() < deadline, stack.processes.logs()[-3000:]
        clock.sleep(0.02)


@SQLITE_FAST_POSTGRES_SLOW
def test_the_worker_retries_when_the_database_is_locked(app, world):
    """The database is locked for three seconds while a worker applies 1365's answers: on SQLite its
    writes fail (database is locked) and the request is taken up again; on PostgreSQL it waits.
    Either way every date ends as 1365 says, recorded once."""
    sqlite = app.config["DATABASE_URL"].startswith("sqlite")
    app.config.update(QUICK_STALL)
    world.sim("faults", "--set", "timeout_rate=1", "--set", "timeout_s=1")  # answers held 1 s
    start_impatient_worker(world) if sqlite else world.start_worker()
    request_all(app, ["vol1"])
    wait_for_submissions(world)
    with (sqlite_locked(app) if sqlite else postgres_locked(app, DailyLog)):
        clock.sleep(3)
    world.sim("faults", "--clear")
    found = wait_until_final(app, ["vol1"], 45, world)
    assert_nothing_lost_nor_doubled(app, world, found)
    if sqlite:
        assert "database is locked" in world.processes.logs()  # it did fail, and got over it


@pytest.mark.parametrize("app", ["postgres"], indirect=True)
def test_postgres_unreachable_for_a_moment(app, world, client, auth):
    """PostgreSQL cannot be reached for three seconds while a worker is mid-way and a volunteer presses
    연계신청: the volunteer gets a Korean 503 and nothing is saved; afterwards the press works, and the
    worker takes its requests up again; nothing lost, nothing doubled."""
    import pumasi.db
    from urllib.parse import urlsplit
    url = urlsplit(app.config["DATABASE_URL"])
    proxy = TcpProxy(url.hostname or "127.0.0.1", url.port or 5432).start()
    through = url._replace(netloc=url.netloc.replace(f"{url.hostname}:{url.port}", f"127.0.0.1:{proxy.port}")
                           if url.port else url.netloc + f":{proxy.port}").geturl()
    assert str(proxy.port) in through
    app.config["DATABASE_URL"] = through  # the web (this process) and the worker (child_env) alike
    app.config.update(QUICK_STALL)
    pumasi.db.open_database(through)
    try:
        world.sim("faults", "--set", "timeout_rate=1", "--set", "timeout_s=1")
        world.start_worker()
        with ctx(app):
            verify(app, "vol2")
            vol2, *others = sendable("vol2")
        request_all(app, ["vol1"])
        assert auth.login("vol2").status_code == 303
        wait_for_submissions(world)
        proxy.cut()
        for headers in ({}, HX):
            response = client.post(f"/mypage/participations/{vol2}/link", headers=headers)
            assert response.status_code == 503, response.text[:500]
            assert "잠시 후 다시 시도해 주세요" in response.text
        page = client.get("/mypage/activities")
        assert page.status_code == 503 and 'lang="ko"' in page.text
        clock.sleep(3)
        proxy.restore()
        world.sim("faults", "--clear")
        with ctx(app):
            assert {log.link_state for log in DailyLog.select().where(DailyLog.participation == vol2)} == {DateState.UNSENT}
        # Back: the press works (a pooled connection broken by the outage may cost one more 503).
        statuses = []
        for _ in range(3):
            response = client.post(f"/mypage/participations/{vol2}/link", headers=HX)
            statuses.append(response.status_code)
            if response.status_code == 200:
                break
        assert statuses[-1] == 200 and "연계중" in response.text, statuses
        assert len(statuses) <= 2, statuses
        for pid in others:
            assert client.post(f"/mypage/participations/{pid}/link", headers=HX).status_code == 200
        found = wait_until_final(app, ["vol1", "vol2"], 60, world)
        assert_nothing_lost_nor_doubled(app, world, found)
    finally:
        proxy.cut()


# --- two tabs ---------------------------------------------------------------------------------------------


def test_two_tabs_press_link_and_relink_at_the_same_moment(app, world, client, auth):
    """Every activity of vol1 shows 연계실패; four tabs of the same session press 연계신청 (a stale tab)
    and 재연계 at the same instant: one request each, every date sent once."""
    with ctx(app):
        verify(app, "vol1")
        pids = sendable("vol1")
        DailyLog.update(link_state=DateState.FAILED, result_code=99).where(DailyLog.participation.in_(pids)).execute()
    assert auth.login("vol1").status_code == 303
    cookie = client.get_cookie("session").value
    tabs = []
    for _ in range(4):
        tab = app.test_client()
        tab.set_cookie("session", cookie)
        tabs.append(tab)
    for pid in pids:
        barrier = threading.Barrier(len(tabs))
        answers = []

        def press(tab, action):
            barrier.wait(10)
            answers.append(tab.post(f"/mypage/participations/{pid}/{action}", headers=HX))

        threads = [threading.Thread(target=press, args=(tab, ("link", "relink")[n % 2]))
                   for n, tab in enumerate(tabs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert [a.status_code for a in answers] == [200] * len(tabs), [a.text[:300] for a in answers]
        assert all("연계중" in a.text for a in answers)
    world.start_worker()
    found = wait_until_final(app, ["vol1"], 45, world)
    stats = assert_nothing_lost_nor_doubled(app, world, found)
    assert stats["submissions"] == len(found) and stats["received_twice"] == 0  # one ref per date


# --- long runs: workers killed mid-batch over 1,000 dates; every fault of 1365 at once, longer ----------


def fake_rrn(n):
    """A well-formed RRN that fails the pre-2020 check digit, so it is no real person's."""
    body = f"{80 + n:02d}0101" + "1" + f"{n:05d}"
    check = (11 - sum(int(d) * w for d, w in zip(body, [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5])) % 11) % 10
    return body + str((check + 1) % 10)


def volunteers_with_dates(app, stack, count, dates_each):
    """count new volunteers, each with a consenting 1365 account and dates_each dates: {username: rrn}."""
    rrns = {}
    with ctx(app):
        for n in range(1, count + 1):
            username, name = f"many{n}", f"봉사자{n:02d}"
            volunteer = Member(username=username, name=name, role="volunteer")
            volunteer.set_password("pumasi-demo")
            volunteer.save()
            rrns[username] = fake_rrn(n)
            stack.sim("add-account", "--name", name, "--user-id", f"{username}1365", "--rrn", rrns[username],
                      "--consent")
    for username in rrns:
        more_dates(app, username, dates_each)
    return rrns


@pytest.mark.slow
def test_workers_killed_mid_batch_over_1000_dates(app, world):
    """1,000 dates of five volunteers; the worker is SIGKILLed again and again — right after 1365
    received a batch whose answer it holds, or at a random moment — and a new one started: every
    date ends 300, and 1365 recorded each once, under one ref (no 300 counted twice, no 400)."""
    app.config.update(QUICK_STALL, LINK_BATCH_SIZE=100)  # six kills in seconds each, not minutes
    rrns = volunteers_with_dates(app, world, 5, 200)
    usernames = list(rrns)
    # 1365 takes a moment per call and holds every answer for a second after recording: a worker
    # killed right after 1365 received its batch has never seen the answer (so the batch goes again).
    world.sim("faults", "--set", "latency_ms=150", "--set", "timeout_rate=1", "--set", "timeout_s=1")
    worker = world.start_worker()
    request_all(app, usernames, rrns=rrns)
    total = len(outcomes(app, usernames))
    assert total == 1000
    rng = random.Random(1365)
    seen, kills = 0, 0
    while kills < 6 and seen < total:
        if kills % 2 == 0:  # right after 1365 received a batch: the worker waits for its answer
            deadline = clock.monotonic() + 40
            while sim_stats(world)["submissions"] <= seen and clock.monotonic() < deadline:
                clock.sleep(0.01)
        else:
            clock.sleep(rng.uniform(0.3, 2.0))
        seen = sim_stats(world)["submissions"]
        world.processes.kill(worker)  # SIGKILL to its process group: the worker and its scheduler
        world.workers.remove(worker)
        kills += 1
        worker = world.start_worker()
    assert kills >= 3, "1365 took everything before the worker could be killed thrice"
    world.sim("faults", "--clear")
    found = wait_until_final(app, usernames, 150, world)
    stats = assert_nothing_lost_nor_doubled(app, world, found)
    assert stats["recorded"] == stats["submissions"] == total, stats  # one ref per date, each recorded once
    assert stats["received_twice"] >= 1  # a dead worker's batch went again under its refs, counted once


@pytest.mark.slow
def test_1365_faults_at_once_over_many_dates_and_workers(app, world):
    """Harder and longer than the fast run: over 300 dates, three workers, 1365 slow and failing a third
    of its calls, 99 for a third of the dates; final states as 1365's rules give, none doubled."""
    # Backoff from 0.05 s: the eighth try comes 6 s after the first, not 25 s.
    app.config.update(LINK_MAX_TRIES=8, PORTAL_TIMEOUT=PORTAL_TIMEOUT_UNDER_LOAD, LINK_BATCH_SIZE=50,
                      LINK_RETRY_BASE=0.05)
    rrns = volunteers_with_dates(app, world, 2, 150)
    rrns.update(RRNS)
    world.sim("faults", "--set", "latency_ms=300", "--set", "error_rate=0.15", "--set", "drop_rate=0.1",
              "--set", "timeout_rate=0.1", "--set", f"timeout_s={PORTAL_TIMEOUT_UNDER_LOAD + 0.5}",
              "--set", "code99_rate=0.3")
    for _ in range(3):
        world.start_worker()
    usernames = list(rrns)
    request_all(app, usernames, rrns=rrns)
    found = wait_until_final(app, usernames, 150, world)
    stats = assert_nothing_lost_nor_doubled(app, world, found, allow_99=True)
    assert sum(1 for _, _, code in found.values() if code == 99) <= len(found) // 20, stats
