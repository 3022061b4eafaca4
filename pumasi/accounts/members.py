"""Members as operators manage them: create, edit, deactivate, remove (탈퇴), search."""
import re
import secrets

from peewee import IntegrityError

from .. import inputs, phones
from ..clock import utcnow
from ..db import db, unique_columns
from ..identity import erasure
from ..linkage import version
from ..models import ROLES, Identity, Member, Site
from ..ops import access, audit
from . import invitations, usernames

REMOVED_NAME = "탈퇴회원"
ROLE_LABELS = {"volunteer": "개인회원", "site": "활동처 담당자", "operator": "운영자"}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def check_member(form, creating):
    """Validate a member form: ({field: value}, {field: Korean error})."""
    values = {key: (form.get(key) or "").strip() for key in ("username", "name", "role", "phone", "email",
                                                              "site_id")}
    refused = inputs.problems(values)
    if refused:  # said alone, before anything looks the values up
        values.update({key: "" for key in refused}, site=None)
        return values, refused
    errors = {}
    if creating:
        values["username"] = usernames.normalize(values["username"])
        problem = usernames.problem(values["username"])
        if problem:
            errors["username"] = problem
        elif Member.select().where(Member.named(values["username"])).exists():
            errors["username"] = usernames.TAKEN_MESSAGE
    if not values["name"] or len(values["name"]) > 50:
        errors["name"] = "이름을 50자 이하로 입력해 주세요."
    if values["role"] not in ROLES:
        errors["role"] = "회원 구분을 선택해 주세요."
    phone = phones.normal(values["phone"])
    if phone is None:
        errors["phone"] = phones.MESSAGE
    else:
        values["phone"] = phone
    if values["email"] and (len(values["email"]) > 120 or not EMAIL.fullmatch(values["email"])):
        errors["email"] = "이메일 주소 형식이 올바르지 않습니다."
    site = None
    if values["role"] == "site":
        site = Site.get_or_none(Site.id == int(values["site_id"])) if values["site_id"].isdigit() else None
        if site is None:
            errors["site_id"] = "담당 활동처를 선택해 주세요."
    values["site"] = site
    return values, errors


class Taken(Exception):
    """A name another member or site took meanwhile: {field: Korean message}, as a form shows it."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def create_member(values, actor):
    """Create a member from checked values, without a password (they set their own through an
    invitation: accounts.invitations); Taken when the name was taken in the meantime (the
    database's unique key decides between two operators creating it at once)."""
    try:
        with db.atomic():
            member = Member(username=values["username"], name=values["name"], role=values["role"],
                            phone=values["phone"], email=values["email"], site=values["site"],
                            password_hash=invitations.NO_PASSWORD)
            member.save()
            audit.record("member.create", actor=actor, target=member, detail=f"구분 {ROLE_LABELS[member.role]}")
    except IntegrityError as exc:
        if unique_columns(exc) & {"username", "username_key"}:
            raise Taken({"username": usernames.TAKEN_MESSAGE}) from None
        raise
    return member


def update_member(member, values, actor):
    """Change a member's name, contact, role and site; a role change is audited as such."""
    with db.atomic():
        old_role = member.role
        member.name, member.phone, member.email = values["name"], values["phone"], values["email"]
        member.role, member.site = values["role"], values["site"]
        member.save()
        if old_role != member.role:
            audit.record("member.role", actor=actor, target=member, detail=f"{ROLE_LABELS[old_role]} -> {ROLE_LABELS[member.role]}")
        audit.record("member.update", actor=actor, target=member)
        access.record_change(actor, member, "수정", "회원 정보(이름·연락처·구분)")


def set_active(member, active, actor):
    """Deactivate (no log-in) or reactivate a member."""
    with db.atomic():
        Member.update(active=active).where(Member.id == member.id).execute()
        member.end_sessions()
        audit.record("member.activate" if active else "member.deactivate", actor=actor, target=member)


def remove_member(member, actor):
    """탈퇴: delete the RRN at once, keep the volunteer records under the name 탈퇴회원."""
    username = f"{usernames.REMOVED_PREFIX}{member.id}"  # no new member can be given such a name
    if Member.select().where(Member.named(username), Member.id != member.id).exists():  # an older one was
        username = f"{username}-{secrets.token_hex(3)}"
    with erasure.transaction() as erase:
        erase(Identity.member == member)
        Member.update(name=REMOVED_NAME, username=username, username_key=usernames.key(username), phone="",
                      email="", active=False, removed_at=utcnow(), site=None,
                      password_hash="!").where(Member.id == member.id).execute()
        member.end_sessions()
        audit.record("member.remove", actor=actor, target=member)
        access.record_change(actor, member, "삭제", "회원탈퇴(주민등록번호·연락처 삭제)")
        version.bump_members([member.id])


def search(text="", role="", page=1, size=30):
    """Members matching a name, username or phone: (total, rows)."""
    query = Member.select()
    if text:
        query = query.where(Member.name.contains(text) | Member.username.contains(text) | Member.phone.contains(text))
    if role in ROLES:
        query = query.where(Member.role == role)
    return query.count(), list(query.order_by(Member.id.desc()).paginate(page, size))


def named(username):
    """The member (not removed) with this user name, however its case or width is written, or None."""
    return Member.get_or_none(Member.named(username), Member.removed_at.is_null())


def authenticate(username, password):
    """The active member with this user name and password, or None. One password-hash check whatever
    the name (Member.logs_in): log-in timing does not tell which names exist."""
    member = Member.get_or_none(Member.named(username))
    return member if Member.logs_in(member, password) else None
