"""Self sign-up (회원가입, when the setting SIGNUP allows it): a volunteer creates their own account,
consenting to the 처리방침; with approval (SIGNUP_APPROVAL operator or site) it cannot log in until an
operator, or a manager of the site they chose, approves it. A refused sign-up is deleted. Plain Python.
"""
from datetime import date

from peewee import IntegrityError

from .. import inputs, phones
from ..clock import today_kst, utcnow
from ..db import db, unique_columns
from ..models import Certificate, Member, Participation, Signup, Site
from ..ops import audit, privacy
from . import members, passwords, usernames

APPROVALS = ("none", "operator", "site")
APPROVAL_LABELS = {"none": "없음", "operator": "운영자", "site": "활동처 또는 운영자"}
PENDING_MESSAGE = "가입 승인을 기다리고 있습니다. 승인되면 로그인할 수 있습니다. 궁금한 점은 활동처나 운영자에게 문의해 주세요."
HAS_RECORDS_MESSAGE = ("이 회원에게는 봉사활동 기록(가져온 참여나 확인서)이 있어 가입을 거절할 수 없습니다. 거절하면 그 기록이 "
                       "함께 삭제됩니다. 본인이 맞으면 승인하고, 아니면 운영자가 회원 관리에서 정리해 주세요.")
FIELDS = ("username", "name", "birth_date", "phone", "email", "password", "confirm", "site_id", "consent")


class SignupError(ValueError):
    """Korean messages by form field: {field: message}; values: what to show again."""

    def __init__(self, errors, values):
        super().__init__(errors)
        self.errors, self.values = errors, values


def _birth_date(text, errors):
    try:
        born = date.fromisoformat(text)
    except ValueError:
        errors["birth_date"] = "생년월일을 2000-01-31 처럼 입력해 주세요."
        return None
    if not date(1900, 1, 1) <= born <= today_kst():
        errors["birth_date"] = "생년월일을 확인해 주세요."
    return born


def _check_contact(values, errors):
    phone = phones.normal(values["phone"])
    if not phone:
        errors["phone"] = phones.MESSAGE
    else:
        values["phone"] = phone
    if values["email"] and (len(values["email"]) > 120 or not members.EMAIL.fullmatch(values["email"])):
        errors["email"] = "이메일 주소 형식이 올바르지 않습니다."


def check(form, approval):
    """The values of a sign-up form, checked: {field: value}; raises SignupError."""
    values = {key: (form.get(key) or "").strip() for key in FIELDS}
    values["password"], values["confirm"] = form.get("password") or "", form.get("confirm") or ""
    errors = inputs.problems(values)
    if errors:
        raise SignupError(errors, {key: "" if key in errors else value for key, value in values.items()})
    values["username"] = usernames.normalize(values["username"])
    if problem := usernames.problem(values["username"]):
        errors["username"] = problem
    elif Member.select().where(Member.named(values["username"])).exists():
        errors["username"] = usernames.TAKEN_MESSAGE
    if not values["name"] or len(values["name"]) > 50:
        errors["name"] = "이름을 50자 이하로 입력해 주세요."
    values["born"] = _birth_date(values["birth_date"], errors)
    _check_contact(values, errors)
    if problem := passwords.rule_error(values["password"]):
        errors["password"] = problem
    elif values["password"] != values["confirm"]:
        errors["confirm"] = passwords.MISMATCH_MESSAGE
    values["site"] = None
    if approval == "site":
        site_id = values["site_id"]
        values["site"] = Site.get_or_none(Site.id == int(site_id)) if site_id.isdigit() and len(site_id) < 10 else None
        if values["site"] is None:
            errors["site_id"] = "가입을 승인할 활동처를 골라 주세요."
    if values["consent"] != "1":
        errors["consent"] = "개인정보 처리방침을 읽고 동의해 주세요."
    if errors:
        raise SignupError(errors, values)
    return values


def create(values, approval, notice_version, notice_text=""):
    """Create the volunteer from checked values: usable at once with approval "none", else waiting.
    Their consent to this version of the 처리방침 is recorded (and its text kept, as at 본인인증).
    Returns the member."""
    try:
        with db.atomic():
            member = Member(username=values["username"], name=values["name"], role="volunteer",
                            phone=values["phone"], email=values["email"], birth_date=values["born"],
                            active=approval == "none")
            member.set_password(values["password"])
            member.save()
            Signup.create(member=member, approval=approval, site=values["site"],
                          state="approved" if approval == "none" else "pending",
                          decided_at=utcnow() if approval == "none" else None)
            privacy.record_consent(member, notice_version, notice_text)
            audit.record("signup.create", actor=member, target=member, detail=f"승인: {APPROVAL_LABELS[approval]}")
    except IntegrityError as exc:
        if unique_columns(exc) & {"username", "username_key"}:
            raise SignupError({"username": usernames.TAKEN_MESSAGE}, values) from None
        raise
    return member


def pending_login(username, password):
    """PENDING_MESSAGE when these are the name and password of a sign-up still waiting, else None
    (said only to someone who knows the password)."""
    member = Member.get_or_none(Member.named(username or ""))
    if member is None or member.removed_at is not None:
        return None
    waiting = Signup.select().where(Signup.member == member.id, Signup.state == "pending").exists()
    return PENDING_MESSAGE if waiting and member.check_password(password or "") else None


def waiting(site=None):
    """Sign-ups waiting for approval, oldest first: all of them, or those a site was asked to approve."""
    # An operator who reactivated the member by hand (회원 > 다시 사용) has let them in already.
    query = (Signup.select(Signup, Member).join(Member, on=(Signup.member == Member.id))
             .where(Signup.state == "pending", Member.active == False))  # noqa: E712
    if site is not None:
        query = query.where(Signup.approval == "site", Signup.site == site)
    return list(query.order_by(Signup.id))


class HasRecords(ValueError):
    """A refusal that would delete a volunteer's activity records: nothing was done."""


def decide(signup, approve, actor):
    """Approve (the member may log in) or refuse (the account is deleted, nothing of it kept but the
    audit line) a waiting sign-up. False when it was decided meanwhile. Raises HasRecords (nothing
    changed) for a refusal of a member who has participations or certificates meanwhile (an
    operator's import of participations names them by 아이디, a waiting account too): deleting the
    account would take its dates, their 1365 history and its certificates with it."""
    with db.atomic():
        claimed = (Signup.update(state="approved", decided_at=utcnow(), decided_by=actor)
                   .where(Signup.id == signup.id, Signup.state == "pending").execute())
        member = Member.get_by_id(signup.member_id)
        if not claimed or member.active:  # decided meanwhile, or let in by hand: never deleted then
            return False
        if not approve and (Participation.select().where(Participation.volunteer == member.id).exists()
                            or Certificate.select().where(Certificate.member == member.id).exists()):
            raise HasRecords(HAS_RECORDS_MESSAGE)  # the claim is rolled back with the transaction
        if approve:
            Member.update(active=True).where(Member.id == member.id).execute()
            audit.record("signup.approve", actor=actor, target=member)
        else:
            audit.record("signup.refuse", actor=actor, target=member, detail=f"아이디 {member.username} 삭제")
            member.delete_instance(recursive=True)
    return True
