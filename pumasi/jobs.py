"""RQ jobs: take ids, give the linkage domain an app, a connection and the next step's schedule."""
import functools
import logging
import threading
import time
from datetime import timedelta

from flask import current_app, has_app_context
from redis import RedisError

from . import config_store, linkage, notify
from .db import db
from .portal1365 import Portal1365, endpoint_host
from .queue import connection, forget_dead_workers, get_queue, record_portal_answer, release_dead_scheduler

log = logging.getLogger(__name__)

_standalone_app = None
_lock = threading.Lock()


def _application():
    """The current app, or one built once per process (so a plain `rq worker` runs these jobs)."""
    global _standalone_app
    if has_app_context():
        return current_app._get_current_object()
    with _lock:
        if _standalone_app is None:
            from . import create_app
            _standalone_app = create_app()
    return _standalone_app


def _portal(app):
    """The 1365 client of the jobs. Its endpoint, key and organisation code come only from the
    environment (app.config; the console cannot change them). When it is built, the host the
    dates go to is logged and audited if it is not the one last audited (a first use counts)."""
    key = tuple(app.config[name] for name in ("PORTAL_URL", "PORTAL_API_KEY", "ORG_CODE", "PORTAL_TIMEOUT"))
    cached = app.extensions.get("portal1365")
    if cached is None or cached[0] != key:
        host = endpoint_host(app.config["PORTAL_URL"])
        before = linkage.note_endpoint(host)
        if before is not None:
            log.warning("1365 endpoint: linkage goes to %s (before: %s)", host, before or "none")
        portal = Portal1365.from_config(app.config, lambda ok, detail: record_portal_answer(app, ok, detail))
        cached = app.extensions["portal1365"] = (key, portal)
    return cached[1]


def probe_portal(app):
    """Test the connection to 1365 now (the endpoint of the environment): (ok, detail)."""
    return Portal1365.from_config(app.config, lambda ok, detail: record_portal_answer(app, ok, detail)).health()


# Requests one job takes up at once: their dates go to 1365 in shared batches of LINK_BATCH_SIZE.
CHUNK = 100
JOB_OPTIONS = {"job_timeout": 600, "result_ttl": 0, "failure_ttl": 86400}


def _enqueue(app, func_name, argument, delay):
    queue = get_queue(app)
    if delay and delay > 0:
        queue.enqueue_in(timedelta(seconds=delay), func_name, argument, **JOB_OPTIONS)
    else:
        queue.enqueue(func_name, argument, **JOB_OPTIONS)


def _schedule(app, steps):
    """Queue the next steps, one job per CHUNK requests that wait the same time; if Redis is down,
    the sweeper takes the requests up later."""
    groups = {}
    for request_id, step in steps.items():
        if step.submit_in is not None:
            groups.setdefault(("pumasi.jobs.submit_requests", step.submit_in), []).append(request_id)
        if step.poll_in is not None:
            groups.setdefault(("pumasi.jobs.poll_requests", step.poll_in), []).append(request_id)
    try:
        for (func_name, delay), ids in groups.items():
            for start in range(0, len(ids), CHUNK):
                _enqueue(app, func_name, ids[start:start + CHUNK], delay)
    except (RedisError, OSError) as exc:
        log.warning("could not schedule %d link requests (%s); the sweeper will", len(steps), exc)


def _continue(app, steps):
    """Schedule what goes on; tell the volunteers whose requests have ended."""
    ended = [request_id for request_id, step in steps.items() if step.submit_in is None and step.poll_in is None]
    _schedule(app, {request_id: step for request_id, step in steps.items() if request_id not in ended})
    if ended:
        try:
            notify.linkage_ended_many(ended, config_store.effective(app))
        except Exception:  # a notification must never undo or block the linkage itself
            log.exception("notifications for %d ended link requests failed", len(ended))


def _ids(request_ids):
    return [request_ids] if isinstance(request_ids, int) else list(request_ids)


def _outcome(steps):
    """What comes next for the requests of a job, in a few words (counts and delays only)."""
    ended = sum(1 for step in steps.values() if step.submit_in is None and step.poll_in is None)
    parts = [f"{ended} ended"]
    for name, delays in (("to poll", [step.poll_in for step in steps.values() if step.poll_in is not None]),
                         ("to send", [step.submit_in for step in steps.values() if step.submit_in is not None])):
        if delays:
            low, high = f"{min(delays):.1f}", f"{max(delays):.1f}"
            parts.append(f"{len(delays)} {name} in {low}s" if low == high else f"{len(delays)} {name} in {low}-{high}s")
    return ", ".join(parts)


def _logged(job):
    """The job, logging its outcome in one line: function, how many requests, what comes next,
    duration (ids and counts only: never a name or an RRN)."""
    @functools.wraps(job)
    def run(request_ids):
        ids, started = _ids(request_ids), time.monotonic()
        try:
            steps = job(ids)
        except Exception as exc:
            log.warning("job %s: %d requests, failed after %.2fs (%s)", job.__name__, len(ids),
                        time.monotonic() - started, type(exc).__name__)
            raise
        log.info("job %s: %d requests, %s (%.2fs)", job.__name__, len(ids), _outcome(steps),
                 time.monotonic() - started)
    return run


@_logged
def submit_requests(request_ids):
    """Send the queued dates of these requests to 1365 (in shared batches)."""
    app = _application()
    with app.app_context(), db.connection_context():
        steps = linkage.submit_batch(request_ids, _portal(app), app.extensions["rrn_vault"], app.config)
        _continue(app, steps)
    return steps


@_logged
def poll_requests(request_ids):
    """Fetch and apply 1365's answers for these requests' submitted dates."""
    app = _application()
    with app.app_context(), db.connection_context():
        steps = linkage.poll_answers(request_ids, _portal(app), app.config)
        _continue(app, steps)
    return steps


@_logged
def resume_requests(request_ids):
    """Take up requests the sweeper found stalled: apply the answers 1365 has for what was sent,
    then send what is queued, both now.

    The sweeper does not rely on the delayed jobs of the requests: they may have been lost with a
    killed worker, or sit in RQ's scheduled registry while no scheduler runs (the one that held the
    queue's scheduler lock was killed). So each sweep moves a stalled request a real step on. A
    stalled request has waited past any retry backoff (next_check_at includes it).
    """
    app = _application()
    with app.app_context(), db.connection_context():
        portal = _portal(app)
        steps = linkage.poll_answers(request_ids, portal, app.config)
        again = [request_id for request_id, step in steps.items() if step.submit_in is not None]
        if again:
            steps.update(linkage.submit_batch(again, portal, app.extensions["rrn_vault"], app.config))
        _continue(app, steps)
    return steps


# Jobs queued by earlier versions, by name, for one request each.
submit_request = submit_requests
poll_request = poll_requests
resume_request = resume_requests


def _keys(app):
    queue = app.config["QUEUE_NAME"]
    return f"pumasi:{queue}:to-send", f"pumasi:{queue}:drain-queued"


def drain(_=None):
    """Take up to CHUNK newly requested ids from the hand-over list and send their dates.

    Requests are handed over through a Redis list so that one job sends the dates of many
    requests in shared batches; a second drain is queued first when more wait, so every worker
    takes part. Ids lost with a killed worker are found again by the sweeper (the database knows).
    """
    app = _application()
    to_send, flag = _keys(app)
    conn = connection(app)
    conn.delete(flag)
    ids = [int(value) for value in (conn.lpop(to_send, CHUNK) or [])]
    if conn.llen(to_send):
        _ensure_drain(app)
    if ids:
        submit_requests(ids)


def _ensure_drain(app):
    to_send, flag = _keys(app)
    if connection(app).set(flag, "1", nx=True, ex=60):
        _enqueue(app, "pumasi.jobs.drain", None, 0)


def _hand_over(app, request_ids):
    to_send, _ = _keys(app)
    connection(app).rpush(to_send, *request_ids)
    _ensure_drain(app)


def _queue_now(app, request_ids, func_name):
    try:
        if func_name == "drain":
            _hand_over(app, request_ids)
        else:
            for start in range(0, len(request_ids), CHUNK):
                _enqueue(app, func_name, request_ids[start:start + CHUNK], 0)
    except (RedisError, OSError) as exc:
        log.warning("queue unreachable for %d link requests (%s); the sweeper will send them",
                    len(request_ids), exc)
        return False
    linkage.mark_enqueued(request_ids, app.config["LINK_STALL_AFTER"])
    return True


def enqueue_request(app, request_id):
    """After the request is committed, hand it to the workers; False if Redis is unreachable."""
    return _queue_now(app, [request_id], "drain")


def sweep(app):
    """Re-queue every stalled request (lost job, killed worker, Redis down at request time);
    returns how many were queued."""
    with app.app_context(), db.connection_context():
        ids = [request.id for request in linkage.stalled_requests()]
        if ids and _queue_now(app, ids, "pumasi.jobs.resume_requests"):
            return len(ids)
    return 0


def sweep_forever(app, stop):
    """Sweep every LINK_SWEEP_INTERVAL seconds until stop is set; one sweeper at a time per queue."""
    interval = app.config["LINK_SWEEP_INTERVAL"]
    while not stop.wait(interval):
        try:
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
        except (RedisError, OSError) as exc:
            log.warning("sweeper: queue unreachable (%s)", exc)
        except Exception:
            log.exception("sweeper failed")
