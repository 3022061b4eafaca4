"""Notifications: when a participation's linkage ends, its volunteer is told (e-mail and next visit)."""
import contextvars
import logging
import threading

from ..clock import korean_time, utcnow
from ..db import db
from ..linkage import version
from ..linkage.reads import summaries
from ..linkage.state import PARTICIPATION_LABELS, ParticipationState
from ..models import Activity, LinkRequest, Member, Notification, Participation
from ..records import entry_requests
from . import mail

log = logging.getLogger(__name__)

ENDINGS = (ParticipationState.DONE, ParticipationState.FAILED)


def _message(state, participation, failed):
    title = f"[1365 {PARTICIPATION_LABELS[state]}] {participation.activity.title}"
    if state == ParticipationState.DONE:
        return title, "1365 봉사실적 연계가 완료되었습니다. 1365 자원봉사 포털(https://www.1365.go.kr)에서 확인할 수 있습니다."
    return title, (f"1365 연계에 실패한 날짜가 {failed}일 있습니다. 마이페이지 > 활동내역확인에서 "
                   "'연계실패'를 눌러 결과코드를 확인하고 재연계 또는 본인인증 초기화를 진행해 주세요.")


def tell_ended(request_ids, config):
    """Of these requests, those that ended with their participation standing 연계완료 or 연계실패: their
    volunteers are told, once per request however often its end is seen (e-mail, and on the next
    visit). Returns {request id: Notification}. A few queries for them all: one per request made
    notifications most of a linkage job's time (docs/BENCHMARKS.md)."""
    ids = list(dict.fromkeys(request_ids))
    requests = list(LinkRequest.select(LinkRequest, Participation, Activity).join(Participation).join(Activity)
                    .where(LinkRequest.id.in_(ids), LinkRequest.finished_at.is_null(False))) if ids else []
    found = summaries([request.participation for request in requests])
    rows, now = [], utcnow()
    for request in requests:
        participation = request.participation
        summary = found[participation.id]
        if summary.state in ENDINGS:
            title, body = _message(summary.state, participation, summary.failed)
            rows.append({"member": participation.volunteer_id, "participation": participation.id,
                         "request": request.id, "title": title, "body": body, "created_at": now})
    if not rows:
        return {}
    with db.atomic():
        Notification.insert_many(rows).on_conflict_ignore().execute()
        version.bump_members({row["member"] for row in rows})
    notifications = {n.request_id: n for n in Notification.select(Notification, Member).join(Member)
                     .where(Notification.request.in_([row["request"] for row in rows]))}
    # Nothing to send to members without an address: their notifications are done with at once.
    silent = [n.id for n in notifications.values() if not n.member.email and n.emailed_at is None]
    if silent:
        Notification.update(emailed_at=now).where(Notification.id.in_(silent), Notification.emailed_at.is_null()) \
            .execute()
    for notification in notifications.values():
        if notification.member.email and notification.emailed_at is None:
            send_email(notification, config)
    return notifications


def send_email(notification, config):
    """E-mail the notification (SMTP settings), or write it to the log when no server is set."""
    member = notification.member
    # Claim the sending first, so that two jobs seeing the same end send one e-mail.
    claimed = (Notification.update(emailed_at=utcnow())
               .where(Notification.id == notification.id, Notification.emailed_at.is_null()).execute())
    if not claimed or not member.email:
        return False
    if mail.send(config, member.email, notification.title, mail.signature(member, config, notification.body),
                 log_as=notification.title):
        return True
    Notification.update(emailed_at=None).where(Notification.id == notification.id).execute()
    return False


def unread(member_id):
    """The member's notifications not yet seen, newest first."""
    # By SQL: asked on every 활동내역 and 마이페이지 visit (see pumasi.load_user).
    return list(Notification.raw(f"SELECT * FROM notification WHERE member_id = {db.param} AND read_at IS NULL "
                                 "ORDER BY id DESC LIMIT 20", member_id))


def mark_read(notifications):
    """Note that the member has seen these."""
    ids = [n.id for n in notifications]
    if ids:
        with db.atomic():  # the page showed them for the last time: its next load is not a 304
            Notification.update(read_at=utcnow()).where(Notification.id.in_(ids)).execute()
            version.bump_members({n.member_id for n in notifications})


def mail_reset_link(member, link, config, asked_by_member=False):
    """E-mail a one-time password reset link to the member (an operator's, or asked for by 비밀번호
    찾기); True when it was sent (or logged, with no SMTP server). The log says whose link it was,
    never the link."""
    who = ("비밀번호 찾기에서 비밀번호 재설정 링크를 요청했습니다." if asked_by_member
           else "운영자가 비밀번호 재설정 링크를 발급했습니다.")
    return mail.send(config, member.email, "비밀번호 재설정 안내", mail.signature(member, config, (
        f"{who} 아이디 {member.username} 의 새 비밀번호를 아래 링크에서 1시간 안에 정해 주세요. "
        f"링크는 한 번만 쓸 수 있습니다.\n\n{link}\n\n요청하지 않았다면 이 메일을 무시하고, 걱정되면 기술지원으로 연락해 주세요.")),
        log_as=f"password reset link for member {member.id}")


def mail_signup_approved(member, config, login_url):
    """Tell a volunteer by e-mail that their sign-up was approved (when they gave an address)."""
    if not member.email:
        return False
    return mail.send(config, member.email, "회원가입 승인 안내", mail.signature(member, config, (
        f"회원가입이 승인되었습니다. 아이디 {member.username} 와 가입할 때 정한 비밀번호로 로그인해 주세요.\n\n{login_url}")),
        log_as=f"sign-up approved for member {member.id}")


def mail_contact_changed(member, old_address, new_address, config):
    """Tell the address a member had that 내 정보 changed it (someone holding their session could
    otherwise take 비밀번호 찾기's links to an address of their own unseen)."""
    return mail.send(config, old_address, "이메일 주소 변경 안내", mail.signature(member, config, (
        f"아이디 {member.username} 의 이메일 주소가 마이페이지 > 내 정보에서 {new_address or '(없음)'}(으)로 바뀌었습니다. "
        "이 주소로는 더 이상 안내를 보내지 않습니다.\n\n직접 바꾸지 않았다면 바로 비밀번호를 변경하고 기술지원으로 연락해 주세요.")),
        log_as=f"e-mail change of member {member.id}")


def mail_in_background(send, *args):
    """Run a mail function in a thread of its own, so that a page answers as fast whether or not a
    message goes out (비밀번호 찾기 must not tell by its timing which addresses are known). It runs in
    a copy of the request's context (pumasi.ops.audit's client address)."""
    threading.Thread(target=contextvars.copy_context().run, args=(send, *args), daemon=True,
                     name="pumasi-mail").start()


def mail_entry_requests(config):
    """The daily e-mail to each site's managers with the new 입력 요청 (records.entry_requests:
    at most one a day per site); returns how many e-mails went out. A site none of whose managers
    could be e-mailed (the mail server away) gets its asks again at the next sweep."""
    sent = 0
    for digest in entry_requests.due_digests():
        before = sent
        lines = "\n".join(f"- {request.participation.volunteer.name}: {request.participation.activity.title} "
                          f"(요청일 {korean_time(request.created_at):%Y-%m-%d})" for request in digest.requests)
        text = (f"봉사자가 상세봉사내역(일별 활동 날짜와 시간) 입력을 요청했습니다. 새 요청 {len(digest.requests)}건:\n\n"
                f"{lines}\n\n활동처관리에서 해당 봉사활동의 일별 입력으로 날짜를 입력하면 요청이 닫히고 봉사자가 "
                "1365 연계신청을 할 수 있습니다.")
        for manager in digest.managers:
            sent += bool(mail.send(config, manager.email, f"입력 요청 {len(digest.requests)}건",
                                   mail.signature(manager, config, text),
                                   log_as=f"entry requests of site {digest.site.id} to member {manager.id}"))
        if digest.managers and sent == before:
            entry_requests.give_back(digest)
    return sent
