"""The operators' charts in a real browser (issue 18 part 2): at 1280 and 360 px each chart is drawn
with its table of numbers beside it, nothing overflows, and axe-core finds no violation."""
from datetime import datetime, timedelta

import pytest

import helpers
from pumasi.clock import KST
from pumasi.models import DailyLog

from test_charts import _answered
from test_site_browser import DESKTOP, PHONE, log_in, open_context, query  # noqa: F401 (open_context: a fixture)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser


def _some_answers(world):
    def make():
        logs = list(DailyLog.select().order_by(DailyLog.id))
        now = datetime.now(KST)
        for n, code in enumerate((300, 300, 100, 200, 99, 400)):
            _answered(logs[n * 2:n * 2 + 2], code, now - timedelta(days=n * 9, hours=1), took_hours=3 + n * 5)
    query(world, make)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])
def test_the_charts_and_their_tables_at_both_widths(open_context, world, viewport):
    _some_answers(world)
    page = open_context(viewport)
    log_in(page, "admin")
    page.goto("/admin/charts")
    expect(page.get_by_role("heading", level=1)).to_contain_text("통계")
    for name in ("주별 연계 결과 (최근 12주)", "연계신청부터 최종 응답까지 걸린 시간 (시간)", "활동처별 연계실패 날짜"):
        expect(page.get_by_role("img", name=name)).to_be_visible()
    expect(page.locator("table.numbers")).to_have_count(3)
    expect(page.locator("table.numbers").first.locator("tbody tr")).to_have_count(12)
    expect(page.locator("table.numbers").nth(2).locator("tbody tr")).not_to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=f"/tmp/pumasi-charts-{viewport['width']}.png", full_page=True)
    assert helpers.axe_violations(page) == []


def test_an_alert_its_banner_and_its_page_on_a_phone(open_context, world):
    """경보 at 360 px: the banner on every operator page, the list and the alert's page with its requests."""
    from pumasi.clock import utcnow
    from pumasi.models import Alert
    _some_answers(world)
    # The heartbeat's: the worker's sweep, which clears what it no longer sees, leaves it to /healthz.
    alert_id = query(world, lambda: Alert.create(kind="heartbeat", open_kind="heartbeat", started_at=utcnow(),
                                                  detail="가장 최근 워커 신호가 400초 전입니다.").id)
    page = open_context(PHONE)
    log_in(page, "admin")
    expect(page.get_by_role("heading", level=1)).to_contain_text("운영관리")
    page.goto("/admin/members")
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("가장 최근 워커 신호가 400초 전입니다.")
    banner.get_by_role("link", name="워커 신호 없음").click()
    expect(page).to_have_url(f"{world.web_url}/admin/alerts/{alert_id}")
    expect(page.get_by_role("heading", name="조치")).to_be_visible()
    for path in (f"/admin/alerts/{alert_id}", "/admin/alerts"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        assert helpers.axe_violations(page) == [], path
