"""Sites (활동처) as operators manage them: create, edit, and assign a manager."""
from peewee import IntegrityError

from .. import inputs, phones
from ..db import db, unique_columns
from ..linkage import version
from ..models import Member, Site
from ..ops import audit
from .members import ROLE_LABELS

SITE_TAKEN_MESSAGE = "같은 이름의 활동처가 있습니다."


def save(site, name, phone, actor):
    """Create (site None) or edit a site; returns (site, {field: error})."""
    name, phone = (name or "").strip(), (phone or "").strip()
    errors = inputs.problems({"name": name, "phone": phone})
    if errors:
        return site, errors
    if not name or len(name) > 100:
        errors["name"] = "활동처 이름을 100자 이하로 입력해 주세요."
    elif Site.select().where(Site.name == name, Site.id != (site.id if site else 0)).exists():
        errors["name"] = SITE_TAKEN_MESSAGE
    if phones.normal(phone) is None:
        errors["phone"] = phones.MESSAGE
    else:
        phone = phones.normal(phone)
    if errors:
        return site, errors
    try:
        with db.atomic():
            if site is None:
                site = Site.create(name=name, phone=phone)
                audit.record("site.create", actor=actor, target=site)
            else:
                Site.update(name=name, phone=phone).where(Site.id == site.id).execute()
                version.bump_sites([site.id])
                audit.record("site.update", actor=actor, target=site)
    except IntegrityError as exc:  # another operator saved the same name at the same moment
        if "name" in unique_columns(exc):
            return site, {"name": SITE_TAKEN_MESSAGE}
        raise
    return site, {}


def assign_manager(site, member, actor):
    """Make a member the manager of a site (their role becomes site manager)."""
    with db.atomic():
        old_role = member.role
        Member.update(role="site", site=site).where(Member.id == member.id).execute()
        if old_role != "site":
            audit.record("member.role", actor=actor, target=member, detail=f"{ROLE_LABELS[old_role]} -> {ROLE_LABELS['site']}")
        audit.record("site.manager", actor=actor, target=site, detail=f"회원 #{member.id}")


def managers(site):
    """The site's managers."""
    return list(Member.select().where(Member.site == site, Member.role == "site"))


def with_managers():
    """Every site by name, and its managers that are not removed: ([site], {site id: [member]})."""
    found = {}
    for member in Member.select().where(Member.role == "site", Member.removed_at.is_null()):
        found.setdefault(member.site_id, []).append(member)
    return list(Site.select().order_by(Site.name)), found


def all_sites():
    """Every site, by name (the choices of a form or a filter)."""
    return list(Site.select().order_by(Site.name))
