"""Invitations sent: members awaiting their first password get an e-mailed one-time link when they
have an address; the others are left for a printed sheet of one-time codes (accounts.invitations).

Codes are made only when a sheet is printed (by the operator's request, shown once): they never pass
through a job, Redis or a log."""
from ..accounts import invitations
from . import mail

INVITE_PATH = "invite"  # pumasi.web.invite: /invite (the code), /invite/<token> (the e-mailed link)


def address(root):
    """Where a printed code is entered: the site's root URL + /invite."""
    return f"{root.rstrip('/')}/{INVITE_PATH}"


def invite(members, config, root, actor=None):
    """Invite each of these members still awaiting their first password: e-mail a one-time link to
    those with an address (root: the site's URL, e.g. request.url_root), all over one connection to
    the mail server. Returns (mailed, to_print): the members e-mailed, and those without an address
    or whose e-mail could not be sent, for whom the operator prints codes (admin 초대). Members who
    have a password already are left out."""
    waiting = [member for member in members if invitations.awaiting(member)]
    issued = invitations.issue_links([member for member in waiting if member.email], config, actor)
    sent = mail.send_many(config, [_invitation(member, token, config, root) for member, token in issued])
    mailed = [member for (member, _), ok in zip(issued, sent) if ok]
    done = {member.id for member in mailed}
    return mailed, [member for member in waiting if member.id not in done]


def _invitation(member, token, config, root):
    """The invitation e-mail (to, subject, body, log_as): the log says whose it was, never the link."""
    link = f"{address(root)}/{token}"
    days = config["INVITE_DAYS"]
    return (member.email, "회원 등록 안내: 비밀번호를 정해 주세요", mail.signature(member, config, (
        f"{config['ORG_NAME']} 1365 봉사실적 연계 서비스에 회원으로 등록되었습니다. 아이디는 {member.username} 입니다.\n"
        f"아래 링크에서 {days}일 안에 비밀번호를 정하면 바로 로그인됩니다. 링크는 한 번만 쓸 수 있습니다.\n\n"
        f"{link}\n\n등록을 요청한 적이 없다면 이 메일을 무시하거나 기술지원으로 연락해 주세요.")),
        f"invitation for member {member.id}")
