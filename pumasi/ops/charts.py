"""The operators' charts, one grouped query each: dates answered per week for the last 12 weeks by
result code; the time from 연계신청 to 1365's final answer (median and 90th percentile per week);
failing dates by code per site. Weeks are Korea's, Monday to Sunday."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from peewee import SqliteDatabase

from ..clock import KST
from ..db import db
from ..linkage.state import DateState

WEEKS = 12
FINAL_CODES = (100, 200, 300, 400)  # a 99 is retried: the time is to the answer that ended the date
CODES = (300, 400, 99, 100, 200)


def weeks_start(now=None):
    """Monday 00:00 (Korea) eleven weeks before this week's, as naive UTC, and the weeks' Mondays."""
    local = (now or datetime.now(KST)).astimezone(KST)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    first = monday - timedelta(weeks=WEEKS - 1)
    mondays = [(first + timedelta(weeks=n)).date() for n in range(WEEKS)]
    return first.astimezone(timezone.utc).replace(tzinfo=None), mondays


def _sqlite():
    return isinstance(db.obj, SqliteDatabase)


def _week(column):
    """SQL of the week index (0 = the first of the 12) of a timestamp column, from the parameter of the
    first Monday: the Korean date less that Monday, over 7 (on PostgreSQL a date's arithmetic: measured
    twice as fast over 100,000 dates as the epoch's)."""
    if _sqlite():
        return f"CAST((julianday({column}, '+9 hours') - julianday({db.param})) / 7 AS INTEGER)"
    return f"(CAST({column} + interval '9 hours' AS date) - CAST({db.param} AS date)) / 7"


@dataclass
class Weekly:
    """Dates answered per week, by result code."""

    mondays: list
    counts: dict = field(default_factory=dict)  # (week index, code) -> dates

    def total(self, week):
        return sum(self.counts.get((week, code), 0) for code in CODES)

    def codes(self):
        return [code for code in CODES if any(self.counts.get((week, code)) for week in range(WEEKS))]


def answered_per_week(now=None):
    """Dates answered by 1365 in each of the last 12 weeks, by the code they stand with now."""
    start, mondays = weeks_start(now)
    sql = (f"SELECT {_week('updated_at')} AS week, result_code, COUNT(*) FROM daily_log "
           f"WHERE updated_at >= {db.param} AND link_state IN ({db.param}, {db.param}) AND result_code IS NOT NULL "
           "GROUP BY 1, 2")
    found = Weekly(mondays)
    params = [mondays[0], start, DateState.SUCCEEDED, DateState.FAILED]
    for week, code, count in db.execute_sql(sql, params).fetchall():
        if 0 <= week < WEEKS:
            found.counts[(int(week), int(code))] = int(count)
    return found


def _percentile(ordered, q):
    """The q-th percentile of sorted numbers, interpolated (as PostgreSQL's percentile_cont)."""
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def answer_times(now=None):
    """Per week of the answer: [(monday, answers, median seconds, 90th percentile seconds)] from the
    연계신청 to 1365's final answer of each date (100/200/300/400). PostgreSQL computes the
    percentiles in the query; SQLite, which has none, hands the grouped durations over in order."""
    start, mondays = weeks_start(now)
    codes = ", ".join([db.param] * len(FINAL_CODES))
    where = (f"FROM link_attempt a JOIN link_request r ON r.id = a.request_id "
             f"WHERE a.answered_at >= {db.param} AND a.code IN ({codes})")
    params = [mondays[0], start, *FINAL_CODES]
    stats = {}
    if _sqlite():
        sql = (f"SELECT {_week('a.answered_at')}, (julianday(a.answered_at) - julianday(r.created_at)) * 86400 "
               f"{where} ORDER BY 1, 2")
        grouped = {}
        for week, seconds in db.execute_sql(sql, params).fetchall():
            grouped.setdefault(int(week), []).append(max(round(float(seconds)), 0))  # julianday's float: to the second
        stats = {week: (len(values), _percentile(values, .5), _percentile(values, .9))
                 for week, values in grouped.items()}
    else:
        duration = "ROUND(date_part('epoch', a.answered_at - r.created_at))"
        sql = (f"SELECT {_week('a.answered_at')}, COUNT(*), percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP "
               f"(ORDER BY {duration}) {where} GROUP BY 1")
        stats = {int(week): (int(count), float(median), float(p90))
                 for week, count, (median, p90) in db.execute_sql(sql, params).fetchall()}
    return [(monday, *stats.get(week, (0, None, None))) for week, monday in enumerate(mondays)]


def failures_by_site():
    """Dates standing failed, by site and code: [(site name, {code: dates})], most failures first.
    Counted per activity first (the failing dates' index joined to participation's (id, activity)
    index), then the hundred-odd activity rows joined to their sites: grouping the joined dates by site
    directly hashed every participation in each of PostgreSQL's parallel workers (1,000,000 dates with
    150,000 failing: 105 ms against 45 ms in psql, idle machine)."""
    sql = ("SELECT s.id, s.name, f.code, SUM(f.dates) FROM "
           "(SELECT p.activity_id, d.result_code AS code, COUNT(*) AS dates FROM daily_log d "
           f"JOIN participation p ON p.id = d.participation_id WHERE d.link_state = {db.param} GROUP BY 1, 2) f "
           "JOIN activity a ON a.id = f.activity_id JOIN site s ON s.id = a.site_id GROUP BY s.id, s.name, f.code")
    sites = {}
    for site_id, name, code, count in db.execute_sql(sql, [DateState.FAILED]).fetchall():
        sites.setdefault((site_id, name), {})[int(code) if code is not None else None] = int(count)
    return sorted(((name, codes) for (_, name), codes in sites.items()),
                  key=lambda item: (-sum(item[1].values()), item[0]))
