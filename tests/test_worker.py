"""The whole linkage pipeline with real processes: RQ workers (`python worker.py`, and a plain `rq
worker` with pumasi's worker class), the 1365 simulator and Redis. Requests are made and queued exactly
as the 연계신청 view does (`request_linkage`, then `enqueue_request`); from there on no test code
touches the linkage domain.
"""
import contextlib
import logging
import sqlite3
import time as clock
from datetime import timedelta

import pytest
import redis

from pumasi import create_app, settings
from pumasi.clock import utcnow
from pumasi.jobs import sweeper
from pumasi.linkage import delivery
from pumasi.linkage.state import DateState
from pumasi.models import DailyLog, LinkAttempt, LinkRequest
from pumasi.portal import adapter

import helpers
from helpers import (assert_nothing_lost_nor_doubled, child_env, ctx, outcomes, request_all, sim_stats,
                     wait_until_final)

def assert_linked_once(app, stack, found):
    """Every date ended as 1365's rules say, 1365 recorded each vol1 date exactly once, and every
    request has finished."""
    stats = assert_nothing_lost_nor_doubled(app, stack, found)
    vol1_dates = sum(1 for username, _, _ in found.values() if username == "vol1")
    assert stats["recorded"] == vol1_dates
    assert stats["by_code"].get("300") == vol1_dates  # never a second 300 for a date
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
    ids = request_all(app, usernames)
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
    request_all(app, usernames)
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
    assert 0 < recorded < len(outcomes(app, usernames))  # it died mid-way
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
                  REDIS_URL=f"redis://127.0.0.1:{helpers.free_port()}/0")
    return create_app(config)


def test_redis_down_at_request_time_is_delivered_by_the_sweeper(app, pipeline, caplog):
    pipeline.start_worker()
    dead = _app_with_dead_redis(app)
    caplog.set_level(logging.WARNING, logger="pumasi.jobs")
    started = clock.monotonic()
    ids = request_all(dead, ["vol1"])
    assert clock.monotonic() - started < 10  # an unreachable queue does not hang the request
    assert "queue unreachable" in caplog.text
    with ctx(app):
        # Saved, pending, and never queued.
        requests_ = list(LinkRequest.select().where(LinkRequest.id.in_(ids)))
        assert len(requests_) == len(ids) and all(r.enqueued_at is None for r in requests_)
    assert {state for _, state, _ in outcomes(app, ["vol1"]).values()} == {DateState.PENDING}
    # The worker's sweeper (every LINK_SWEEP_INTERVAL) finds them and sends them.
    found = wait_until_final(app, ["vol1"], 30, pipeline)
    assert_linked_once(app, pipeline, found)
    with ctx(app):
        assert all(r.enqueued_at is not None for r in LinkRequest.select().where(LinkRequest.id.in_(ids)))


def test_sweep_resumes_a_request_whose_jobs_were_lost(app, pipeline, processes):
    """`sweeper.sweep` (the worker's sweeper, `flask linkage sweep`) takes up requests nobody works on,
    and moves each a real step on by itself, without relying on a delayed job that may be lost."""
    ids = request_all(app, ["vol1"], enqueue=False)  # their jobs were lost
    with ctx(app):
        # The first got as far as 1365 before its worker died: sent and answered, never polled.
        delivery.submit_batch([ids[0]], adapter.load(app.config), app.extensions["rrn_vault"], app.config)
        assert {state for state, _ in states_of_request(ids[0])} == {DateState.PENDING}
        LinkRequest.update(next_check_at=utcnow() - timedelta(seconds=1)).where(LinkRequest.id == ids[0]).execute()
        assert {r.id for r in delivery.stalled_requests()} == set(ids)
    clock.sleep(app.config["SIM1365_DELAY"] + 0.2)  # 1365 has released its answers
    assert sweeper.sweep(app) == len(ids)
    with ctx(app):
        assert delivery.stalled_requests() == []  # queued now: not stalled again at once
    assert sweeper.sweep(app) == 0
    # One pass of a worker over the queue (no delayed job runs in it) finishes the first request:
    # the resumed job fetched the answers itself.
    burst = processes.start("burst", [helpers.python(), "worker.py", "--burst"], child_env(app))
    assert burst.wait(30) == 0, processes.logs()[-3000:]
    with ctx(app):
        assert set(states_of_request(ids[0])) == {(DateState.SUCCEEDED, 300)}
    pipeline.start_worker()
    found = wait_until_final(app, ["vol1"], 30, pipeline)
    assert_linked_once(app, pipeline, found)


def states_of_request(request_id):
    return [(log.link_state, log.result_code) for log in
            DailyLog.select().join(LinkAttempt).where(LinkAttempt.request == request_id).distinct()]


def test_a_plain_rq_worker_with_pumasis_worker_class_runs_the_jobs(app, pipeline, processes):
    """`rq worker -w pumasi.worker.AppWorker … --with-scheduler <queue>` (README): the class builds the
    app once when it starts, and the jobs, which never build one, run inside it to the end."""
    command = [helpers.python(), "-m", "rq.cli", "worker", "-w", "pumasi.worker.AppWorker", "--url",
               app.config["REDIS_URL"], "--with-scheduler", app.config["QUEUE_NAME"]]
    worker = processes.start("rq-worker", command, child_env(app))
    request_all(app, ["vol1"])
    found = wait_until_final(app, ["vol1"], 30, pipeline)
    assert worker.poll() is None, processes.logs()[-3000:]
    assert_linked_once(app, pipeline, found)
