"""RQ jobs: take ids, give the linkage domain an app, a connection and the next step's schedule."""
import logging
import threading
from datetime import timedelta

from flask import current_app, has_app_context
from redis import RedisError

from . import config_store, linkage, notify
from .db import db
from .portal1365 import Portal1365
from .queue import connection, get_queue, record_portal_answer, release_dead_scheduler

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
    """The 1365 client for the current settings (rebuilt when an operator changes them)."""
    config = config_store.effective(app)
    key = tuple(config[name] for name in ("PORTAL_URL", "PORTAL_API_KEY", "ORG_CODE", "PORTAL_TIMEOUT"))
    cached = app.extensions.get("portal1365")
    if cached is None or cached[0] != key:
        portal = Portal1365.from_config(config, lambda ok, detail: record_portal_answer(app, ok, detail))
        cached = app.extensions["portal1365"] = (key, portal)
    return cached[1]


def probe_portal(app):
    """Test the connection to 1365 now: (ok, detail)."""
    return _portal(app).health()


def _enqueue(app, func_name, request_id, delay):
    queue = get_queue(app)
    options = {"job_timeout": 600, "result_ttl": 0, "failure_ttl": 86400}
    if delay and delay > 0:
        queue.enqueue_in(timedelta(seconds=delay), func_name, request_id, **options)
    else:
        queue.enqueue(func_name, request_id, **options)


def _schedule(app, request_id, step):
    """Put the next step on the queue; if Redis is down the sweeper will pick the request up."""
    try:
        if step.submit_in is not None:
            _enqueue(app, "pumasi.jobs.submit_request", request_id, step.submit_in)
        if step.poll_in is not None:
            _enqueue(app, "pumasi.jobs.poll_request", request_id, step.poll_in)
    except (RedisError, OSError) as exc:
        log.warning("could not schedule link request %s (%s); the sweeper will", request_id, exc)


def _continue(app, request_id, step):
    """Schedule the next step, or, when the request has ended, tell the volunteer."""
    if step.submit_in is None and step.poll_in is None:
        try:
            notify.linkage_ended(request_id, config_store.effective(app))
        except Exception:  # a notification must never undo or block the linkage itself
            log.exception("notification for link request %s failed", request_id)
    else:
        _schedule(app, request_id, step)


def submit_request(request_id):
    """Send a request's queued dates to 1365."""
    app = _application()
    with app.app_context(), db.connection_context():
        step = linkage.submit_batch(request_id, _portal(app), app.extensions["rrn_vault"], app.config)
        _continue(app, request_id, step)


def poll_request(request_id):
    """Fetch and apply 1365's answers for a request's submitted dates."""
    app = _application()
    with app.app_context(), db.connection_context():
        step = linkage.poll_answers(request_id, _portal(app), app.config)
        _continue(app, request_id, step)


def resume_request(request_id):
    """Take up a request the sweeper found stalled: apply the answers 1365 has for what was sent,
    then send what is queued, both now.

    The sweeper does not rely on the delayed jobs of the request: they may have been lost with a
    killed worker, or sit in RQ's scheduled registry while no scheduler runs (the one that held the
    queue's scheduler lock was killed). So each sweep moves a stalled request a real step on. A
    stalled request has waited past any retry backoff (next_check_at includes it).
    """
    app = _application()
    with app.app_context(), db.connection_context():
        portal = _portal(app)
        step = linkage.poll_answers(request_id, portal, app.config)
        if step.submit_in is not None:
            step = linkage.submit_batch(request_id, portal, app.extensions["rrn_vault"], app.config)
        _continue(app, request_id, step)


def _queue_now(app, request_id, func_name):
    try:
        _enqueue(app, func_name, request_id, 0)
    except (RedisError, OSError) as exc:
        log.warning("queue unreachable for link request %s (%s); the sweeper will send it", request_id, exc)
        return False
    linkage.mark_enqueued(request_id, app.config["LINK_STALL_AFTER"])
    return True


def enqueue_request(app, request_id):
    """After the request is committed, queue its first step; False if Redis is unreachable."""
    return _queue_now(app, request_id, "pumasi.jobs.submit_request")


def sweep(app):
    """Re-queue every stalled request (lost job, killed worker, Redis down at request time);
    returns how many were queued."""
    queued = 0
    with app.app_context(), db.connection_context():
        for request in linkage.stalled_requests():
            if not _queue_now(app, request.id, "pumasi.jobs.resume_request"):
                break
            queued += 1
    return queued


def sweep_forever(app, stop):
    """Sweep every LINK_SWEEP_INTERVAL seconds until stop is set; one sweeper at a time per queue."""
    interval = app.config["LINK_SWEEP_INTERVAL"]
    while not stop.wait(interval):
        try:
            # A dead worker's scheduler lock would hold up every delayed step for a minute or more.
            if release_dead_scheduler(app):
                log.warning("released the scheduler lock of a dead RQ scheduler; a live worker takes over")
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
