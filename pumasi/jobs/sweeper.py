"""The sweeper: requests nobody works on any more (a lost job, a killed worker, Redis down when they
were made) are queued again, and what dead workers left behind in RQ is freed. Each `python worker.py`
sweeps every LINK_SWEEP_INTERVAL seconds (one at a time per queue); `flask linkage sweep` does it once."""
import logging
import os
import socket
from datetime import datetime, timezone

from redis import RedisError
from rq import Worker
from rq.executions import Execution
from rq.registry import StartedJobRegistry
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
from rq.utils import utcparse

from ..clock import utcnow
from ..db import db
from ..linkage.delivery import stalled_requests
from ..ops import certificate
from ..records import uploads
from ..transfer import runs
from . import alerting, imports
from .connection import connection, get_queue
from .tasks import queue_requests

log = logging.getLogger(__name__)

_RELEASE_IF_HELD_BY = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def release_dead_scheduler(app, stale_after=10.0):
    """Free the queue's RQ scheduler lock when the scheduler holding it stopped beating; True if freed.

    Delayed jobs (polls, retries) reach the queue only through the one scheduler that holds the
    queue's lock. A worker killed with SIGKILL leaves that lock behind for a minute, and a new worker
    tries to take it only at its maintenance time, so without this the delayed steps would wait. The
    scheduler beats every second; a lock whose holder has not beaten for stale_after seconds is
    released (only if it is still that holder's), and the next worker maintenance takes it.
    """
    conn = connection(app)
    lock_key = RQScheduler.get_locking_key(app.config["QUEUE_NAME"])
    holder = conn.get(lock_key)
    if holder is None:
        return False
    beat = conn.hget(SCHEDULER_KEY_TEMPLATE % holder.decode(), "last_heartbeat")
    if beat is None:
        return False  # a scheduler between taking the lock and its first beat
    age = (datetime.now(timezone.utc) - utcparse(beat.decode())).total_seconds()
    if age <= stale_after:
        return False
    return bool(conn.eval(_RELEASE_IF_HELD_BY, 1, lock_key, holder))


def _worker_gone(conn, name, host):
    """Whether the RQ worker of that name is gone: its key expired, or it ran on this host and its
    process no longer exists (a SIGKILLed worker's key lives on for its TTL)."""
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection=conn)
    if worker is None:
        return True
    if worker.hostname != host or not worker.pid:
        return False
    try:
        os.kill(worker.pid, 0)
    except ProcessLookupError:
        worker.register_death()  # off the monitor's list at once
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def forget_dead_workers(app):
    """Jobs that a worker which is gone was running: handed to RQ's own clean-up for abandoned jobs
    now, not when their entry expires (a minute and a half later): the monitor's running count and
    list of workers stop showing what died. Their link requests are taken up by the sweeper as ever.
    Returns the job ids handed over."""
    conn = connection(app)
    registry = StartedJobRegistry(queue=get_queue(app))
    host, gone = socket.gethostname(), {}
    abandoned = []
    for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
        try:
            worker_name = Execution.fetch(execution_id, job_id, conn).worker_name
        except ValueError:  # the execution's record expired already: RQ's clean-up has it
            continue
        if worker_name not in gone:
            gone[worker_name] = _worker_gone(conn, worker_name, host)
        if gone[worker_name]:
            conn.zadd(registry.key, {f"{job_id}:{execution_id}": 0}, xx=True)
            abandoned.append(job_id)
    if abandoned:
        registry.cleanup(timestamp=1)
    return abandoned


def sweep(app):
    """Queue again every stalled request (lost job, killed worker, Redis down at request time), to be
    taken up by resume_requests; returns how many were queued. Expired uploaded files and the
    verification page's look-ups past their retention are deleted, and import runs whose job is gone
    are failed."""
    with app.app_context(), db.connection_context():
        runs.drop_expired()  # uploaded files (names, phones) go once expired, not at the next upload
        uploads.drop_expired()
        # Each look-up holds the checker's address: kept CERTIFICATE_CHECK_DAYS (an indexed range).
        certificate.drop_old_checks(app.config["CERTIFICATE_CHECK_DAYS"], utcnow())
        failed = imports.fail_abandoned(app, utcnow())  # after forget_dead_workers: a killed job is failed
        if failed:
            log.warning("import runs whose job is gone marked failed: %s", ", ".join(map(str, failed)))
        ids = [request.id for request in stalled_requests()]
        if ids and queue_requests(app, ids, "resume_requests"):
            return len(ids)
    return 0


def _sweep_once(app, interval):
    # A dead worker's scheduler lock would hold up every delayed step for a minute or more.
    if release_dead_scheduler(app):
        log.warning("released the scheduler lock of a dead RQ scheduler; a live worker takes over")
    abandoned = forget_dead_workers(app)
    if abandoned:
        log.warning("jobs of workers that are gone handed to RQ's clean-up: %s", ", ".join(abandoned))
    # One sweeper at a time per queue (several deployments may share one Redis).
    if connection(app).set(f"pumasi:sweep-lock:{app.config['QUEUE_NAME']}", "1", nx=True,
                           ex=max(int(interval) - 1, 1)):
        count = sweep(app)
        if count:
            log.info("sweeper re-queued %d link requests", count)


def check_alerts(app, interval):
    """The operators' alerts (pumasi.jobs.alerting), checked by one worker per interval; by every
    worker when Redis cannot say which (the database keeps them from alerting twice)."""
    try:
        mine = connection(app).set(f"pumasi:alert-lock:{app.config['QUEUE_NAME']}", "1", nx=True,
                                   ex=max(int(interval) - 1, 1))
    except (RedisError, OSError):
        mine = True
    if mine:
        alerting.run(app)


def sweep_forever(app, stop):
    """Sweep, and check the alerts, every LINK_SWEEP_INTERVAL seconds until stop is set."""
    interval = app.config["LINK_SWEEP_INTERVAL"]
    while not stop.wait(interval):
        for step in (_sweep_once, check_alerts):
            try:
                step(app, interval)
            except (RedisError, OSError) as exc:
                log.warning("sweeper: queue unreachable (%s)", exc)
            except Exception:
                log.exception("sweeper failed")
