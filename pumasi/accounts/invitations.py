"""Invitations: a member created without a password (by an operator's form or an import) sets their
own at the first log-in, through an e-mailed one-time link or a printed one-time code entered with
their 아이디. No operator ever knows a member's password.

Both are one-time tokens of passwords.py (purpose "invite"): kept only hashed, one use, valid for
INVITE_DAYS; a new invitation ends the member's earlier one. A code is short enough to type from
paper (12 letters and digits that cannot be mistaken for each other, about 57 bits), so it is kept
as an HMAC under the app's secret key: the database alone does not let anyone try codes offline.
Plain Python over the models.
"""
import hashlib
import hmac
import secrets
import unicodedata
from datetime import timedelta

from ..clock import utcnow
from ..db import db
from ..models import Member, PasswordReset
from . import passwords, usernames

PURPOSE = "invite"
NO_PASSWORD = "!"  # the password hash of a member who has not set one yet: no password matches it
CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY346789"
CODE_LENGTH = 12
CODE_GONE_MESSAGE = "아이디 또는 초대 코드가 올바르지 않거나, 이미 사용했거나 만료된 초대 코드입니다."
LINK_GONE_MESSAGE = ("이미 사용했거나 만료된 초대 링크입니다. 활동처나 운영자에게 새 초대를 요청해 주세요. "
                     "비밀번호를 이미 정했다면 로그인해 주세요.")


def awaiting(member):
    """Whether the member has yet to set their first password (and may still log in once they have)."""
    return member.is_active and "$" not in (member.password_hash or "")


def awaiting_condition():
    """The query condition of awaiting(): active, not removed, no password set."""
    return (Member.active == True) & Member.removed_at.is_null() & ~Member.password_hash.contains("$")  # noqa: E712


def valid_for(config):
    return timedelta(days=config["INVITE_DAYS"])


def normalize_code(text):
    """A code as typed (any case, full-width, spaces or hyphens between its groups) as it is hashed."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if ch not in " -\t")


def format_code(code):
    """A code as printed: groups of four."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def code_hash(code, secret):
    """The stored form of a code: HMAC-SHA256 under the app's secret key."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, normalize_code(code).encode("utf-8"), hashlib.sha256).hexdigest()


def issue_links(members, config, actor=None):
    """An invitation link's token for each member awaiting their first password (e-mailed by
    ops.invite), in one transaction: [(member, token)]; each member's earlier invitation ends."""
    issued = [(member, *passwords.new_link_token()) for member in members if awaiting(member)]
    with db.atomic():
        passwords.issue_tokens([(member, token_hash) for member, _, token_hash in issued], PURPOSE,
                               valid_for(config), actor, "invitation.link",
                               f"이메일 링크, {config['INVITE_DAYS']}일 동안 유효")
    return [(member, token) for member, token, _ in issued]


def issue_codes(members, config, actor=None):
    """One printed code for each member awaiting their first password, in one transaction:
    [(member, code as printed)]. Members who have set a password are left out; each member's
    earlier invitation (link or code) ends."""
    codes = [(member, "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))
             for member in members if awaiting(member)]
    with db.atomic():
        passwords.issue_tokens([(member, code_hash(code, config["SECRET_KEY"])) for member, code in codes],
                               PURPOSE, valid_for(config), actor, "invitation.code",
                               f"인쇄한 코드, {config['INVITE_DAYS']}일 동안 유효")
    return [(member, format_code(code)) for member, code in codes]


def open_link(token):
    """The member an invitation link is for, or None when it is unknown, used or expired."""
    return passwords.open_link(token, purpose=PURPOSE)


def use_link(token, new, confirm):
    """Set the first password through an invitation link: the member, or None (link gone).
    Raises passwords.PasswordError."""
    return passwords.use_link(token, new, confirm, purpose=PURPOSE, action="invitation.used")


def use_code(username, code, new, confirm, config):
    """Set the first password with the 아이디 and a printed code: the member, or None when the two do
    not go together or the code is used or expired. Raises passwords.PasswordError."""
    if not isinstance(code, str) or len(code) > 40 or not isinstance(username, str):
        return None
    key = usernames.key(username)
    return passwords.use_token(code_hash(code, config["SECRET_KEY"]), PURPOSE, new, confirm, "invitation.used",
                               member_check=lambda member: member.username_key == key)


def waiting_query(text="", site_id=None):
    """Members awaiting their first password, matching a name, 아이디 or phone, and of a site (a
    manager's site, or a volunteer's 소속 given by an import) when site_id is given."""
    query = Member.select().where(awaiting_condition())
    if text:
        query = query.where(Member.name.contains(text) | Member.username.contains(text) | Member.phone.contains(text))
    if site_id:
        query = query.where(Member.site == site_id)
    return query


def not_yet_invited(query):
    """Of a query of members, those with an e-mail address and no invitation still open (never
    invited, or theirs used up or expired): who "e-mail everyone" reaches, a batch at a time."""
    open_ones = PasswordReset.select(PasswordReset.member).where(
        PasswordReset.purpose == PURPOSE, PasswordReset.used_at.is_null(), PasswordReset.expires_at > utcnow())
    return query.where(Member.email != "", Member.id.not_in(open_ones))


def waiting(text="", page=1, size=30, site_id=None):
    """waiting_query's members, a page of them: (total, rows), each row with .invited_at and
    .invite_expires_at of their latest invitation (None when never)."""
    query = waiting_query(text, site_id)
    rows = list(query.order_by(Member.id.desc()).paginate(page, size))
    latest = {}
    for reset in (PasswordReset.select().where(PasswordReset.member.in_([m.id for m in rows]),
                                               PasswordReset.purpose == PURPOSE)
                  .order_by(PasswordReset.id)):
        latest[reset.member_id] = reset
    for member in rows:
        found = latest.get(member.id)
        member.invited_at = found.created_at if found else None
        member.invite_expires_at = found.expires_at if found and found.used_at is None else None
    return query.count(), rows
