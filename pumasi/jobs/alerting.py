"""The checks behind the operators' alerts (pumasi.ops.alerts), run by every worker's sweep: dates held
in 연계중, 1365 not answering (asked for its health when nothing else asked it lately), the share of
failing answers in the last hour, the RRN keys, and the database itself. The workers' heartbeat is
checked by /healthz (pumasi.ops.health), since a worker cannot see that no worker is alive."""
import logging
from datetime import datetime, timedelta, timezone

from peewee import DatabaseError, InterfaceError, fn
from redis import RedisError

from ..clock import KST, utcnow
from ..db import db
from ..identity.keycheck import KeyCheckError, verify
from ..linkage.state import FAILURE_CODES, DateState
from ..models import DailyLog, LinkAttempt
from ..ops import alerts, console_settings, notify
from ..ops.monitor import format_age
from .connection import connection
from .status import ANSWERED_FORMAT, portal_key
from .tasks import probe_portal

log = logging.getLogger(__name__)

DATABASE_GRACE = 60  # seconds the database may fail before the operators are e-mailed
_known_operators = []  # (name, address) of the last successful check: who to tell when the database is down


def pending_detail(config, now):
    """Dates 연계중 for longer than ALERT_PENDING_DAYS, in words; None when there are none."""
    cutoff = now - timedelta(days=config["ALERT_PENDING_DAYS"])
    count, oldest = (DailyLog.select(fn.COUNT(DailyLog.id), fn.MIN(DailyLog.updated_at))
                     .where(DailyLog.link_state == DateState.PENDING, DailyLog.updated_at < cutoff).tuples()[0])
    if not count:
        return None
    if isinstance(oldest, str):  # SQLite returns the aggregate as text
        oldest = datetime.fromisoformat(oldest)
    return f"연계중으로 {format_age(now - cutoff)} 넘게 머문 날짜 {count}건 (가장 오래된 날짜: {format_age(now - oldest)} 전)"


def failures_detail(config, now):
    """The share of 99/100/200 among 1365's answers in the last hour when it is above the setting."""
    codes = dict(LinkAttempt.select(LinkAttempt.code, fn.COUNT(LinkAttempt.id))
                 .where(LinkAttempt.answered_at >= now - timedelta(hours=1), LinkAttempt.code.is_null(False))
                 .group_by(LinkAttempt.code).tuples())
    total = sum(codes.values())
    failed = sum(count for code, count in codes.items() if code in FAILURE_CODES)
    if total < config["ALERT_FAILURE_MIN"] or failed / total <= config["ALERT_FAILURE_SHARE"]:
        return None
    by_code = ", ".join(f"{code}: {codes[code]}건" for code in FAILURE_CODES if codes.get(code))
    return f"최근 1시간 1365 응답 {total}건 중 실패 {failed}건({failed * 100 // total}%) — {by_code}"


def _last_answer(app):
    found = connection(app).hgetall(portal_key(app))
    if not found.get(b"at"):
        return None
    at = datetime.strptime(found[b"at"].decode(), ANSWERED_FORMAT).replace(tzinfo=KST)
    return at, found.get(b"ok") == b"1", found.get(b"detail", b"").decode()


def portal_detail(app):
    """What is wrong with 1365's last answer, or None when it was a good one. When nothing asked
    1365 lately (no linkage going on), its health is asked now, so that an idle service notices it
    going away, and coming back; not before 1365 was ever asked (a new deployment, a test without it)."""
    grace = app.config["ALERT_PORTAL_MINUTES"] * 60
    last = _last_answer(app)
    if last is not None and (datetime.now(timezone.utc) - last[0]).total_seconds() > min(60.0, grace / 3):
        probe_portal(app)  # records its answer like every call to 1365
        last = _last_answer(app)
    if last is None or last[1]:
        return None
    return f"1365의 마지막 응답: {last[2] or '응답 없음'} ({last[0].strftime(ANSWERED_FORMAT)})"


def keys_detail(app):
    """The RRN keys' check failing, in words, or None."""
    vault = app.extensions.get("rrn_vault")
    if vault is None:
        return None
    try:
        verify(vault)
    except KeyCheckError as exc:
        return f"이 프로세스의 주민등록번호 키로 데이터베이스의 확인 값을 열 수 없습니다. ({exc})"
    return None


def _portal_or_unknown(app):
    try:
        return portal_detail(app)
    except (RedisError, OSError) as exc:  # 1365's answers are kept in Redis: unknown now, keep as it was
        log.warning("alerts: 1365's last answer unreadable (%s)", exc)
        return ...


def check(app, now=None):
    """Check every condition once and send what e-mails are due; returns {kind: event} of the
    alerts that started or cleared in this check."""
    now = now or utcnow()
    config = app.config
    found = {"pending": (pending_detail(config, now), 0), "failures": (failures_detail(config, now), 0),
             "portal": (_portal_or_unknown(app), config["ALERT_PORTAL_MINUTES"] * 60),
             "keys": (keys_detail(app), 0)}
    events = {}
    for kind, (detail, grace) in found.items():
        if detail is not ...:
            event = alerts.observe(kind, detail, grace, now)
            if event:
                events[kind] = event
    return events


def run(app):
    """One round of checks in a worker's sweep: the conditions, then the e-mails due. A database
    that cannot be used is itself alerted (kept in Redis until the database is back)."""
    try:
        with app.app_context(), db.connection_context():
            _database_back(app)
            events = check(app)
            mail_config = console_settings.effective(app)
            alerts.deliver_mail(mail_config)
            notify.mail_entry_requests(mail_config)
            _known_operators[:] = [(member.name, member.email) for member in alerts.operators()]
    except (DatabaseError, InterfaceError) as exc:
        _database_down(app, exc)
        return {"database": "down"}
    for kind, event in events.items():
        log.warning("alert %s %s", kind, event)
    return events


def _database_key(app):
    return f"pumasi:{app.config['QUEUE_NAME']}:alert:database"


def _database_down(app, exc):
    """The database failed a check: remember since when (in Redis); past DATABASE_GRACE, e-mail the
    operators known from the last good check, once (whoever sets the flag first)."""
    log.warning("alerts: the database failed a check (%s)", type(exc).__name__)
    conn, key, now = connection(app), _database_key(app), utcnow()
    conn.hsetnx(key, "since", now.isoformat())
    since = datetime.fromisoformat(conn.hget(key, "since").decode())
    if (now - since).total_seconds() < DATABASE_GRACE or not conn.hsetnx(key, "mailed", now.isoformat()):
        return
    alert = alerts.Alert(kind="database", started_at=since, detail=f"데이터베이스를 쓸 수 없습니다 ({type(exc).__name__})")
    if not alerts.send_to(list(_known_operators), alert, False, app.config):
        conn.hdel(key, "mailed")


def _database_back(app):
    """The database answers again: an alert that was e-mailed is recorded, and its end is e-mailed
    with the others (whoever deletes the flag does it)."""
    try:
        conn = connection(app)
        found = conn.hgetall(_database_key(app))
        if not found or not conn.delete(_database_key(app)):
            return
    except (RedisError, OSError):
        return
    if b"mailed" in found:
        since = datetime.fromisoformat(found[b"since"].decode())
        alerts.record_past("database", "데이터베이스를 쓸 수 없었습니다", since, utcnow(), mailed_start=True)
