"""Alerts to the operators: a condition seen by a check (pumasi.jobs.alerting, /healthz) becomes an
alert once it has lasted its grace time, is shown as a banner on every operator page, and is e-mailed
to every operator once when it starts and once when it clears, never once per check.

Several workers may check at once: the database decides who saw what first (one open row per kind,
a unique column), and the e-mails are claimed before they are sent."""
import logging
from dataclasses import dataclass
from datetime import timedelta

from ..clock import korean_time, utcnow
from ..models import Alert, Member
from . import mail

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    """What an alert is called, and what the operator should do about it."""

    title: str
    action: str


KINDS = {
    "pending": Kind("연계중으로 오래 머문 날짜", (
        "1365의 응답과 워커 상태를 먼저 확인하세요. 둘 다 정상이면 아래 날짜의 참여 기록을 기술지원에서 열어 "
        "재연계하거나, 1365 운영기관에 해당 날짜의 처리 상태를 문의하세요.")),
    "portal": Kind("1365 응답 없음", (
        "설정 > 연결 테스트로 1365 연결을 확인하세요. 401이면 PUMASI_1365_API_KEY가 맞는지, 응답이 없거나 5xx이면 "
        "1365 장애 공지를 확인하세요. 보내지 못한 날짜는 연계중으로 남았다가 1365가 다시 응답하면 자동으로 보내집니다.")),
    "heartbeat": Kind("워커 신호 없음", (
        "워커가 실행 중인지 확인하세요(systemctl status 'pumasi-worker@*'). 워커가 Redis에 연결되지 못해도 "
        "신호가 끊깁니다. 워커가 없으면 연계신청이 1365로 보내지지 않고 연계중으로 남습니다.")),
    "failures": Kind("1365 실패 응답 비율 높음", (
        "연계실패 목록에서 결과코드별로 확인하세요. 99가 많으면 1365 쪽 장애이니 재연계를 잠시 미루고, 100/200이 "
        "많으면 회원의 1365 계정·실명인증·동의 문제이니 해당 회원에게 안내하세요.")),
    "keys": Kind("주민등록번호 키 확인 실패", (
        "PUMASI_RRN_KEYS가 이 데이터베이스의 주민등록번호를 암호화한 키인지 확인하고, 맞는 키로 웹과 워커를 다시 "
        "시작하세요. 이대로면 모든 연계가 99로 실패합니다.")),
    "database": Kind("데이터베이스 오류", (
        "데이터베이스 서버가 실행 중인지, 디스크가 가득 차지 않았는지, DATABASE_URL과 연결 수(PUMASI_DB_POOL_SIZE)를 "
        "확인하세요. 복구되면 멈췄던 연계는 스위퍼가 다시 보냅니다.")),
}


def observe(kind, detail, grace_seconds, now=None):
    """Record one check of a condition: detail (text) when it is seen, None when it is not.

    Returns "started" when this call made it an alert (it has lasted grace_seconds), "cleared" when
    this call ended an alert, else None. Race-safe: one open row per kind, and each transition is a
    conditional UPDATE that only one caller wins."""
    now = now or utcnow()
    if detail is None:
        row = Alert.get_or_none(Alert.open_kind == kind)
        if row is None:
            return None
        if row.started_at is None:  # cleared before it lasted long enough: not an alert
            Alert.delete().where(Alert.id == row.id, Alert.started_at.is_null()).execute()
            return None
        won = (Alert.update(open_kind=None, cleared_at=now, checked_at=now)
               .where(Alert.id == row.id, Alert.open_kind.is_null(False)).execute())
        return "cleared" if won else None
    Alert.insert(kind=kind, open_kind=kind, seen_at=now, checked_at=now, detail=detail).on_conflict_ignore().execute()
    row = Alert.get_or_none(Alert.open_kind == kind)
    if row is None:  # another checker cleared it meanwhile
        return None
    Alert.update(detail=detail, checked_at=now).where(Alert.id == row.id).execute()
    if row.started_at is None and now - row.seen_at >= timedelta(seconds=grace_seconds):
        won = Alert.update(started_at=now).where(Alert.id == row.id, Alert.started_at.is_null()).execute()
        return "started" if won else None
    return None


def record_past(kind, detail, started_at, cleared_at, mailed_start):
    """An alert whose whole life was seen elsewhere (the database was down): kept for the record;
    its "resolved" e-mail goes with the next deliver_mail."""
    return Alert.create(kind=kind, open_kind=None, seen_at=started_at, started_at=started_at,
                        cleared_at=cleared_at, checked_at=cleared_at, detail=detail,
                        started_mailed_at=started_at if mailed_start else None,
                        cleared_mailed_at=None if mailed_start else cleared_at)


def operators():
    """The operators who get alerts: active, with an e-mail address."""
    return list(Member.select().where(Member.role == "operator", Member.active == True,  # noqa: E712
                                      Member.removed_at.is_null(), Member.email != "").order_by(Member.id))


def _when(moment):
    local = korean_time(moment)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


def message(alert, ending):
    """(subject, text) of the e-mail telling an alert's start or end."""
    kind = KINDS[alert.kind]
    if ending:
        return f"[해소] {kind.title}", (
            f"다음 경보가 해소되었습니다: {kind.title}\n시작: {_when(alert.started_at)}\n해소: {_when(alert.cleared_at)}\n\n"
            f"마지막 상태: {alert.detail}")
    return f"[경보] {kind.title}", (
        f"{kind.title}\n\n{alert.detail}\n시작: {_when(alert.started_at)}\n\n조치: {kind.action}\n\n"
        "운영관리 > 경보에서 관련 날짜와 요청을 볼 수 있습니다. 해소되면 한 번 더 알려 드립니다.")


def send_to(recipients, alert, ending, config):
    """E-mail recipients ((name, address) pairs) of the alert's start or end; how many were sent."""
    subject, text = message(alert, ending)
    sent = 0
    for name, address in recipients:
        body = f"{name}님,\n\n{text}\n\n{config['ORG_NAME']}\n"
        sent += bool(mail.send(config, address, subject, body,
                               log_as=f"alert {alert.kind} {'cleared' if ending else 'started'}"))
    return sent


def _claim(alert, field):
    column = getattr(Alert, field)
    return Alert.update({column: utcnow()}).where(Alert.id == alert.id, column.is_null()).execute()


def deliver_mail(config):
    """Send the e-mails not yet sent: each alert's start, then its end, once to every operator.
    Claimed first, so two checkers send one; given back when no operator could be reached, so the
    next check tries again. Returns how many e-mails went out."""
    recipients = [(member.name, member.email) for member in operators()]
    sent = 0
    waiting = Alert.select().where(Alert.started_at.is_null(False),
                                   Alert.started_mailed_at.is_null() | Alert.cleared_mailed_at.is_null())
    for alert in waiting.order_by(Alert.id):
        for field, ending in (("started_mailed_at", False), ("cleared_mailed_at", True)):
            if getattr(alert, field) is not None or (ending and alert.cleared_at is None):
                continue
            if not _claim(alert, field):
                continue
            count = send_to(recipients, alert, ending, config)
            if recipients and not count:
                Alert.update({getattr(Alert, field): None}).where(Alert.id == alert.id).execute()
                break
            sent += count
    return sent


def open_alerts():
    """The alerts now on, oldest first (the banner)."""
    return list(Alert.select().where(Alert.started_at.is_null(False), Alert.cleared_at.is_null())
                .order_by(Alert.started_at, Alert.id))


def history(limit=50):
    """The latest alerts, on or cleared, newest first."""
    return list(Alert.select().where(Alert.started_at.is_null(False))
                .order_by(Alert.started_at.desc(), Alert.id.desc()).limit(limit))
