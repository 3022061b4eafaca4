"""What the volunteer's and the operators' screens read of the linkage: the 활동내역 rows with their
hours and state, and the per-date results.

Plain SQL for the rows and their sums: they run for every 활동내역 page, every row a volunteer's screen
polls, and every request a linkage job ends; through the ORM, building the statement cost more than
running it (docs/BENCHMARKS.md)."""
from dataclasses import dataclass

from peewee import JOIN

from ..db import db
from ..models import Activity, DailyLog, EntryRequest, LinkAttempt, LinkRequest, Member, Participation, Site
from .state import DateState, Summary

# Where the dates of some participations stand, summed per participation in one statement.
SUMMARY_SQL = f"""
SELECT participation_id, COALESCE(SUM(minutes), 0), COUNT(*),
       SUM(CASE WHEN link_state = '{DateState.PENDING}' THEN 1 ELSE 0 END),
       SUM(CASE WHEN link_state = '{DateState.FAILED}' THEN 1 ELSE 0 END),
       SUM(CASE WHEN link_state = '{DateState.UNSENT}' THEN 1 ELSE 0 END)
FROM daily_log WHERE participation_id IN ({{ids}}) GROUP BY participation_id
"""

# A page of one volunteer's participations, newest first, with their activities and sites and the
# volunteer's count (an uncorrelated subquery: run once). The page and its summaries are two
# statements because joined into one, the planner sums every daily log of the table instead of
# looking up the page's twenty (measured: 1.6 against 0.9 ms).
ROWS_SQL = """
SELECT p.id, p.legacy_linked, a.category, a.title, a.location, s.name, a.start_date, a.end_date,
       (SELECT created_at FROM entry_request WHERE open_participation = p.id),
       (SELECT COUNT(*) FROM participation WHERE volunteer_id = {param})
FROM participation p JOIN activity a ON a.id = p.activity_id JOIN site s ON s.id = a.site_id
WHERE p.volunteer_id = {param}{extra}
ORDER BY a.start_date DESC, a.id DESC, p.id DESC
LIMIT {param} OFFSET {param}
"""
_rows_sql = {}  # (placeholder, one participation?) -> SQL


def _summaries(legacy):
    """{participation id: Summary} for {participation id: legacy_linked}."""
    result = {pid: Summary(legacy=bool(old)) for pid, old in legacy.items()}
    if result:
        sql = SUMMARY_SQL.format(ids=", ".join([db.param] * len(result)))
        for pid, minutes, total, pending, failed, unsent in db.execute_sql(sql, list(result)).fetchall():
            summary = result[pid]
            summary.minutes, summary.total = int(minutes), int(total)
            summary.pending, summary.failed, summary.unsent = int(pending), int(failed), int(unsent)
    return result


def summaries(participations):
    """Summaries for many participations in one query: {participation id: Summary}."""
    return _summaries({p.id: p.legacy_linked for p in participations})


def summary(participation):
    """The Summary of one participation."""
    return summaries([participation])[participation.id]


@dataclass(frozen=True)
class Row:
    """One row of 활동내역: a participation with its activity, site and Summary."""

    id: int
    legacy_linked: bool
    category: str
    title: str
    location: str
    site_name: str
    start_date: object
    end_date: object
    summary: Summary
    requested_at: object = None  # when the volunteer's open 입력 요청 was made (records.entry_requests)

    @property
    def state(self):
        return self.summary.state

    @property
    def minutes(self):
        return self.summary.minutes


def _rows(volunteer, limit, offset, participation_id=None):
    """(the volunteer's participations in all, [Row]) of one page, or of one participation of theirs."""
    param, one = db.param, participation_id is not None
    sql = _rows_sql.get((param, one))
    if sql is None:
        sql = _rows_sql[(param, one)] = ROWS_SQL.format(param=param, extra=f" AND p.id = {param}" if one else "")
    found = db.execute_sql(sql, [volunteer, volunteer] + ([participation_id] if one else []) + [limit, offset])
    found = found.fetchall()
    if not found:
        return 0, []
    sums = _summaries({line[0]: line[1] for line in found})
    day = Activity.start_date.python_value  # SQLite gives dates and times back as text
    moment = EntryRequest.created_at.python_value
    rows = [Row(pid, bool(legacy), category, title, location, site, day(start), day(end), sums[pid], moment(asked))
            for pid, legacy, category, title, location, site, start, end, asked, _ in found]
    return found[0][-1], rows


def volunteer_page(volunteer, page, size):
    """One page of a volunteer's participations, newest first: (total, [Row])."""
    total, rows = _rows(volunteer, size, (page - 1) * size)
    if not rows and page > 1:  # past the last page: the count alone
        total = Participation.select().where(Participation.volunteer == volunteer).count()
    return total, rows


def volunteer_row(volunteer, participation_id):
    """The Row of one of the volunteer's participations, or None."""
    _, rows = _rows(volunteer, 1, 0, participation_id)
    return rows[0] if rows else None


def date_rows(participation):
    """The per-date table of the result modal: [(DailyLog, last LinkAttempt or None)], by date."""
    logs = list(participation.daily_logs.order_by(DailyLog.date, DailyLog.start))
    last = {}
    if logs:
        attempts = (LinkAttempt.select()
                    .where(LinkAttempt.daily_log.in_([log.id for log in logs]))
                    .order_by(LinkAttempt.id))
        for attempt in attempts:
            last[attempt.daily_log_id] = attempt
    return [(log, last.get(log.id)) for log in logs]


def _participations(volunteer):
    return (Participation.select(Participation, Activity, Site, Member)
            .join(Activity).join(Site)
            .switch(Participation).join(Member, JOIN.INNER, on=(Participation.volunteer == Member.id))
            .where(Participation.volunteer == volunteer))


def participation_of(volunteer, participation_id):
    """The volunteer's own participation with that id, or None (never another person's)."""
    return _participations(volunteer).where(Participation.id == participation_id).first()


def participations_of(volunteer, participation_ids):
    """The volunteer's own participations of those ids, in one query and in the order asked; another
    person's (or an unknown id) left out."""
    found = {p.id: p for p in _participations(volunteer).where(Participation.id.in_(list(participation_ids)))}
    return [found[i] for i in participation_ids if i in found]


def recent_requests(participation, count=20):
    """The participation's latest link requests, newest first (기술지원's history)."""
    return list(participation.link_requests.order_by(LinkRequest.id.desc()).limit(count))
