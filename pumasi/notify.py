"""Notifications: when a participation's linkage ends, its volunteer is told (e-mail and next visit)."""
import logging
import smtplib
from email.message import EmailMessage

from . import linkage
from .models import LinkRequest, Notification, utcnow

log = logging.getLogger(__name__)

TITLES = {linkage.DONE: "1365 연계완료", linkage.FAILURE: "1365 연계실패"}


def linkage_ended(request_id, config):
    """If the request's participation now stands 연계완료 or 연계실패, notify its volunteer once."""
    request = LinkRequest.get_or_none(LinkRequest.id == request_id)
    if request is None or request.finished_at is None:
        return None
    participation = request.participation
    summary = linkage.summary(participation)
    if summary.state not in TITLES:
        return None
    title = f"[{TITLES[summary.state]}] {participation.activity.title}"
    if summary.state == linkage.DONE:
        body = "1365 봉사실적 연계가 완료되었습니다. 1365 자원봉사 포털(https://www.1365.go.kr)에서 확인할 수 있습니다."
    else:
        body = (f"1365 연계에 실패한 날짜가 {summary.failed}일 있습니다. 마이페이지 > 활동내역확인에서 "
                "'연계실패'를 눌러 결과코드를 확인하고 재연계 또는 본인인증 초기화를 진행해 주세요.")
    (Notification.insert(member=participation.volunteer_id, participation=participation.id, request=request.id,
                         title=title, body=body, created_at=utcnow())
     .on_conflict_ignore().execute())
    notification = Notification.get(Notification.request == request.id)
    send_email(notification, config)
    return notification


def send_email(notification, config):
    """E-mail the notification (SMTP settings), or write it to the log when no server is set."""
    member = notification.member
    # Claim the sending first, so that two jobs seeing the same end send one e-mail.
    claimed = (Notification.update(emailed_at=utcnow())
               .where(Notification.id == notification.id, Notification.emailed_at.is_null()).execute())
    if not claimed or not member.email:
        return False
    message = EmailMessage()
    message["Subject"] = f"[{config['ORG_NAME']}] {notification.title}"
    message["From"] = config["SMTP_FROM"]
    message["To"] = member.email
    message.set_content(f"{member.name}님,\n\n{notification.body}\n\n{config['ORG_NAME']} "
                        f"기술지원 {config['SUPPORT_PHONE']}\n")
    if not config.get("SMTP_HOST"):
        log.info("e-mail (no SMTP_HOST set) to %s: %s", member.email, notification.title)
    else:
        try:
            with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
                if config["SMTP_STARTTLS"]:
                    smtp.starttls()
                if config.get("SMTP_USER"):
                    smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("could not e-mail notification %s: %s", notification.id, exc)
            Notification.update(emailed_at=None).where(Notification.id == notification.id).execute()
            return False
    return True


def unread(member_id):
    """The member's notifications not yet seen, newest first."""
    return list(Notification.select().where(Notification.member == member_id, Notification.read_at.is_null())
                .order_by(Notification.id.desc()).limit(20))


def mark_read(notifications):
    """Note that the member has seen these."""
    ids = [n.id for n in notifications]
    if ids:
        Notification.update(read_at=utcnow()).where(Notification.id.in_(ids)).execute()
