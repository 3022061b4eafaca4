"""The RQ jobs of the linkage. Each takes request ids, runs one step of the linkage domain and queues
what the domain says comes next (pumasi.linkage: a NextStep per request); a request that ended is
told to its volunteer. A new request reaches the workers through a hand-over list in Redis, so that
one job sends the dates of many requests in shared batches.

Jobs run in a worker that has the app (pumasi.worker); if Redis is down when a step is to be queued,
nothing is lost: the request stays in the database and the sweeper takes it up later.
"""
import functools
import logging
import time

from flask import current_app, has_app_context
from redis import RedisError

from ..db import db
from ..linkage import delivery
from ..models import AuditLog
from ..ops import audit, console_settings, notify
from ..portal import adapter
from ..portal.endpoint import endpoint_host
from .connection import connection, enqueue
from .status import record_portal_answer

log = logging.getLogger("pumasi.jobs")  # the name operators' log searches know (README: Logs)

# Requests one job takes up at once: their dates go to 1365 in shared batches of LINK_BATCH_SIZE.
CHUNK = 100
ENDPOINT_ACTION = "portal.endpoint"
NO_APP = ("a pumasi job runs in a worker that has the app: `python worker.py`, or "
          "`rq worker -w pumasi.worker.AppWorker …` (README)")


def _app():
    """The app of the worker running the job."""
    if not has_app_context():
        raise RuntimeError(NO_APP)
    return current_app._get_current_object()


def _portal_answer(app):
    return lambda ok, detail: record_portal_answer(app, ok, detail)


def portal_for(app):
    """The 1365 portal of the jobs (the adapter PUMASI_1365_ADAPTER names), built once per process
    and per settings. Its endpoint, key and organisation code come only from the environment; when it
    is built, the host the dates go to is logged and audited if it is not the one last audited."""
    key = tuple(app.config[name] for name in ("PORTAL_ADAPTER", "PORTAL_URL", "PORTAL_API_KEY", "ORG_CODE",
                                               "PORTAL_TIMEOUT"))
    cached = app.extensions.get("portal")
    if cached is None or cached[0] != key:
        host = endpoint_host(app.config["PORTAL_URL"])
        before = _note_endpoint(host)
        if before is not None:
            log.warning("1365 endpoint: linkage goes to %s (before: %s)", host, before or "none")
        cached = app.extensions["portal"] = (key, adapter.load(app.config, _portal_answer(app)))
    return cached[1]


def _note_endpoint(host):
    """Audit the 1365 host the dates go to when it is not the one last audited (the first use too);
    returns the host before it ('' for none), or None when nothing changed."""
    last = (AuditLog.select(AuditLog.detail).where(AuditLog.action == ENDPOINT_ACTION)
            .order_by(AuditLog.id.desc()).first())
    before = last.detail.split(" ", 1)[0] if last else ""
    if before == host:
        return None
    audit.record(ENDPOINT_ACTION, detail=f"{host} (이전: {before or '없음'})")
    return before


def probe_portal(app):
    """Test the connection to 1365 now (the endpoint of the environment): (ok, detail)."""
    return adapter.load(app.config, _portal_answer(app)).health()


def _schedule(app, steps):
    """Queue the next steps, one job per CHUNK requests that wait the same time; if Redis is down,
    the sweeper takes the requests up later."""
    groups = {}
    for request_id, step in steps.items():
        if step.submit_in is not None:
            groups.setdefault(("submit_requests", step.submit_in), []).append(request_id)
        if step.poll_in is not None:
            groups.setdefault(("poll_requests", step.poll_in), []).append(request_id)
    try:
        for (job, delay), ids in groups.items():
            for start in range(0, len(ids), CHUNK):
                enqueue(app, f"{__name__}.{job}", ids[start:start + CHUNK], delay)
    except (RedisError, OSError) as exc:
        log.warning("could not schedule %d link requests (%s); the sweeper will", len(steps), exc)


def carry_on(app, steps):
    """Queue what comes next for each request; tell the volunteers whose requests have ended."""
    ended = [request_id for request_id, step in steps.items() if step.ended]
    _schedule(app, {request_id: step for request_id, step in steps.items() if not step.ended})
    if ended:
        try:
            notify.tell_ended(ended, console_settings.effective(app))
        except Exception:  # a notification must never undo or block the linkage itself
            log.exception("notifications for %d ended link requests failed", len(ended))


def _outcome(steps):
    """What comes next for the requests of a job, in a few words (counts and delays only)."""
    parts = [f"{sum(1 for step in steps.values() if step.ended)} ended"]
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
        ids, started = list(request_ids), time.monotonic()
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
    app = _app()
    with db.connection_context():
        steps = delivery.submit_batch(request_ids, portal_for(app), app.extensions["rrn_vault"], app.config)
        carry_on(app, steps)
    return steps


@_logged
def poll_requests(request_ids):
    """Fetch and apply 1365's answers for these requests' submitted dates."""
    app = _app()
    with db.connection_context():
        steps = delivery.poll_answers(request_ids, portal_for(app), app.config)
        carry_on(app, steps)
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
    app = _app()
    with db.connection_context():
        portal = portal_for(app)
        steps = delivery.poll_answers(request_ids, portal, app.config)
        again = [request_id for request_id, step in steps.items() if step.submit_in is not None]
        if again:
            steps.update(delivery.submit_batch(again, portal, app.extensions["rrn_vault"], app.config))
        carry_on(app, steps)
    return steps


def _hand_over_keys(app):
    queue = app.config["QUEUE_NAME"]
    return f"pumasi:{queue}:to-send", f"pumasi:{queue}:sender-queued"


def send_handed_over():
    """Take up to CHUNK newly requested ids from the hand-over list and send their dates.

    A second such job is queued first when more wait, so every worker takes part. Ids lost with a
    killed worker are found again by the sweeper (the database knows).
    """
    app = _app()
    to_send, flag = _hand_over_keys(app)
    conn = connection(app)
    conn.delete(flag)
    ids = [int(value) for value in (conn.lpop(to_send, CHUNK) or [])]
    if conn.llen(to_send):
        _queue_sender(app)
    if ids:
        submit_requests(ids)


def _queue_sender(app):
    """Queue one send_handed_over job, unless one is queued already."""
    if connection(app).set(_hand_over_keys(app)[1], "1", nx=True, ex=60):
        enqueue(app, f"{__name__}.send_handed_over")


def queue_requests(app, request_ids, job):
    """Hand requests to the workers now: through the hand-over list (job "send_handed_over"), or as
    jobs of that name (e.g. "resume_requests"); False when Redis is unreachable (the sweeper will)."""
    try:
        if job == "send_handed_over":
            connection(app).rpush(_hand_over_keys(app)[0], *request_ids)
            _queue_sender(app)
        else:
            for start in range(0, len(request_ids), CHUNK):
                enqueue(app, f"{__name__}.{job}", request_ids[start:start + CHUNK])
    except (RedisError, OSError) as exc:
        log.warning("queue unreachable for %d link requests (%s); the sweeper will send them",
                    len(request_ids), exc)
        return False
    delivery.mark_enqueued(request_ids, app.config["LINK_STALL_AFTER"])
    return True


def enqueue_request(app, request_id):
    """After the request is committed, hand it to the workers; False if Redis is unreachable."""
    return queue_requests(app, [request_id], "send_handed_over")
