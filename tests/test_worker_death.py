"""What a SIGKILLed `python worker.py` leaves behind (issue 11): its RQ scheduler, a forked child,
dies with it (and frees the queue's scheduler lock) instead of living on as an orphan; the jobs it was
running leave the started-jobs registry, and the worker the monitor's list, at the next sweep instead
of a minute and a half later."""
import os
import signal
import time

import redis
from rq.registry import StartedJobRegistry
from rq.scheduler import SCHEDULER_KEY_TEMPLATE

import helpers
from pumasi.jobs.connection import get_queue
from pumasi.jobs.status import queue_report

from helpers import child_env


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _children(pid):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(name))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return found


def _wait(condition, seconds, message):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def test_the_scheduler_dies_with_a_sigkilled_worker(app, processes):
    conn = redis.Redis.from_url(app.config["REDIS_URL"])
    lock = f"rq:scheduler-lock:{app.config['QUEUE_NAME']}"
    worker = processes.start("worker", [helpers.python(), "worker.py"], child_env(app))
    # Its scheduler at work: it beats (its signal handlers are in place by then; a SIGTERM before
    # that ends it before it can free the lock, which the next worker's sweeper frees 10 s later).
    _wait(lambda: conn.get(lock) and conn.hget(SCHEDULER_KEY_TEMPLATE % conn.get(lock).decode(), "last_heartbeat")
          and _children(worker.pid), 30, "the worker started no scheduler")
    scheduler = _children(worker.pid)[0]
    os.kill(worker.pid, signal.SIGKILL)  # the worker alone, as a supervisor that kills its pid does
    worker.wait(10)
    try:
        _wait(lambda: not _alive(scheduler), 10, "the scheduler outlived its worker")
        _wait(lambda: conn.get(lock) is None, 15, "the dead scheduler kept the queue's scheduler lock")
    finally:  # an orphan left by a failure: the fixture stops only groups whose leader still runs
        try:
            os.killpg(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_killed_workers_job_leaves_the_started_registry_at_the_next_sweep(app, processes):
    first = processes.start("worker1", [helpers.python(), "worker.py"], child_env(app))
    registry = StartedJobRegistry(queue=get_queue(app))
    get_queue(app).enqueue("time.sleep", 60, job_timeout=600)
    _wait(lambda: registry.get_job_ids(cleanup=False), 30, "the job never started")
    processes.kill(first)  # SIGKILL to the worker and its scheduler
    killed = time.monotonic()
    processes.start("worker2", [helpers.python(), "worker.py"], child_env(app))
    _wait(lambda: not registry.get_job_ids(cleanup=False), 20, "the dead worker's job stayed in the started registry")
    assert time.monotonic() - killed < 20  # RQ alone: its entry expires after 90 s
    report = queue_report(app)
    assert report["started"] == 0 and len(report["workers"]) == 1, report
