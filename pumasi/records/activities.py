"""A site's activities and the volunteers in them: what a site manager sees of their own site, the
activities they create and change, and the volunteers they add (by 회원아이디, or found by name and
phone; never by a member id) and remove, or who leave, while nothing of theirs went to 1365."""
import re

from peewee import IntegrityError, fn

from ..db import db, lock_rows, locked_transaction, unique_columns
from ..linkage import version
from ..linkage.state import DateState
from ..models import Activity, DailyLog, LinkRequest, Member, Participation
from ..ops import audit
from . import revocation
from .errors import NotAllowed

PERIOD_ORDER_MESSAGE = "활동기간의 종료일은 시작일과 같거나 늦어야 합니다."
PERIOD_LOGS_MESSAGE = "이미 입력된 활동일({dates})이 새 활동기간 밖이 됩니다."
ALREADY_MEMBER_MESSAGE = "이미 이 활동에 등록된 봉사자입니다."
NOT_FOUND_MESSAGE = "봉사자를 찾을 수 없습니다. 회원아이디 또는 이름과 연락처를 확인해 주세요."
REMOVE_LINKED_MESSAGE = "1365에 연계되었거나 연계중인 날짜가 있어 삭제할 수 없습니다."
LEAVE_LINKED_MESSAGE = "1365에 연계되었거나 연계중인 날짜가 있어 활동에서 나갈 수 없습니다."
GONE_MESSAGE = "이미 활동에서 빠졌습니다. 화면을 새로 고쳐 주세요."


def site_activities(site_id):
    """The site's activities, newest first, each with .volunteers, .dates and .minutes counted."""
    volunteers = (Participation.select(fn.COUNT(Participation.id))
                  .where(Participation.activity == Activity.id))
    dates = (DailyLog.select(fn.COUNT(DailyLog.id)).join(Participation)
             .where(Participation.activity == Activity.id))
    return list(Activity.select(Activity, volunteers.alias("volunteers"), dates.alias("dates"))
                .where(Activity.site == site_id)
                .order_by(Activity.start_date.desc(), Activity.id.desc()))


def site_activity(site_id, activity_id):
    """The site's own activity with that id, or None (never another site's)."""
    if site_id is None:
        return None
    return Activity.get_or_none(Activity.id == activity_id, Activity.site == site_id)


def site_participation(site_id, participation_id):
    """The site's own participation (with its activity and volunteer), or None."""
    if site_id is None:
        return None
    return (Participation.select(Participation, Activity, Member)
            .join(Activity).switch(Participation).join(Member)
            .where(Participation.id == participation_id, Activity.site == site_id).first())


def participants(activity):
    """The activity's participations with their volunteers, by name."""
    return list(Participation.select(Participation, Member).join(Member)
                .where(Participation.activity == activity)
                .order_by(Member.name, Member.username))


def check_period(activity, start_date, end_date):
    """Korean messages for a period that is backwards or leaves entered dates outside."""
    if end_date < start_date:
        return [PERIOD_ORDER_MESSAGE]
    if activity is None or activity.id is None:
        return []
    outside = list(DailyLog.select(DailyLog.date).join(Participation)
                   .where(Participation.activity == activity,
                          (DailyLog.date < start_date) | (DailyLog.date > end_date))
                   .order_by(DailyLog.date).distinct().limit(3))
    if outside:
        return [PERIOD_LOGS_MESSAGE.format(dates=", ".join(log.date.isoformat() for log in outside))]
    return []


def save_activity(site_id, actor, values, activity=None):
    """Create (activity None) or change an activity of the site; values are its fields."""
    with db.atomic():
        if activity is None:
            activity = Activity.create(site=site_id, **values)
            audit.record("activity.create", actor=actor, target=activity, detail=values["title"])
        else:
            for name, value in values.items():
                setattr(activity, name, value)
            activity.save()
            version.bump_activities([activity.id])
            audit.record("activity.update", actor=actor, target=activity, detail=values["title"])
    return activity


def digits(text):
    """Only the digits of a phone number."""
    return re.sub(r"\D", "", text or "")


def find_volunteers(username="", name="", phone=""):
    """Active volunteers by exact 회원아이디, or by exact name and phone (digits compared)."""
    query = Member.select().where(Member.role == "volunteer", Member.active == True,  # noqa: E712
                                  Member.removed_at.is_null())
    username, name, phone = (username or "").strip(), (name or "").strip(), digits(phone)
    if username:
        return list(query.where(Member.named(username)))
    if name and phone:
        return [m for m in query.where(Member.name == name) if digits(m.phone) == phone]
    return []


def add_volunteer(activity, username, actor):
    """Put the active volunteer with this 회원아이디 into the activity; NotAllowed with one message
    whether nobody has it or its member is not an active volunteer (a site learns nothing of other
    members), or ALREADY_MEMBER_MESSAGE."""
    found = find_volunteers(username=username) if (username or "").strip() else []
    if len(found) != 1:
        raise NotAllowed(NOT_FOUND_MESSAGE)
    member = found[0]
    try:
        with db.atomic():
            participation = Participation.create(activity=activity, volunteer=member)
            version.bump_members([member.id])
            audit.record("participation.add", actor=actor, target=participation,
                         detail=f"활동 #{activity.id}, 회원 {member.username}")
    except IntegrityError as exc:  # in already (the unique key decides between two adds at once)
        if unique_columns(exc) >= {"activity_id", "volunteer_id"}:
            raise NotAllowed(ALREADY_MEMBER_MESSAGE) from None
        raise
    return participation


def date_count(participation):
    """How many dates the participation has."""
    return DailyLog.select().where(DailyLog.participation == participation).count()


def removable_ids(participations):
    """Of these participations, the ids whose volunteer can leave: nothing of theirs was ever sent to 1365."""
    ids = {p.id for p in participations if not p.legacy_linked}
    if not ids:
        return set()
    sent = {log.participation_id for log in DailyLog.select(DailyLog.participation).distinct()
            .where(DailyLog.participation.in_(list(ids)), DailyLog.link_state != DateState.UNSENT)}
    asked = {r.participation_id for r in LinkRequest.select(LinkRequest.participation).distinct()
             .where(LinkRequest.participation.in_(list(ids)))}
    return ids - sent - asked


def removable(participation):
    """Whether a volunteer can leave the activity: nothing of theirs was ever sent to 1365."""
    return participation.id in removable_ids([participation])


def remove_volunteer(participation, actor, leaving=False):
    """Take a volunteer out of the activity with their unsent dates (NotAllowed once anything was sent):
    a site manager removes them (audited participation.remove), or they leave (participation.leave)."""
    linked = LEAVE_LINKED_MESSAGE if leaving else REMOVE_LINKED_MESSAGE
    with locked_transaction():
        lock_rows(Participation.select(Participation.id).where(Participation.id == participation.id)).first()
        if not Participation.select().where(Participation.id == participation.id).exists():
            raise NotAllowed(GONE_MESSAGE)
        if not removable(participation):
            raise NotAllowed(linked)
        revocation.supersede_holding([log.id for log in DailyLog.select(DailyLog.id).where(
            DailyLog.participation == participation)], revocation.DELETED)
        deleted = DailyLog.delete().where(DailyLog.participation == participation).execute()
        Participation.delete().where(Participation.id == participation.id).execute()
        version.bump_members([participation.volunteer_id])
        audit.record("participation.leave" if leaving else "participation.remove", actor=actor, target=participation,
                     detail=f"활동 #{participation.activity_id}, 회원 #{participation.volunteer_id}, "
                            f"보내지 않은 날짜 {deleted}건 삭제")
