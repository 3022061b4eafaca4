"""The operators' charts (issue 18 part 2): one grouped query each, the same numbers on SQLite and
PostgreSQL (percentiles in SQL there, in Python here), drawn as SVG with a title, a description and a
table of the numbers beside. The browser walk at 1280 and 360 px is in test_charts_browser.py."""
from datetime import datetime, timedelta, timezone

from pumasi.clock import KST
from pumasi.linkage.state import AttemptState, DateState
from pumasi.models import DailyLog, LinkAttempt, LinkRequest, Participation
from pumasi.ops import charts
from pumasi.web import svg

from helpers import ctx, sql_of

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=KST)  # a Wednesday


def _utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _answered(logs, code, when, took_hours):
    """Dates answered with code at when (Korea), their 연계신청 took_hours before."""
    state = DateState.SUCCEEDED if code in (300, 400) else DateState.FAILED
    request = LinkRequest.create(participation=logs[0].participation, created_at=_utc(when - timedelta(hours=took_hours)))
    for log in logs:
        DailyLog.update(link_state=state, result_code=code, updated_at=_utc(when)).where(DailyLog.id == log.id).execute()
        LinkAttempt.create(daily_log=log, request=request, ref=f"r{log.id}-{code}-{when:%j%H}", code=code,
                           state=AttemptState.ANSWERED, answered_at=_utc(when))


def test_weeks_are_korean_mondays():
    start, mondays = charts.weeks_start(NOW)
    assert mondays[-1].isoformat() == "2026-12-07" and len(mondays) == 12 and mondays[0].isoformat() == "2026-09-21"
    assert start == datetime(2026, 9, 20, 15, 0)  # Monday 00:00 in Korea is Sunday 15:00 UTC


def test_the_three_charts_count_what_they_say(app, demo):
    with ctx(app):
        logs = list(DailyLog.select().order_by(DailyLog.id))
        _answered(logs[0:3], 300, NOW - timedelta(hours=1), took_hours=2)        # this week: 3 × 300
        _answered(logs[3:4], 100, NOW - timedelta(hours=2), took_hours=10)       # this week: 1 × 100
        _answered(logs[4:6], 200, NOW - timedelta(days=7), took_hours=4)          # last week: 2 × 200
        _answered(logs[6:7], 300, NOW - timedelta(weeks=20), took_hours=1)       # before the 12 weeks
        weekly = charts.answered_per_week(NOW)
        assert weekly.counts == {(11, 300): 3, (11, 100): 1, (10, 200): 2}
        assert weekly.total(11) == 4 and weekly.codes() == [300, 100, 200]
        times = charts.answer_times(NOW)
        week, count, median, p90 = times[11]
        assert (count, median) == (4, 2 * 3600) and abs(p90 - 7.6 * 3600) < 1  # of 2, 2, 2, 10 h: interpolated
        assert times[10][1:] == (2, 4 * 3600, 4 * 3600) and times[0][1:] == (0, None, None)
        sites = {p.id: p.activity.site.name for p in Participation.select()}
        expected = {}
        for log, code in zip(logs[3:6], (100, 200, 200)):
            codes = expected.setdefault(sites[log.participation_id], {})
            codes[code] = codes.get(code, 0) + 1
        assert dict(charts.failures_by_site()) == expected


def test_failures_add_up_over_a_sites_activities_and_volunteers(app, demo):
    """Counted per activity, then per site: two activities of one site add up, each site keeps its own,
    a failed date without a code is counted under none, and dates not standing failed are left out."""
    from pumasi.models import Activity, Member, Site
    with ctx(app):
        first, second = Site.create(name="가 활동처"), Site.create(name="나 활동처")
        volunteers = list(Member.select().where(Member.role == "volunteer").order_by(Member.id).limit(2))
        made = []
        for site, title in ((first, "하나"), (first, "둘"), (second, "셋")):
            activity = Activity.create(site=site, title=title, category="문화", start_date=NOW.date(), end_date=NOW.date())
            for volunteer in volunteers:
                participation = Participation.create(activity=activity, volunteer=volunteer)
                made.append([DailyLog.create(participation=participation, date=NOW.date() - timedelta(days=day),
                                             start="10:00", end="11:00", minutes=60) for day in range(3)])
        failed = {0: (200, 200, 100), 1: (200, None), 2: (99, 200), 4: (200,)}  # participation -> codes of its dates
        for index, codes in failed.items():
            for log, code in zip(made[index], codes):
                DailyLog.update(link_state=DateState.FAILED, result_code=code).where(DailyLog.id == log.id).execute()
        DailyLog.update(link_state=DateState.SUCCEEDED, result_code=300).where(DailyLog.id == made[3][0].id).execute()
        found = dict(charts.failures_by_site())
        assert found["가 활동처"] == {200: 4, 100: 1, None: 1, 99: 1}  # 200: 3 in 하나 + 1 in 둘
        assert found["나 활동처"] == {200: 1}
        assert [name for name, _ in charts.failures_by_site()][:2] == ["가 활동처", "나 활동처"]


def test_each_statement_is_one_grouped_query(app, demo):
    with ctx(app):
        _, seen = sql_of(lambda: (charts.answered_per_week(NOW), charts.answer_times(NOW), charts.failures_by_site()))
        assert len(seen) == 3, seen


def test_the_page_draws_each_chart_with_a_title_and_its_table(app, client, auth, demo):
    auth.login("admin")
    page = client.get("/admin/charts").get_data(as_text=True)
    assert page.count('role="img"') == 3 and page.count("<title id=") == 3 and page.count("<desc id=") == 3
    assert page.count('<table class="numbers">') == 3
    assert "주별 연계 결과" in page and "중앙값" in page and "활동처별 연계실패" in page
    auth.logout()
    auth.login("site1")
    assert client.get("/admin/charts").status_code == 403


def test_svg_escapes_and_scales():
    drawn = svg.stacked_bars("x", "<t>", "d & e", ["<script>", "b"], [("c", "#000", [3, 0])])
    assert "<script>" not in drawn and "&lt;t&gt;" in drawn and "d &amp; e" in drawn
    assert [svg.nice_max(n) for n in (0, 2, 7, 11, 4100)] == [4, 4, 8, 20, 8000]
    assert svg.nice_max(0.3, whole=False) == .4 and svg.nice_max(28, whole=False) == 40


def test_the_failures_chart_says_when_it_shows_only_the_sites_with_most(app, client, auth, demo):
    """Room for 15 bars: with 16 sites failing, the chart's description says it shows the 15 with the
    most failures and the table all of them."""
    from pumasi.models import Activity, Member, Site
    with ctx(app):
        volunteer = Member.get(Member.username == "vol1")
        for n in range(16):
            activity = Activity.create(site=Site.create(name=f"실패 {n:02d}"), title="t", category="문화",
                                       start_date=NOW.date(), end_date=NOW.date())
            participation = Participation.create(activity=activity, volunteer=volunteer)
            DailyLog.create(participation=participation, date=NOW.date(), start="10:00", end="11:00", minutes=60,
                            link_state=DateState.FAILED, result_code=200)
    auth.login("admin")
    page = client.get("/admin/charts").get_data(as_text=True)
    desc = page.split('<desc id="failures-desc">')[1].split("</desc>")[0]
    assert "연계실패가 많은 15곳의 활동처별로" in desc and "(모든 활동처)" in desc
    assert page.count("<th scope=\"row\">실패 ") == 16
