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
