"""The monthly review of the access records (월 1회 이상 점검, 안전성 확보조치 기준 제8조): for one month,
counts per staff account and action, decryptions per day, downloads with their reasons, staff access
outside working hours (PUMASI_WORK_HOURS, PUMASI_WORK_DAYS), accounts that touched unusually many
members (PUMASI_ACCESS_MANY_MEMBERS); the reviewer's note and sign-off; whether last month is due."""
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from peewee import IntegrityError

from .. import inputs
from ..clock import korean_day_start, korean_time, utcnow
from ..db import db
from ..identity.rrn import mask_in_text
from ..models import AccessRecord, AccessReview
from . import audit

DAYS = "월화수목금토일"
NOTE_MAX = 2000


class ReviewError(Exception):
    """A sign-off that cannot be taken, with the Korean message said next to the note."""


@dataclass(frozen=True)
class Month:
    """A calendar month in Korea's time."""

    year: int
    month: int

    @property
    def key(self):
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self):
        return f"{self.year}년 {self.month}월"

    def first_day(self):
        return date(self.year, self.month, 1)

    def next(self):
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self):
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def bounds(self):
        """(start, end) of the month as naive UTC, end excluded."""
        return korean_day_start(self.first_day()), korean_day_start(self.next().first_day())


def month_of(day):
    return Month(day.year, day.month)


def parse_month(text):
    """A Month from 'YYYY-MM', or None."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        return None
    return Month(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class WorkingHours:
    """When staff are expected to work: days of the week (월…일) and a span of the day, in Korea's time."""

    days: str
    start: int  # minutes after midnight
    end: int

    @classmethod
    def from_config(cls, config):
        hours, days = config["WORK_HOURS"], config["WORK_DAYS"]
        match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", (hours or "").strip())
        if not match or not days or set(days) - set(DAYS):
            raise ValueError("PUMASI_WORK_HOURS must be like 09:00-18:00 and PUMASI_WORK_DAYS like 월화수목금")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        return cls(days, h1 * 60 + m1, h2 * 60 + m2)

    def holds(self, moment):
        """Whether a stored (naive UTC) moment falls inside working hours."""
        local = korean_time(moment)
        minute = local.hour * 60 + local.minute
        return DAYS[local.weekday()] in self.days and self.start <= minute < self.end

    @property
    def label(self):
        return f"{self.days} {self.start // 60:02d}:{self.start % 60:02d}–{self.end // 60:02d}:{self.end % 60:02d}"


@dataclass
class Account:
    """One account's month: its records per action, in all, and how many members they were about."""

    name: str
    role: str
    staff: bool
    actions: Counter = field(default_factory=Counter)
    members: set = field(default_factory=set)

    @property
    def total(self):
        return sum(self.actions.values())


@dataclass
class Review:
    month: Month
    hours: WorkingHours
    many: int
    total: int = 0
    accounts: list = field(default_factory=list)
    decryptions: list = field(default_factory=list)  # (day, records, members)
    downloads: list = field(default_factory=list)
    off_hours: list = field(default_factory=list)
    busy: list = field(default_factory=list)  # staff Accounts over `many` members
    signed: AccessReview = None


def _subjects(record):
    return {int(i) for i in record.subjects.split(",") if i}


def _decryptions(records):
    per_day = defaultdict(lambda: [0, set()])
    for record in records:
        if record.action == "복호화":
            day = korean_time(record.at).date()
            per_day[day][0] += 1
            per_day[day][1] |= _subjects(record)
    return [(day, count, len(members)) for day, (count, members) in sorted(per_day.items())]


def review(month, config):
    """The month's review (the records read once, in chain order)."""
    found = Review(month, WorkingHours.from_config(config), int(config["ACCESS_MANY_MEMBERS"]))
    start, end = month.bounds()
    records = list(AccessRecord.select().where(AccessRecord.at >= start, AccessRecord.at < end)
                   .order_by(AccessRecord.seq))
    accounts = {}
    for record in records:
        key = (record.actor_name, record.actor_id)
        account = accounts.setdefault(key, Account(record.actor_name, record.actor_role, record.actor_id is not None))
        account.actions[record.action] += 1
        account.members |= _subjects(record)
        if record.action == "다운로드":
            found.downloads.append(record)
        if record.actor_id is not None and not found.hours.holds(record.at):
            found.off_hours.append(record)
    found.total = len(records)
    found.accounts = sorted(accounts.values(), key=lambda a: (not a.staff, -a.total, a.name))
    found.decryptions = _decryptions(records)
    found.busy = [a for a in found.accounts if a.staff and len(a.members) > found.many]
    found.signed = AccessReview.get_or_none(AccessReview.month == month.key)
    return found


def sign_off(month, note, actor, today):
    """Sign the month off with the reviewer's note; ReviewError (Korean) when it cannot be."""
    note = mask_in_text((note or "").strip())  # an RRN typed into the note is kept masked, as in the records
    if inputs.problem(note, multiline=True):
        raise ReviewError(inputs.problem(note, multiline=True))
    if not note:
        raise ReviewError("점검 의견을 입력해 주세요.")
    if len(note) > NOTE_MAX:
        raise ReviewError(f"점검 의견은 {NOTE_MAX}자 이하로 입력해 주세요.")
    if month.next().first_day() > today:
        raise ReviewError("끝나지 않은 달은 점검 완료할 수 없습니다. 다음 달에 점검해 주세요.")
    try:
        with db.atomic():
            signed = AccessReview.create(month=month.key, note=note, signed_by_id=actor.id,
                                         signed_by_name=actor.username, signed_at=utcnow())
            audit.record("access.review", actor=actor, detail=f"{month.key} 접속기록 점검 완료")
    except IntegrityError:
        raise ReviewError("이미 점검을 마친 달입니다.") from None
    return signed


def earliest():
    """The first month with an access record (where going back through the months stops), or None."""
    first = AccessRecord.select(AccessRecord.at).order_by(AccessRecord.seq).first()
    return month_of(korean_time(first.at).date()) if first else None


def due(today):
    """Last month, when it is not signed off and pumasi was in use by then (an access record older than
    this month); else None."""
    this_month = month_of(today)
    last = this_month.previous()
    if AccessReview.select().where(AccessReview.month == last.key).exists():
        return None
    used = AccessRecord.select().where(AccessRecord.at < this_month.bounds()[0]).exists()
    return last if used else None

