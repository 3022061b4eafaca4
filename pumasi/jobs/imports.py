"""The jobs of an operator's import (pumasi.transfer.runs): preview and save run in a worker, telling
their progress to a Redis hash the page reads, so the operator may leave and come back."""
import logging
import time
import uuid
from datetime import timedelta

from redis import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from ..clock import today_kst
from ..db import db
from ..transfer import runs
from .connection import connection, enqueue
from .tasks import _app

log = logging.getLogger("pumasi.jobs")
PROGRESS_TTL = 86400
ALIVE = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.STARTED)


def _key(app, run_id):
    return f"pumasi:{app.config['QUEUE_NAME']}:import:{run_id}"


def _reporter(app, run_id):
    """progress(phase, done, total) written to Redis at most every 0.2 s (and always at the end, and
    when the phase changes: 저장 shows as soon as the save writes)."""
    last = [0.0, None]

    def progress(phase, done, total):
        now = time.monotonic()
        if done < total and now - last[0] < 0.2 and phase == last[1]:
            return
        last[:] = [now, phase]
        try:
            conn = connection(app)
            conn.hset(_key(app, run_id), mapping={"phase": phase, "done": done, "total": total})
            conn.expire(_key(app, run_id), PROGRESS_TTL)
        except (RedisError, OSError):  # the page then shows the state without a number
            pass
    return progress


def progress_of(app, run_id):
    """(phase, done, total) of a running import, or None."""
    try:
        found = connection(app).hgetall(_key(app, run_id))
    except (RedisError, OSError):
        return None
    if not found:
        return None
    return found[b"phase"].decode(), int(found[b"done"]), max(int(found[b"total"]), 1)


def _run(step, run_id):
    app, started = _app(), time.monotonic()
    with db.connection_context():
        run = step(run_id, today_kst(), app.config, _reporter(app, run_id))
    log.info("job import %s: run %d %s, %d lines (%.2fs)", step.__name__, run_id, run.state, run.lines,
             time.monotonic() - started)


def preview_import(run_id):
    """Read and check an uploaded import file."""
    _run(runs.preview, run_id)


def save_import(run_id):
    """Save an import file whole, as the operator chose."""
    _run(runs.save, run_id)


def queue(app, job, run_id):
    """Queue preview_import or save_import for a run; False when Redis is unreachable. The job's id is
    noted on the run first: a job the queue never got is lost too, and the sweep says so."""
    job_id = f"import-{run_id}-{uuid.uuid4().hex}"
    runs.record_job(run_id, job, job_id)
    try:
        enqueue(app, f"{__name__}.{job}", run_id, job_id=job_id)
    except (RedisError, OSError) as exc:
        log.warning("queue unreachable for import run %d (%s)", run_id, exc)
        return False
    return True


def _status(conn, job_id):
    try:
        return Job.fetch(job_id, connection=conn).get_status(refresh=False)
    except NoSuchJobError:
        return None


def working_on(app, run):
    """Whether the job noted on the run still waits or runs (Redis unreachable: it cannot be, say no)."""
    if not run.job_id:
        return False
    try:
        return _status(connection(app), run.job_id) in ALIVE
    except (RedisError, OSError):
        return False


def fail_abandoned(app, now):
    """Import runs still 확인 중/저장 중 whose job no longer waits or runs (its worker killed, the job
    failed or timed out, lost with Redis) are failed with a message that 다시 시도 is safe; their ids.
    A job gets LINK_STALL_AFTER seconds from being queued before it is judged. (A killed worker's
    started job is failed by RQ's clean-up, which the sweep runs first: sweeper.forget_dead_workers.)"""
    conn = connection(app)
    queued_before = now - timedelta(seconds=app.config["LINK_STALL_AFTER"])
    return [run.id for run in runs.waiting_on_jobs(queued_before)
            if _status(conn, run.job_id) not in ALIVE and runs.abandon(run)]
