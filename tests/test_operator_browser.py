"""운영관리 in a real browser: an operator fixes a 200 failure and runs per-date linkage for a
whole-period participation (확인서 출력: tests/test_certificate_browser.py)."""
import time

import pytest

from pumasi import demo
from pumasi.db import db
from pumasi.jobs.tasks import enqueue_request
from pumasi.linkage.requests import request_linkage
from pumasi.linkage.state import DateState

import helpers
from pumasi.models import Activity, DailyLog, Member, Participation

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

WAIT = 20_000
DESKTOP = {"width": 1280, "height": 800}
LEGACY = "1365 중간 연계 테스트 입니다. 신청하지 마세요"
PICTURE_BOOKS = "어린이 그림책 읽어주기"


def _context(browser, world, viewport):
    context = browser.new_context(viewport=viewport, locale="ko-KR", base_url=world.web_url)
    context.set_default_timeout(WAIT)
    return context


def _log_in(page, username):
    page.goto("/login")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(demo.PASSWORD)
    page.get_by_role("button", name="로그인").click()


def _in_db(world, fn):
    with world.app.app_context(), db.connection_context():
        return fn()


def _verify_and_request(world, username, title):
    """What the volunteer did before calling 기술지원: 본인인증, then 연계신청 (as the views do)."""
    def run():
        volunteer = Member.get(Member.username == username)
        rrn = {"vol1": helpers.RRN_VOL1, "vol2": helpers.RRN_VOL2}[username]
        helpers.verify(world.app, username, rrn)
        participation = (Participation.select().join(Activity)
                         .where(Participation.volunteer == volunteer, Activity.title == title).get())
        request = request_linkage(participation, volunteer)
        if request is not None:
            enqueue_request(world.app, request.id)
        return participation.id
    return _in_db(world, run)


def _wait_for_states(world, participation_id, states, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        found = _in_db(world, lambda: {log.link_state for log in
                                       DailyLog.select().where(DailyLog.participation == participation_id)})
        if found and found <= states:
            return found
        assert time.monotonic() < deadline, (found, world.processes.logs()[-3000:])
        time.sleep(0.2)


def test_operator_retries_a_200_failure_after_consent(browser, world):
    pid = _verify_and_request(world, "vol2", PICTURE_BOOKS)
    _wait_for_states(world, pid, {DateState.FAILED})

    context = _context(browser, world, DESKTOP)
    page = context.new_page()
    _log_in(page, "admin")
    expect(page.get_by_role("heading", level=1)).to_contain_text("연계 현황")
    expect(page.locator("[data-count=code-200]")).to_have_text("2")
    page.get_by_role("navigation", name="운영관리 메뉴").get_by_role("link", name="연계실패").click()
    failures = page.locator("#failures")
    failures.get_by_label("코드").select_option("200")
    failures.get_by_role("button", name="조회").click()
    rows = failures.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("이서연")
    expect(rows.first.locator("td.code")).to_have_text("200")

    # The list refreshes itself (no reload needed) while nothing is checked.
    with page.expect_response(lambda r: "/admin/failures" in r.url and r.request.method == "GET",
                              timeout=15_000):
        pass
    expect(rows).to_have_count(2)

    world.sim("set-consent", "seoyeon1365", "yes")  # the volunteer gave consent on 1365
    for checkbox in rows.get_by_role("checkbox").all():
        checkbox.check()
    failures.get_by_role("button", name="선택 재연계").click()
    expect(page.locator(".flash")).to_contain_text("1건의 재연계를 요청했습니다.")

    _wait_for_states(world, pid, {DateState.SUCCEEDED})
    page.get_by_role("navigation", name="운영관리 메뉴").get_by_role("link", name="연계 현황").click()
    expect(page.locator("[data-count=code-300]")).to_have_text("2", timeout=WAIT)  # the monitor polls itself
    expect(page.locator("[data-count=state-failed]")).to_have_text("0")
    page.goto(f"/admin/participations/{pid}")
    expect(page.locator("table.dates tbody tr")).to_have_count(2)
    for tr in page.locator("table.dates tbody tr").all():
        expect(tr).to_contain_text("연계성공")
        expect(tr).to_contain_text("300")
    context.close()


def test_operator_runs_per_date_linkage_for_a_whole_period_participation(browser, world):
    pid = _verify_and_request(world, "vol1", LEGACY)  # the volunteer's own request sends nothing here
    assert _in_db(world, lambda: {log.link_state for log in DailyLog.select().where(DailyLog.participation == pid)}) \
        == {"unsent"}

    context = _context(browser, world, DESKTOP)
    page = context.new_page()
    _log_in(page, "admin")
    page.get_by_role("navigation", name="운영관리 메뉴").get_by_role("link", name="회원").click()
    page.get_by_label("검색").fill("vol1")
    page.get_by_role("button", name="검색").click()
    page.get_by_role("link", name="김민준").click()
    expect(page.locator("table")).to_contain_text("연계완료 (기간 전체)")
    page.get_by_role("link", name=LEGACY).click()
    expect(page.locator("table.dates")).to_contain_text("기간 전체 연계")
    page.get_by_role("button", name="날짜 별 연계 진행").click()
    expect(page.locator(".flash")).to_contain_text("날짜 별 연계를 요청했습니다.")

    _wait_for_states(world, pid, {DateState.SUCCEEDED})
    page.reload()
    expect(page.locator("table.dates tbody tr").first).to_contain_text("연계성공")
    expect(page.locator("table.dates tbody tr").first).to_contain_text("300")
    expect(page.locator(".state-word")).to_have_text("연계완료")
    expect(page.get_by_text("날짜 별 연계(기술지원)")).to_be_visible()  # both histories kept
    context.close()
