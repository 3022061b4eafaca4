"""The whole linkage pipeline with real processes: RQ workers (`python worker.py`), the 1365 simulator
and Redis. Requests are made and queued exactly as the 연계신청 view does (`request_linkage`, then
`jobs.enqueue_request`); from there on no test code touches the linkage domain.
"""
import contextlib
import logging
import sqlite3
import time as clock
from datetime import timedelta

import pytest
import redis

from pumasi import create_app, identity, jobs, linkage, settings
from pumasi.models import (FAILED, PENDING, SUCCEEDED, DailyLog, LinkAttempt, LinkRequest, Member, Participation,
                           utcnow)
from pumasi.portal1365 import Portal1365

import support
from support import ctx, member, sim_stats
from conftest import child_env

RRNS = {"vol1": support.RRN_VOL1, "vol2": support.RRN_VOL2, "vol3": support.RRN_VOL3}
# What 1365 (the simulator's demo accounts) answers each demo volunteer.
EXPECTED = {"vol1": (SUCCEEDED, 300), "vol2": (FAILED, 200), "vol3": (FAILED, 100)}


def request_everything(app, usernames, enqueue=True):
    """본인인증 and 연계신청 of every participation of the volunteers that has something to send,
    as the view does it: the request is committed, then queued. Returns the requests' ids."""
    ids = []
    with ctx(app):
        vault = app.extensions["rrn_vault"]
        for username in usernames:
            volunteer = member(username)
            linkage.save_identity(volunteer, vault.encrypt(RRNS[username]), identity.mask(RRNS[username]),
                                  volunteer)
            for p in Participation.select().where(Participation.volunteer == volunteer).order_by(Participation.id):
                try:
                    request = linkage.request_linkage(p, volunteer)
                except linkage.NoDailyLogs:
                    continue
                if request is not None:
                    ids.append(request.id)
                    if enqueue:
                        jobs.enqueue_request(app, request.id)
    assert ids
    return ids


def dates_of(app, usernames):
    """{(username, daily log id): (link_state, result_code)} of every date the requests covered."""
    with ctx(app):
        query = (DailyLog.select(DailyLog, Participation, Member)
                 .join(Participation).join(Member)
                 .where(Member.username.in_(usernames), Participation.legacy_linked == False))  # noqa: E712
        return {(log.participation.volunteer.username, log.id): (log.link_state, log.result_code)
                for log in query}


def wait_until_final(app, usernames, timeout, stack=None):
    """Wait until no date of the volunteers is pending; fail with the workers' logs if it takes too long."""
    deadline = clock.monotonic() + timeout
    while True:
        found = dates_of(app, usernames)
        if found and all(state != PENDING for state, _ in found.values()):
            return found
        if clock.monotonic() > deadline:
            logs = stack.processes.logs()[-4000:] if stack else ""
            pytest.fail(f"dates still pending after {timeout}s: {found}\n{logs}")
        clock.sleep(0.2)


def assert_linked_once(app, stack, found):
    """Every date ended as 1365's rules say, and 1365 recorded each vol1 date exactly once."""
    for (username, _), outcome in found.items():
        assert outcome == EXPECTED[username], (username, outcome)
    vol1_dates = sum(1 for username, _ in found if username == "vol1")
    stats = sim_stats(stack)
    assert stats["recorded"] == vol1_dates
    assert stats["by_code"].get("300") == vol1_dates  # never a second 300 for a date
    assert "400" not in stats["by_code"]              # nor a resend under a new ref
    with ctx(app):
        assert LinkRequest.select().where(LinkRequest.finished_at.is_null()).count() == 0
    return stats


@pytest.fixture
def pipeline(stack, demo):
    """The demo world, the simulator and (started by each test) the workers."""
    return stack.start_sim()


def test_worker_links_every_volunteer(app, pipeline):
    """Several volunteers at once, two workers: every date reaches its final answer."""
    pipeline.start_worker()
    pipeline.start_worker()
    usernames = ["vol1", "vol2", "vol3"]
    ids = request_everything(app, usernames)
    with ctx(app):
        assert all(r.enqueued_at is not None for r in LinkRequest.select().where(LinkRequest.id.in_(ids)))
    found = wait_until_final(app, usernames, 30, pipeline)
    stats = assert_linked_once(app, pipeline, found)
    assert stats["received_twice"] == 0
    with ctx(app):
        # One request per participation, one attempt per date: nothing sent twice.
        assert LinkAttempt.select().count() == len(found)
        assert all(r.finished_at is not None for r in LinkRequest.select())


def test_killed_worker_neither_loses_nor_doubles_a_date(app, pipeline, processes):
    """A worker is SIGKILLed while 1365 holds a batch it has recorded but not yet answered; a new
    worker delivers everything, and 1365 records each date once."""
    # 1365 records each batch at once, then holds its answer for a while.
    pipeline.sim("faults", "--set", "timeout_rate=1", "--set", "timeout_s=3")
    # Several batches, so that the worker dies between them; a held answer (3 s) within the timeout,
    # and a short stall time, so that the dead worker's requests go again in seconds, not 15.
    app.config.update(LINK_BATCH_SIZE=5, PORTAL_TIMEOUT=4.0, LINK_STALL_AFTER=2.0)
    worker = pipeline.start_worker()
    usernames = ["vol1", "vol2", "vol3"]
    request_everything(app, usernames)
    deadline = clock.monotonic() + 20
    while sim_stats(pipeline)["submissions"] == 0:
        assert clock.monotonic() < deadline, processes.logs()[-3000:]
        clock.sleep(0.02)
    conn = redis.Redis.from_url(app.config["REDIS_URL"])
    scheduler_lock = f"rq:scheduler-lock:{app.config['QUEUE_NAME']}"
    dead_scheduler = conn.get(scheduler_lock)
    assert dead_scheduler is not None
    processes.kill(worker)  # SIGKILL to its whole process group (the worker and its scheduler)
    killed_at = clock.monotonic()
    recorded = sim_stats(pipeline)["submissions"]
    assert 0 < recorded < len(dates_of(app, usernames))  # it died mid-way
    pipeline.sim("faults", "--clear")
    pipeline.start_worker()
    found = wait_until_final(app, usernames, 45, pipeline)
    stats = assert_linked_once(app, pipeline, found)
    # The batch the dead worker had sent went again under the same refs, and counted once.
    assert stats["received_twice"] >= 1
    with contextlib.closing(sqlite3.connect(app.config["SIM1365_DB"])) as store:
        assert store.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == len(found)
    # The new worker took over the dead one's scheduler (its lock would otherwise hold for a minute
    # and more, and every delayed poll and retry with it).
    while conn.get(scheduler_lock) in (None, dead_scheduler):
        assert clock.monotonic() - killed_at < 30, "the dead worker's scheduler lock was never taken over"
        clock.sleep(0.2)


def _app_with_dead_redis(app):
    """A second app on the same database whose REDIS_URL points at a port nobody listens on."""
    config = {setting.key: app.config[setting.key] for setting in settings.SETTINGS}
    config.update(INSTANCE_PATH=app.instance_path, TESTING=True,
                  REDIS_URL=f"redis://127.0.0.1:{support.free_port()}/0")
    return create_app(config)


def test_redis_down_at_request_time_is_delivered_by_the_sweeper(app, pipeline, caplog):
    pipeline.start_worker()
    dead = _app_with_dead_redis(app)
    caplog.set_level(logging.WARNING, logger="pumasi.jobs")
    started = clock.monotonic()
    ids = request_everything(dead, ["vol1"])
    assert clock.monotonic() - started < 10  # an unreachable queue does not hang the request
    assert "queue unreachable" in caplog.text
    with ctx(app):
        # Saved, pending, and never queued.
        requests_ = list(LinkRequest.select().where(LinkRequest.id.in_(ids)))
        assert len(requests_) == len(ids) and all(r.enqueued_at is None for r in requests_)
    assert {state for state, _ in dates_of(app, ["vol1"]).values()} == {PENDING}
    # The worker's sweeper (every LINK_SWEEP_INTERVAL) finds them and sends them.
    found = wait_until_final(app, ["vol1"], 30, pipeline)
    assert_linked_once(app, pipeline, found)
    with ctx(app):
        assert all(r.enqueued_at is not None for r in LinkRequest.select().where(LinkRequest.id.in_(ids)))


def test_sweep_resumes_a_request_whose_jobs_were_lost(app, pipeline, processes):
    """`jobs.sweep` (the worker's sweeper, `flask linkage sweep`) takes up requests nobody works on,
    and moves each a real step on by itself, without relying on a delayed job that may be lost."""
    ids = request_everything(app, ["vol1"], enqueue=False)  # their jobs were lost
    with ctx(app):
        # The first got as far as 1365 before its worker died: sent and answered, never polled.
        linkage.submit_batch(ids[0], Portal1365.from_config(app.config), app.extensions["rrn_vault"],
                             app.config)
        assert {state for state, _ in states_of_request(ids[0])} == {PENDING}
        LinkRequest.update(next_check_at=utcnow() - timedelta(seconds=1)).where(LinkRequest.id == ids[0]).execute()
        assert {r.id for r in linkage.stalled_requests()} == set(ids)
    clock.sleep(app.config["SIM1365_DELAY"] + 0.2)  # 1365 has released its answers
    assert jobs.sweep(app) == len(ids)
    with ctx(app):
        assert linkage.stalled_requests() == []  # queued now: not stalled again at once
    assert jobs.sweep(app) == 0
    # One pass of a worker over the queue (no delayed job runs in it) finishes the first request:
    # the resumed job fetched the answers itself.
    burst = processes.start("burst", [support.python(), "worker.py", "--burst"], child_env(app))
    assert burst.wait(30) == 0, processes.logs()[-3000:]
    with ctx(app):
        assert set(states_of_request(ids[0])) == {(SUCCEEDED, 300)}
    pipeline.start_worker()
    found = wait_until_final(app, ["vol1"], 30, pipeline)
    assert_linked_once(app, pipeline, found)


def states_of_request(request_id):
    return [(log.link_state, log.result_code) for log in
            DailyLog.select().join(LinkAttempt).where(LinkAttempt.request == request_id).distinct()]
