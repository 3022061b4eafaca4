"""The jobs of an operator's import (pumasi.transfer.runs): preview and save run in a worker, telling
their progress to a Redis hash the page reads, so the operator may leave and come back."""
import logging
import time

from redis import RedisError

from ..clock import today_kst
from ..db import db
from ..transfer import runs
from .connection import connection, enqueue
from .tasks import _app

log = logging.getLogger("pumasi.jobs")
PROGRESS_TTL = 86400


def _key(app, run_id):
    return f"pumasi:{app.config['QUEUE_NAME']}:import:{run_id}"


def _reporter(app, run_id):
    """progress(phase, done, total) written to Redis at most every 0.2 s (and always at the end)."""
    last = [0.0]

    def progress(phase, done, total):
        now = time.monotonic()
        if done < total and now - last[0] < 0.2:
            return
        last[0] = now
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
    """Queue preview_import or save_import for a run; False when Redis is unreachable."""
    try:
        enqueue(app, f"{__name__}.{job}", run_id)
    except (RedisError, OSError) as exc:
        log.warning("queue unreachable for import run %d (%s)", run_id, exc)
        return False
    return True
