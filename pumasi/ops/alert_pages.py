"""What an alert's page shows besides its words: the dates or requests it is about."""
from datetime import timedelta

from peewee import fn

from ..clock import utcnow
from ..linkage.state import FAILURE_CODES, DateState
from ..models import Activity, DailyLog, LinkAttempt, LinkRequest, Member, Participation, Site

LIMIT = 100  # rows shown on an alert's page; the count says how many there are


def held_dates(config, limit=LIMIT):
    """Dates 연계중 for longer than ALERT_PENDING_DAYS, oldest first: (count, rows)."""
    cutoff = utcnow() - timedelta(days=config["ALERT_PENDING_DAYS"])
    query = (DailyLog.select(DailyLog, Participation, Activity, Site, Member)
             .join(Participation).join(Activity).join(Site).switch(Participation).join(Member)
             .where(DailyLog.link_state == DateState.PENDING, DailyLog.updated_at < cutoff))
    return query.count(), list(query.order_by(DailyLog.updated_at, DailyLog.id).limit(limit))


def waiting_requests(limit=LIMIT):
    """Link requests not finished yet, oldest first, with their dates in flight: (count, [(request, dates)])."""
    query = (LinkRequest.select(LinkRequest, Participation, Activity, Site, Member)
             .join(Participation).join(Activity).join(Site).switch(Participation).join(Member)
             .where(LinkRequest.finished_at.is_null()))
    rows = list(query.order_by(LinkRequest.created_at, LinkRequest.id).limit(limit))
    dates = dict(LinkAttempt.select(LinkAttempt.request, fn.COUNT(fn.DISTINCT(LinkAttempt.daily_log)))
                 .where(LinkAttempt.request.in_([row.id for row in rows]))
                 .group_by(LinkAttempt.request).tuples()) if rows else {}
    return query.count(), [(row, dates.get(row.id, 0)) for row in rows]


def last_hour_codes():
    """1365's answers of the last hour by result code: [(code, count, failing)]."""
    codes = dict(LinkAttempt.select(LinkAttempt.code, fn.COUNT(LinkAttempt.id))
                 .where(LinkAttempt.answered_at >= utcnow() - timedelta(hours=1), LinkAttempt.code.is_null(False))
                 .group_by(LinkAttempt.code).tuples())
    return [(code, count, code in FAILURE_CODES) for code, count in sorted(codes.items())]


def affected(alert, config):
    """What the page of this alert lists: {"dates": (count, rows)} for dates held in 연계중,
    {"requests": (count, rows)} when 1365 or the workers are away, {"codes": […]} for failing answers."""
    if alert.kind == "pending":
        return {"dates": held_dates(config)}
    if alert.kind in ("portal", "heartbeat"):
        return {"requests": waiting_requests()}
    if alert.kind == "failures":
        return {"codes": last_hour_codes()}
    return {}
