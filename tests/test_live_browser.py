"""활동내역 live in a real browser (issue 17): two tabs of one volunteer, one presses 연계신청 and the
other follows by its page poll alone (no per-row poll, no reload), told in the live region; a hidden
tab sends nothing and checks once when shown again; a page with nothing 연계중 sends nothing; 연계신청
from the keyboard keeps the focus in its row; axe-core finds nothing on a page with a 연계중 row.

The whole service runs as real processes (simulator, worker, gunicorn); ROW_POLL_SECONDS is 1 here."""
import time

import pytest

import helpers
from pumasi.linkage.state import DateState
from pumasi.models import DailyLog

from test_browser import (SMARTPHONE, TWO_DATES, expect, link_cell, log_in, open_activities, page,  # noqa: F401 (page: a fixture)
                          participation, query, row)

pytestmark = pytest.mark.browser

PRESSED_NOW = "() => localStorage.setItem('pumasi:linked-at', String(Date.now()))"
SET_VISIBILITY = """state => {
    Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
    Object.defineProperty(document, "hidden", {value: state === "hidden", configurable: true});
    document.dispatchEvent(new Event("visibilitychange"));
}"""


# Every state a row shows, in order, and every control that got the focus (a MutationObserver: the
# row may pass through 연계중 faster than an assertion looks).
RECORD = """rowId => {
    window.__states = [];
    window.__focused = [];
    const note = () => {
        const row = document.getElementById(rowId);
        const state = row && row.getAttribute("data-state");
        if (state && window.__states[window.__states.length - 1] !== state) window.__states.push(state);
    };
    note();
    new MutationObserver(note).observe(document.body, {subtree: true, childList: true, attributes: true});
    document.addEventListener("focusin", event => window.__focused.push(event.target.textContent.trim()));
}"""


def polls(page):
    """The list the page's requests to the page poll (and to the old per-row poll) are counted in."""
    seen = []
    page.on("request", lambda request: ("/activities/changes" in request.url or request.url.endswith("/row"))
            and seen.append(request.url))
    return seen


def test_two_tabs_the_other_follows_by_its_page_poll(browser, world):
    query(world, lambda: helpers.verify(world.app, "vol1"))
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ko-KR", base_url=world.web_url)
    pressing, watching = context.new_page(), context.new_page()
    log_in(pressing, "vol1")
    open_activities(pressing)
    watching.goto("/mypage/activities")
    watching.wait_for_load_state("load")
    seen = polls(watching)
    expect(link_cell(watching, SMARTPHONE).get_by_role("button", name="연계신청")).to_be_visible()
    watching.evaluate(RECORD, row(watching, SMARTPHONE).get_attribute("id"))
    row(pressing, SMARTPHONE).get_by_role("button", name="연계신청").click()
    expect(link_cell(pressing, SMARTPHONE).get_by_role("button", name="연계중")).to_be_visible()
    # The other tab: 연계중, then 연계완료, by itself.
    expect(link_cell(watching, SMARTPHONE).get_by_role("link", name="연계완료")).to_be_visible()
    assert watching.evaluate("() => window.__states") == ["request", "linking", "done"]
    expect(watching.locator("#live-status")).to_have_text(f"{SMARTPHONE} 연계완료")
    assert seen and all("/activities/changes" in url for url in seen), seen  # one poll per page, no /row
    context.close()


def _linking_page(browser, world):
    """A page with one row held 연계중 (its dates pending, no request: nothing will settle it)."""
    held = participation(world, "vol1", TWO_DATES).id
    query(world, lambda: DailyLog.update(link_state=DateState.PENDING).where(DailyLog.participation == held).execute())
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ko-KR", base_url=world.web_url)
    page = context.new_page()
    log_in(page, "vol1")
    page.evaluate(PRESSED_NOW)  # as if this browser had just pressed 연계신청: the fast regime (1 s here)
    open_activities(page)
    return context, page


def test_a_hidden_tab_sends_no_request_and_checks_once_when_shown(browser, world):
    context, page = _linking_page(browser, world)
    seen = polls(page)
    page.wait_for_timeout(3500)
    assert len(seen) >= 2, seen  # visible, 연계중, just pressed: about one a second
    page.evaluate(SET_VISIBILITY, "hidden")
    page.wait_for_timeout(1200)  # a request already on its way may still land
    seen.clear()
    page.wait_for_timeout(4000)
    assert seen == [], seen
    page.evaluate(SET_VISIBILITY, "visible")
    deadline = time.monotonic() + 0.9
    while not seen and time.monotonic() < deadline:  # at once, not after the next interval
        page.wait_for_timeout(50)
    assert len(seen) == 1, seen
    context.close()


def test_nothing_linking_nothing_sent(page, world):
    log_in(page, "vol1")
    page.evaluate(PRESSED_NOW)
    seen = polls(page)
    open_activities(page)
    page.wait_for_timeout(3500)
    assert seen == [], seen


def test_keyboard_link_request_keeps_the_focus_in_its_row(page, world):
    query(world, lambda: helpers.verify(world.app, "vol1"))
    log_in(page, "vol1")
    open_activities(page)
    target = row(page, SMARTPHONE)
    row_id = target.get_attribute("id")
    target.get_by_role("button", name="연계신청").focus()
    page.evaluate(RECORD, row_id)
    page.keyboard.press("Enter")
    # On the row's 연계중, then still in its row when the page poll swaps in 연계완료.
    expect(link_cell(page, SMARTPHONE).get_by_role("link", name="연계완료")).to_be_focused()
    assert page.evaluate("() => document.activeElement.closest('tr').id") == row_id
    assert page.evaluate("() => window.__focused") == ["연계중", "연계완료"]
    expect(page.locator("#live-status")).to_have_text(f"{SMARTPHONE} 연계완료")


@pytest.mark.parametrize("width", [360, 1280])
def test_no_axe_violations_with_a_row_linking(browser, world, width):
    context, page = _linking_page(browser, world)
    page.set_viewport_size({"width": width, "height": 800})
    expect(link_cell(page, TWO_DATES).get_by_role("button", name="연계중")).to_be_visible()
    assert helpers.axe_violations(page) == []
    context.close()
