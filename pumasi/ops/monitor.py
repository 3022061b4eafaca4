"""What operators watch: dates by state and code, failing dates, the oldest date in flight."""
from dataclasses import dataclass
from datetime import datetime

from peewee import fn

from ..clock import today_start_utc, utcnow
from ..linkage.state import DateState
from ..models import Activity, DailyLog, LinkAttempt, LinkRequest, Member, Participation, Site


def counts():
    """Dates by state, by result code (overall), and today's answers and requests."""
    by_state = dict(DailyLog.select(DailyLog.link_state, fn.COUNT(DailyLog.id))
                    .group_by(DailyLog.link_state).tuples())
    by_code = dict(DailyLog.select(DailyLog.result_code, fn.COUNT(DailyLog.id))
                   .where(DailyLog.result_code.is_null(False)).group_by(DailyLog.result_code).tuples())
    since = today_start_utc()
    today_codes = dict(LinkAttempt.select(LinkAttempt.code, fn.COUNT(LinkAttempt.id))
                       .where(LinkAttempt.answered_at >= since, LinkAttempt.code.is_null(False))
                       .group_by(LinkAttempt.code).tuples())
    today_requests = LinkRequest.select().where(LinkRequest.created_at >= since).count()
    return {"state": by_state, "code": by_code, "today_code": today_codes, "today_requests": today_requests}


def oldest_pending_age():
    """How long the oldest date still 연계중 has waited (a timedelta), or None."""
    oldest = DailyLog.select(fn.MIN(DailyLog.updated_at)).where(DailyLog.link_state == DateState.PENDING).scalar()
    if oldest is None:
        return None
    if isinstance(oldest, str):  # SQLite returns the aggregate as text
        oldest = datetime.fromisoformat(oldest)
    return utcnow() - oldest


@dataclass
class FailureFilter:
    """Filters of the failing-dates list (all optional)."""

    code: int = None
    site_id: int = None
    activity: str = ""
    volunteer: str = ""
    date_from: object = None
    date_to: object = None


def failing_dates(filters, page, size):
    """Failed dates with their participation, activity, site and volunteer: (total, rows)."""
    query = (DailyLog.select(DailyLog, Participation, Activity, Site, Member)
             .join(Participation).join(Activity).join(Site)
             .switch(Participation).join(Member)
             .where(DailyLog.link_state == DateState.FAILED))
    if filters.code is not None:
        query = query.where(DailyLog.result_code == filters.code)
    if filters.site_id:
        query = query.where(Site.id == filters.site_id)
    if filters.activity:
        query = query.where(Activity.title.contains(filters.activity))
    if filters.volunteer:
        query = query.where(Member.name.contains(filters.volunteer) | Member.username.contains(filters.volunteer))
    if filters.date_from:
        query = query.where(DailyLog.date >= filters.date_from)
    if filters.date_to:
        query = query.where(DailyLog.date <= filters.date_to)
    total = query.count()
    rows = list(query.order_by(DailyLog.updated_at.desc(), DailyLog.id.desc()).paginate(page, size))
    return total, rows


def format_age(age):
    """A waiting time in Korean: '3일 4시간', '12분'."""
    if age is None:
        return "없음"
    minutes = int(age.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}일 {hours}시간"
    if hours:
        return f"{hours}시간 {mins}분"
    return f"{mins}분" if mins else "1분 미만"

