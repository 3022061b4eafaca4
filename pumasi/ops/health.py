"""What a monitor asks every few seconds: is each part of the service up? Cheap (one SELECT 1, two
Redis round trips with a one-second timeout) and with nothing personal or version numbers in it."""
import logging
import threading
import time
from datetime import datetime, timezone

from peewee import DatabaseError, InterfaceError

from rq.utils import utcparse
from rq.worker_registration import WORKERS_BY_QUEUE_KEY

from ..clock import KST
from ..db import db
from ..jobs.connection import connection
from ..jobs.status import ANSWERED_FORMAT, portal_key
from . import alerts, console_settings

log = logging.getLogger(__name__)
CHECK_EVERY = 10.0  # seconds between two checks of the workers' heartbeat by one web process
_check_lock = threading.Lock()


def _database():
    try:
        with db.connection_context():
            db.execute_sql("SELECT 1")
        return {"ok": True}
    except Exception:  # noqa: BLE001 - whatever it is, the database cannot be used now
        return {"ok": False}


def _age(moment, now):
    return max(int((now - moment).total_seconds()), 0)


def report(app):
    """{"ok": bool, "down": [parts], part: {...}} for the database, Redis, the workers (the age of
    the youngest heartbeat) and 1365 (the age of its last answer, and whether it was one)."""
    now = datetime.now(timezone.utc)
    parts = {"database": _database(), "redis": {"ok": False}, "workers": {"ok": None},
             "1365": {"ok": None}}
    try:
        conn = connection(app, quick=True)
        pipe = conn.pipeline(transaction=False)
        pipe.ping().smembers(WORKERS_BY_QUEUE_KEY % app.config["QUEUE_NAME"]).hgetall(portal_key(app))
        _, worker_keys, portal = pipe.execute()
        pipe = conn.pipeline(transaction=False)
        for key in worker_keys:
            pipe.hget(key, "last_heartbeat")
        beats = [utcparse(beat.decode()).replace(tzinfo=timezone.utc) for beat in pipe.execute() if beat]
    except Exception:  # noqa: BLE001 - unreachable, timed out, or an embedded one failing to start
        pass
    else:
        parts["redis"] = {"ok": True}
        age = _age(max(beats), now) if beats else None
        parts["workers"] = {"ok": age is not None and age <= app.config["HEALTH_WORKER_AGE"],
                            "count": len(beats), "heartbeat_age": age}
        if portal.get(b"at"):
            answered = datetime.strptime(portal[b"at"].decode(), ANSWERED_FORMAT).replace(tzinfo=KST)
            parts["1365"] = {"ok": portal.get(b"ok") == b"1", "last_answer_age": _age(answered, now)}
    down = [name for name, part in parts.items() if part["ok"] is False]
    return {"ok": not down, "down": down, **parts}


def _heartbeat_detail(found, config):
    """(what /healthz saw of the workers when it calls for an alert, or None when one beats; the grace
    before it is an alert). A heartbeat's age is already how long none came: past the setting it is an
    alert at once. With no worker or no Redis there is no age: the setting's minutes from first seen."""
    limit = config["ALERT_HEARTBEAT_MINUTES"] * 60
    if not found["redis"]["ok"]:
        return "Redis에 연결할 수 없어 워커가 일을 받을 수 없습니다.", limit
    age = found["workers"]["heartbeat_age"]
    if age is None:
        return "실행 중인 워커가 없습니다.", limit
    return (f"가장 최근 워커 신호가 {age}초 전입니다." if age > limit else None), 0


def watch_workers(app, found):
    """The web's part in the alerts: no worker can tell that no worker is alive, so /healthz (asked
    by a monitor every few seconds) records the workers' heartbeat as an alert's condition, at most
    every CHECK_EVERY seconds per process, and sends the e-mails due. Never fails /healthz."""
    checked = app.extensions.setdefault("heartbeat_checked", {"at": float("-inf")})
    with _check_lock:
        if time.monotonic() - checked["at"] < CHECK_EVERY:
            return None
        checked["at"] = time.monotonic()
    if not found["database"]["ok"]:
        return None
    try:
        with db.connection_context():
            event = alerts.observe("heartbeat", *_heartbeat_detail(found, app.config))
            alerts.deliver_mail(console_settings.effective(app))
    except (DatabaseError, InterfaceError) as exc:
        log.warning("alerts: the workers' heartbeat not recorded (%s)", type(exc).__name__)
        return None
    if event:
        log.warning("alert heartbeat %s", event)
    return event
