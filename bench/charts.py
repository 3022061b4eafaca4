"""9. The operators' charts (pumasi/ops/charts.py) on many answered dates: each chart's one grouped
query, timed in this process after a warm-up (the page adds only drawing the SVG, timed beside).

The data: CHART_DATES dates over 50 sites, 100 activities and 1,000 volunteers, ten per participation,
each answered once (one 연계신청 per participation, one attempt per date) at a time spread evenly over
the last two years, so the 12 weeks hold about an eighth of them; codes as a busy year has them
(300 80%, 400 5%, 99 3%, 100 7%, 200 5%). Inserted in bulk; nothing goes through the linkage."""
import random
import statistics
import time
from datetime import date, datetime, timedelta, timezone

from peewee import SqliteDatabase
from werkzeug.security import generate_password_hash

from pumasi.db import db
from pumasi.linkage.state import AttemptState, DateState, RequestKind
from pumasi.accounts import usernames
from pumasi.models import DailyLog, LinkAttempt, LinkRequest, Member, Participation

from .data import PASSWORD, _activities, _insert, _members, _sites
from .page import login

CODES = [300] * 80 + [400] * 5 + [99] * 3 + [100] * 7 + [200] * 5
SPREAD = timedelta(weeks=104)
PER_PARTICIPATION = 10
RUNS = 10


def _people():
    """The sites, activities and volunteers the dates belong to: [activity id], [volunteer id]."""
    sites = _sites("chart", 50)
    volunteers = _members("chartvol", [f"봉사자{n}" for n in range(1000)], generate_password_hash(PASSWORD))
    activities = _activities(sites, [
        {"site": sites[n % len(sites)].id, "category": "문화", "title": f"통계 활동 {n}", "location": "",
         "start_date": date(2024, 1, 1), "end_date": date(2026, 12, 31)} for n in range(100)])
    return [a.id for a in activities], [v.id for v in volunteers]


# PostgreSQL makes the rows itself (generate_series): a million in Python took over ten minutes.
_PG_FILL = [
    """INSERT INTO participation (activity_id, volunteer_id, legacy_linked, created_at)
       SELECT (%(activities)s::int[])[1 + n %% 100], (%(volunteers)s::int[])[1 + (n / 100) %% 1000], false, %(now)s
       FROM generate_series(0, %(participations)s - 1) AS n""",
    """INSERT INTO link_request (participation_id, kind, created_at, next_check_at, finished_at)
       SELECT id, 'request', at - (0.5 + random() * 71.5) * interval '1 hour', at, at
       FROM (SELECT id, %(now)s - random() * interval '728 days' AS at FROM participation
             WHERE activity_id = ANY(%(activities)s::int[])) AS p""",
    """INSERT INTO daily_log (participation_id, date, start, "end", minutes, link_state, result_code, created_at,
                             updated_at)
       SELECT participation_id, DATE '2024-01-01' + g, '10:00', '12:00', 120,
              CASE WHEN code >= 300 THEN 'succeeded' ELSE 'failed' END, code, at, at + g * interval '1 minute'
       FROM (SELECT r.participation_id, r.finished_at AS at, g,
                    (%(codes)s::int[])[1 + floor(random() * 100)::int] AS code
             FROM link_request r JOIN participation p ON p.id = r.participation_id
             CROSS JOIN generate_series(0, %(per)s - 1) AS g
             WHERE p.activity_id = ANY(%(activities)s::int[])) AS d""",
    """INSERT INTO link_attempt (daily_log_id, request_id, ref, try_no, state, errors, code, created_at, submitted_at,
                                answered_at)
       SELECT d.id, r.id, 'chart-' || d.id, 1, 'answered', 0, d.result_code, d.updated_at, d.updated_at, d.updated_at
       FROM daily_log d JOIN link_request r ON r.participation_id = d.participation_id
       JOIN participation p ON p.id = d.participation_id WHERE p.activity_id = ANY(%(activities)s::int[])""",
]


def fill(dates):
    """CHART_DATES answered dates as described above; returns how many were made."""
    participations = max(dates // PER_PARTICIPATION, 1)
    with db.atomic():
        activities, volunteers = _people()
        if not isinstance(db.obj, SqliteDatabase):
            values = {"activities": activities, "volunteers": volunteers, "participations": participations,
                      "now": datetime.now(timezone.utc).replace(tzinfo=None), "codes": CODES,
                      "per": PER_PARTICIPATION}
            for sql in _PG_FILL:
                db.execute_sql(sql, values)
        else:
            _fill_in_python(activities, volunteers, participations)
    return participations * PER_PARTICIPATION


def _fill_in_python(activities, volunteers, participations):
    """The same rows on SQLite (BENCH_DB=sqlite, small sizes)."""
    rng, now = random.Random(18), datetime.now(timezone.utc).replace(tzinfo=None)
    _insert(Participation, [{"activity": activities[n % 100], "volunteer": volunteers[n // 100 % 1000]}
                            for n in range(participations)])
    made = [pid for (pid,) in Participation.select(Participation.id)
            .where(Participation.activity.in_(activities)).tuples()]
    moments = {pid: now - SPREAD * rng.random() for pid in made}
    _insert(LinkRequest, [{"participation": pid, "kind": RequestKind.REQUEST, "finished_at": at,
                           "created_at": at - timedelta(hours=rng.uniform(0.5, 72)), "next_check_at": at}
                          for pid, at in moments.items()])
    requests = dict(LinkRequest.select(LinkRequest.participation, LinkRequest.id)
                    .where(LinkRequest.participation.in_(made)).tuples())
    logs = []
    for pid in made:
        for n in range(PER_PARTICIPATION):
            code = rng.choice(CODES)
            logs.append({"participation": pid, "date": date(2024, 1, 1) + timedelta(days=n), "start": "10:00",
                         "end": "12:00", "minutes": 120, "result_code": code,
                         "link_state": DateState.SUCCEEDED if code >= 300 else DateState.FAILED,
                         "updated_at": moments[pid] + timedelta(minutes=n)})
    _insert(DailyLog, logs)
    rows = DailyLog.select(DailyLog.id, DailyLog.participation, DailyLog.result_code, DailyLog.updated_at) \
        .where(DailyLog.participation.in_(made)).tuples()
    _insert(LinkAttempt, [{"daily_log": log_id, "request": requests[pid], "ref": f"chart-{log_id}",
                           "state": AttemptState.ANSWERED, "code": code, "answered_at": at, "submitted_at": at}
                          for log_id, pid, code, at in rows])


def _time(fn):
    fn()
    fn()  # warm: the planner's and the cache's first look
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(times), "max_ms": max(times)}


def run(world, dates):
    """Fill the data, then time each chart's query and the whole page's drawing."""
    from pumasi.ops import charts
    app = world.app()
    with app.app_context(), db.connection_context():
        started = time.monotonic()
        made = fill(dates)
        # What autovacuum does after a bulk load: statistics, and the visibility map without which
        # PostgreSQL cannot answer from the charts' covering indexes alone.
        if isinstance(db.obj, SqliteDatabase):
            db.execute_sql("ANALYZE")
        else:
            db.execute_sql("VACUUM (ANALYZE) daily_log, link_attempt, link_request, participation")
        result = {"dates": made, "fill_s": time.monotonic() - started,
                  "weekly": _time(charts.answered_per_week), "times": _time(charts.answer_times),
                  "failures": _time(charts.failures_by_site)}
    client = app.test_client()
    admin = "chartop"
    with app.app_context(), db.connection_context():
        if not Member.select().where(Member.username == admin).exists():
            Member.insert(username=admin, username_key=usernames.key(admin), name="운영자", role="operator",
                          password_hash=generate_password_hash(PASSWORD)).execute()
    login(client, admin)
    page = _time(lambda: client.get("/admin/charts"))
    assert client.get("/admin/charts").status_code == 200
    result["page"] = page
    return result
