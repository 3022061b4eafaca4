"""입력 요청 in a real browser (issue 18 part 3): a volunteer on a phone presses 입력 요청 in the no-detail
notice; the site manager sees it on their home page, enters a date, the request closes, and the
volunteer's row offers 연계신청 again. Real gunicorn, worker and simulator (the `world` fixture)."""
import re

import pytest

import helpers
from pumasi.models import EntryRequest

from test_site_browser import log_in, open_context, query  # noqa: F401 (open_context: a fixture)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
MUSEUM = "박물관 전시 해설 도우미"  # site2's, 2026-03-01~2026-12-31: vol1, vol2, vol3 without a date
DAY = "2026-11-21"


def museum_cell(page):
    row = page.locator("table.activities tbody tr").filter(
        has=page.locator("td.title", has_text=re.compile("^" + re.escape(MUSEUM) + r"(\s|$)")))
    return row.locator("td.link")


def volunteer_asks(phone):
    log_in(phone, "vol1")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    phone.goto("/mypage/activities")
    phone.wait_for_load_state("load")
    museum_cell(phone).get_by_role("button", name="연계신청").click()
    modal = phone.locator("#modal dialog[open]")
    expect(modal).to_contain_text("상세봉사내역이 존재하지 않습니다.")
    assert helpers.axe_violations(phone) == []
    modal.get_by_role("button", name="입력 요청").click()
    expect(modal).to_contain_text("상세봉사내역 입력을 요청했습니다")
    modal.locator(".buttons").get_by_role("button", name="확인").click()
    expect(phone.locator("#modal dialog")).to_have_count(0)
    expect(museum_cell(phone)).to_contain_text(re.compile(r"입력 요청함 \(\d{4}-\d{2}-\d{2}\)"))
    expect(museum_cell(phone).get_by_role("button", name="연계신청")).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def site_sees_it_and_enters_a_date(desk, world):
    log_in(desk, "site2")
    requests = desk.locator("section.entry-requests")
    expect(requests.get_by_role("heading", level=2)).to_have_text("입력 요청 (1건)")
    expect(requests.locator("tbody tr")).to_have_count(1)
    expect(requests.locator("tbody tr")).to_contain_text("김민준 (vol1)")
    assert helpers.axe_violations(desk) == []
    requests.get_by_role("link", name=MUSEUM).click()
    desk.get_by_label("활동일").fill(DAY)
    desk.get_by_role("button", name="불러오기").click()
    form = desk.locator("#day-form")
    form.get_by_label("김민준 시작시간", exact=True).fill("10:00")
    form.get_by_label("김민준 종료시간", exact=True).fill("12:00")
    form.get_by_role("button", name="저장").click()
    expect(form.get_by_role("status")).to_have_text(f"{DAY} 상세봉사내역 1건을 저장했습니다.")
    assert query(world, lambda: EntryRequest.get().closed_at) is not None
    desk.goto("/site/")
    expect(desk.locator("section.entry-requests")).to_have_count(0)


def test_a_volunteer_asks_the_site_enters_a_date_and_the_row_offers_linkage(open_context, world):
    phone = open_context(PHONE)
    volunteer_asks(phone)
    site_sees_it_and_enters_a_date(open_context(DESKTOP), world)
    phone.reload()
    expect(museum_cell(phone).get_by_role("button", name="연계신청")).to_be_visible()
    expect(museum_cell(phone)).not_to_contain_text("입력 요청함")
