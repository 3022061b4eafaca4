"""What the queue and 1365 last said, for the operators' monitor and /healthz: Redis, the workers
and their heartbeats, queued/scheduled/running/failed jobs, and 1365's last answer."""
from datetime import datetime, timezone

import redis
from rq import Worker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from ..clock import KST
from .connection import connection, get_queue

ANSWERED_FORMAT = "%Y-%m-%d %H:%M:%S"  # Korea's time, as the monitor shows it


def portal_key(app):
    """Where 1365's last answer is kept (per queue, so deployments sharing a Redis do not meet)."""
    return f"pumasi:{app.config['QUEUE_NAME']}:portal:last"


def record_portal_answer(app, ok, detail):
    """Remember 1365's last answer (for the operators' monitor); never fails the caller."""
    try:
        connection(app).hset(portal_key(app), mapping={
            "at": datetime.now(KST).strftime(ANSWERED_FORMAT), "ok": "1" if ok else "0",
            "detail": str(detail)[:200]})
    except (redis.RedisError, OSError):
        pass


def _workers(queue, now):
    found = []
    for worker in Worker.all(queue=queue):
        beat = worker.last_heartbeat
        if beat is not None and beat.tzinfo is None:
            beat = beat.replace(tzinfo=timezone.utc)
        found.append({"name": worker.name, "state": str(worker.get_state()),
                      "seconds": int((now - beat).total_seconds()) if beat else None})
    return found


def queue_report(app):
    """Redis, workers and their heartbeats, queued/scheduled/running/failed jobs, 1365's last answer."""
    report = {"redis": False, "workers": [], "queued": None, "scheduled": None, "started": None,
              "failed": None, "portal": {}}
    try:
        conn = connection(app)
        conn.ping()
        queue = get_queue(app)
        report.update(redis=True, workers=_workers(queue, datetime.now(timezone.utc)), queued=queue.count,
                      scheduled=ScheduledJobRegistry(queue=queue).count,
                      started=StartedJobRegistry(queue=queue).count, failed=FailedJobRegistry(queue=queue).count,
                      portal={k.decode(): v.decode() for k, v in conn.hgetall(portal_key(app)).items()})
    except (redis.RedisError, OSError, RuntimeError) as exc:
        report["error"] = type(exc).__name__
    return report
