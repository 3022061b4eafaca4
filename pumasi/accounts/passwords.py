"""Passwords: the rules, a member's own change, an operator's reset (one-time link or temporary
password) and the command line's; each change audited and ending the member's other sessions.

Plain Python over the models: the views and the CLI are thin callers.
"""
import hashlib
import secrets
from datetime import timedelta

from peewee import fn

from ..clock import utcnow
from ..db import db, lock_rows, locked_transaction
from ..models import Member, PasswordReset
from ..ops import audit

MIN_LENGTH, MAX_LENGTH = 8, 200
LENGTH_MESSAGE = f"비밀번호는 {MIN_LENGTH}자 이상 {MAX_LENGTH}자 이하입니다."
MISMATCH_MESSAGE = "새 비밀번호가 서로 다릅니다."
SAME_MESSAGE = "새 비밀번호가 현재 비밀번호와 같습니다."
CURRENT_MESSAGE = "현재 비밀번호가 올바르지 않습니다."
LINK_GONE_MESSAGE = ("이미 사용했거나 만료된 비밀번호 재설정 링크입니다. 비밀번호 찾기에서 새 링크를 받거나 "
                     "활동처나 운영자에게 요청해 주세요.")
# 비밀번호 찾기: one answer whoever is asked for, known or not, with an address or not.
FORGOT_MESSAGE = ("입력한 아이디나 이메일로 등록된 회원이 있고 그 회원에게 이메일 주소가 있으면, 비밀번호 재설정 링크를 "
                  "이메일로 보냈습니다. 링크는 1시간 동안 한 번만 쓸 수 있습니다. 이메일 주소를 등록하지 않았거나 메일이 "
                  "오지 않으면 활동처나 운영자에게 비밀번호 재설정을 요청해 주세요.")
FORGOT_MAX_MEMBERS = 5  # members one e-mail address may reach at once (a family may share one)
LINK_VALID = timedelta(hours=1)
# Letters and digits that cannot be mistaken for each other when read out or copied by hand.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789"
TEMPORARY_LENGTH = 12


class PasswordError(ValueError):
    """Korean messages by form field: {field: message}."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def rule_error(password):
    """The Korean message for a password that breaks the rules, or None (the one place they live)."""
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return LENGTH_MESSAGE
    return None


def _check_new(new, confirm, errors, field="new_password"):
    problem = rule_error(new)
    if problem:
        errors[field] = problem
    elif confirm is not None and new != confirm:
        errors["confirm"] = MISMATCH_MESSAGE


def _set(member, password, must_change=False):
    """Store a new password hash; every session issued so far ends; open reset links die."""
    member.set_password(password)
    Member.update(password_hash=member.password_hash, must_change_password=must_change,
                  session_version=Member.session_version + 1).where(Member.id == member.id).execute()
    PasswordReset.update(used_at=utcnow()).where(PasswordReset.member == member.id,
                                                 PasswordReset.used_at.is_null()).execute()
    member.must_change_password = must_change
    member.session_version = Member.get_by_id(member.id).session_version


def change_own(member, current, new, confirm):
    """A member changes their own password (current one asked). Raises PasswordError.

    The caller logs the member in again: their other sessions have ended with the change.
    """
    errors = {}
    if not member.check_password(current or ""):
        errors["current_password"] = CURRENT_MESSAGE
    _check_new(new, confirm, errors)
    if not errors and new == current:
        errors["new_password"] = SAME_MESSAGE
    if errors:
        raise PasswordError(errors)
    with db.atomic():
        was_temporary = member.must_change_password
        _set(member, new)
        audit.record("password.change", actor=member, target=member,
                     detail="임시 비밀번호를 바꿈" if was_temporary else "")


def _token_hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_tokens(entries, purpose, valid, actor, action, detail="", replace=True):
    """Store one-time tokens (only their hashes) of this purpose, valid for valid: entries are
    (member, token hash); with replace, each member's earlier open tokens of the same purpose die
    (staff issuing anew). Done in bulk (an import invites thousands), in the caller's transaction.
    The one token system: reset links and invitations (accounts.invitations) all go through here.
    Whichever token is used, setting the password ends all of the member's open ones (_set)."""
    now, ids = utcnow(), [member.id for member, _ in entries]
    for start in range(0, len(ids) if replace else 0, 500):
        PasswordReset.update(used_at=now).where(PasswordReset.member.in_(ids[start:start + 500]),
                                                PasswordReset.purpose == purpose,
                                                PasswordReset.used_at.is_null()).execute()
    rows = [{"member": member.id, "token_hash": token_hash, "purpose": purpose, "created_at": now,
             "expires_at": now + valid, "created_by": actor} for member, token_hash in entries]
    for start in range(0, len(rows), 500):
        PasswordReset.insert_many(rows[start:start + 500]).execute()
    audit.record_many(action, "Member", [(member_id, detail) for member_id in ids], actor=actor)


def new_link_token():
    """A one-time link's token (what the link holds) and its hash (what is stored)."""
    token = secrets.token_urlsafe(32)
    return token, _token_hash(token)


def issue_link(member, actor, purpose="reset", valid=LINK_VALID, action="password.reset-link",
               detail="1시간 동안 유효", replace=True):
    """A one-time link's token for the member (an operator's reset link by default): kept only
    hashed, valid for valid and once. With replace, earlier open links of the member for the same
    purpose die."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        issue_tokens([(member, _token_hash(token))], purpose, valid, actor, action, detail, replace)
    return token


def forgotten(identifier):
    """비밀번호 찾기: the members an 아이디 or e-mail address names who have an address to mail, each
    with a new one-time reset link (valid LINK_VALID, once): [(member, token)]. Nobody found, or
    found without an address: []. The caller answers FORGOT_MESSAGE whatever this returns.

    Earlier open links stay valid (anyone may ask for anyone: were each request to void the last,
    a stranger asking again and again would keep the owner from ever resetting); the first used
    ends them all. How many can be open is bounded by the per-account limit (FORGOT_LIMIT)."""
    text = (identifier or "").strip()
    if not text or len(text) > 120:
        return []
    alive = Member.active & Member.removed_at.is_null() & (Member.email != "")
    if "@" in text:
        found = Member.select().where(alive, fn.LOWER(Member.email) == text.lower())
    else:
        found = Member.select().where(alive, Member.named(text))
    return [(member, issue_link(member, None, action="password.forgot-link", detail="비밀번호 찾기, 1시간 동안 유효",
                                replace=False))
            for member in found.order_by(Member.id).limit(FORGOT_MAX_MEMBERS)]


def issue_temporary(member, actor):
    """An operator's temporary password for the member, to be changed at the next log-in; returns it."""
    password = "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
    with db.atomic():
        _set(member, password, must_change=True)
        audit.record("password.reset-temporary", actor=actor, target=member)
    return password


def _open(token_hash, purpose):
    reset = (PasswordReset.select(PasswordReset, Member).join(Member, on=(PasswordReset.member == Member.id))
             .where(PasswordReset.token_hash == token_hash, PasswordReset.purpose == purpose).first())
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow() or not reset.member.is_active:
        return None
    return reset.member


def open_link(token, purpose="reset"):
    """The member a link is for, or None when it is unknown, used or expired."""
    if not isinstance(token, str) or len(token) > 100:
        return None
    return _open(_token_hash(token), purpose)


def use_token(token_hash, purpose, new, confirm, action, member_check=None):
    """Set the password with a one-time token, once: returns the member, or None when the token is
    unknown, used or expired (or member_check(member) is false). Raises PasswordError for a
    password that breaks the rules."""
    errors = {}
    _check_new(new, confirm, errors)
    if errors:
        raise PasswordError(errors)
    with locked_transaction():
        reset = lock_rows(PasswordReset.select().where(PasswordReset.token_hash == token_hash,
                                                       PasswordReset.purpose == purpose)).first()
        if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
            return None
        member = Member.get_by_id(reset.member_id)
        if not member.is_active or (member_check is not None and not member_check(member)):
            return None
        _set(member, new)  # marks this token used too
        audit.record(action, actor=member, target=member)
    return member


def use_link(token, new, confirm, purpose="reset", action="password.reset-used"):
    """Set the password through a link, once: returns the member, or None when the link is unknown,
    used or expired. Raises PasswordError for a password that breaks the rules."""
    if not isinstance(token, str) or len(token) > 100:
        token = ""
    return use_token(_token_hash(token), purpose, new, confirm, action)


def set_from_command_line(member, password, temporary=False):
    """`flask set-password`: set the member's password. Raises PasswordError."""
    problem = rule_error(password)
    if problem:
        raise PasswordError({"password": problem})
    with db.atomic():
        _set(member, password, must_change=temporary)
        audit.record("password.set", target=member,
                     detail="명령줄" + (", 다음 로그인 때 바꾸도록 함" if temporary else ""))
