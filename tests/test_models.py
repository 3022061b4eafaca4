"""The data model, the schema commands and the derived link state."""
from datetime import date, time

import psycopg2
import pytest

from pumasi import migrations
from pumasi.db import db
from pumasi.linkage import reads
from pumasi.linkage.state import DateState, ParticipationState, derive_state
from pumasi.models import (Activity, DailyLog, Member, Participation,
                           SchemaVersion, Site)

import helpers


@pytest.mark.parametrize("counts, legacy, expected", [
    ((0, 0, 0, 0), False, ParticipationState.REQUEST),      # no daily logs yet: 연계신청 (opens the notice)
    ((2, 0, 0, 2), False, ParticipationState.REQUEST),      # nothing sent
    ((2, 1, 1, 0), False, ParticipationState.LINKING),      # a date in flight wins over a failure
    ((2, 0, 1, 0), False, ParticipationState.FAILED),      # a failure wins over an unsent date
    ((3, 0, 1, 1), False, ParticipationState.FAILED),
    ((3, 0, 0, 1), False, ParticipationState.REQUEST),      # a site added a day after 연계완료
    ((2, 0, 0, 0), False, ParticipationState.DONE),         # every date succeeded
    ((1, 0, 0, 1), True, ParticipationState.DONE),          # linked the old whole-period way
    ((0, 0, 0, 0), True, ParticipationState.DONE),
    ((2, 1, 0, 1), True, ParticipationState.LINKING),
])
def test_derive_state(counts, legacy, expected):
    assert derive_state(*counts, legacy=legacy) == expected


def _participation():
    site = Site.create(name="활동처")
    volunteer = Member.create(username="v", password_hash="x", name="봉사자", role="volunteer")
    activity = Activity.create(site=site, category="문화", title="제목", start_date=date(2024, 1, 1),
                               end_date=date(2024, 12, 31))
    return Participation.create(activity=activity, volunteer=volunteer)


def test_summaries_count_minutes_and_states(app):
    with app.app_context(), db.connection_context():
        p = _participation()
        for day, state, minutes in ((1, DateState.SUCCEEDED, 360), (2, DateState.FAILED, 30), (3, DateState.UNSENT, 60), (4, DateState.PENDING, 90)):
            DailyLog.create(participation=p, date=date(2024, 3, day), start=time(10), end=time(17),
                            minutes=minutes, link_state=state)
        s = reads.summary(p)
        assert (s.minutes, s.total, s.pending, s.failed, s.unsent) == (540, 4, 1, 1, 1)
        assert s.state == ParticipationState.LINKING
        empty = reads.summaries([])
        assert empty == {}


def test_schema_upgrade_is_safe_twice(app):
    with app.app_context(), db.connection_context():
        assert migrations.upgrade() == (migrations.LATEST, migrations.LATEST)
        assert SchemaVersion.select().count() == 1
        assert set(db.get_tables()) >= {m._meta.table_name for m in migrations.MODELS}


def test_init_db_command_twice(runner):
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "up to date" in second.output


def test_participation_unique_per_volunteer(app):
    from peewee import IntegrityError
    with app.app_context(), db.connection_context():
        p = _participation()
        with pytest.raises(IntegrityError), db.atomic():
            Participation.create(activity=p.activity, volunteer=p.volunteer)


def test_volunteer_page_rows_match_their_summaries(app):
    """The 활동내역 rows (one SQL statement for the page, one for its sums) agree with the ORM's
    summaries, come newest first (ties: the later activity, then the later participation), page
    correctly, and never include another volunteer's participation."""
    with app.app_context(), db.connection_context():
        site = Site.create(name="활동처")
        me = Member.create(username="me", password_hash="x", name="나", role="volunteer")
        other = Member.create(username="other", password_hash="x", name="남", role="volunteer")
        mine = []
        for n in range(25):
            activity = Activity.create(site=site, category="문화", title=f"활동 {n}", location="종로" if n % 2 else "",
                                       start_date=date(2024, 1, 1 + n % 5), end_date=date(2024, 6, 30))
            mine.append(Participation.create(activity=activity, volunteer=me, legacy_linked=n == 3))
            Participation.create(activity=activity, volunteer=other)
            for day, state in enumerate([DateState.SUCCEEDED, DateState.FAILED, DateState.PENDING, DateState.UNSENT][: n % 5]):
                DailyLog.create(participation=mine[-1], date=date(2024, 2, day + 1), start=time(9), end=time(10),
                                minutes=60 + n, link_state=state)

        total, first = reads.volunteer_page(me.id, 1, 20)
        _, second = reads.volunteer_page(me.id, 2, 20)
        assert total == 25 and len(first) == 20 and len(second) == 5
        expected = sorted(mine, key=lambda p: (p.activity.start_date, p.activity.id, p.id), reverse=True)
        assert [r.id for r in first + second] == [p.id for p in expected]
        sums = reads.summaries(mine)
        by_id = {p.id: p for p in mine}
        for row in first + second:
            p = by_id[row.id]
            assert row.summary == sums[row.id] and row.state == sums[row.id].state
            assert (row.title, row.category, row.location, row.site_name, row.start_date, row.end_date,
                    row.legacy_linked) == (p.activity.title, "문화", p.activity.location, "활동처",
                                           p.activity.start_date, date(2024, 6, 30), p.legacy_linked)
        assert {r.state for r in first + second} == {ParticipationState.REQUEST, ParticipationState.DONE, ParticipationState.FAILED, ParticipationState.LINKING}

        assert reads.volunteer_page(me.id, 3, 20) == (25, [])  # past the last page: the count alone
        assert reads.volunteer_page(Member.create(username="new", password_hash="x", name="새",
                                                    role="volunteer").id, 1, 20) == (0, [])
        assert reads.volunteer_row(me.id, mine[7].id) == next(r for r in first + second if r.id == mine[7].id)
        theirs = Participation.get(Participation.volunteer == other)
        assert reads.volunteer_row(me.id, theirs.id) is None


def test_pool_checks_only_connections_idle_for_a_while(pg_database, monkeypatch):
    """A PostgreSQL connection back in the pool a moment ago is handed out again without a round trip;
    one idle longer is checked first, and one whose server side died is replaced, not handed out."""
    if pg_database is None:
        helpers.missing("PostgreSQL is not reachable at 127.0.0.1:5432 (set PUMASI_TEST_PG)")
    from playhouse.db_url import parse
    from pumasi.db import PooledPostgres
    pool = PooledPostgres(**parse(pg_database), max_connections=2)
    checks = []
    real = pool._adapter.is_connection_closed
    monkeypatch.setattr(pool._adapter, "is_connection_closed", lambda conn: checks.append(1) or real(conn))
    try:
        pool.connect()
        pid = pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        pool.close()
        pool.connect()  # just returned: no check
        assert checks == [] and pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0] == pid
        pool.close()
        monkeypatch.setattr(PooledPostgres, "ALIVE_BYPASS", 0.0)
        pool.connect()  # idle "too long": checked, and alive
        assert checks == [1] and pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0] == pid
        pool.close()
        with psycopg2.connect(pg_database) as admin, admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
        admin.close()
        pool.connect()  # its server side is gone: checked, dropped, a new one
        assert pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0] != pid
        pool.close()
    finally:
        pool.close_all()
