"""An activity site enters daily logs in a real browser (Debian chromium): on a desktop, then on a phone;
then the volunteer sees the new hours and 연계신청, and only the new date goes to 1365."""
import re

import pytest

import helpers
from pumasi.linkage.state import DateState
from pumasi import demo
from pumasi.db import db
from pumasi.models import Activity, DailyLog, LinkAttempt, LinkRequest, Member, Participation

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

WAIT = 20_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
MENTORING = "청소년 문화예술 멘토링"  # site1, 2026-06-01~2026-11-30; vol1 (2 dates, 2 hours each) and vol3
DAY = "2026-11-21"


@pytest.fixture
def world(world):
    """The shared world, with vol1's dates of 멘토링 already linked."""
    with world.app.app_context(), db.connection_context():
        DailyLog.update(link_state=DateState.SUCCEEDED, result_code=300).where(
            DailyLog.participation == _participation("vol1")).execute()
    return world


def _participation(username):
    return (Participation.select().join(Activity).switch(Participation).join(Member)
            .where(Member.username == username, Activity.title == MENTORING).get())


def query(world, fn):
    with world.app.app_context(), db.connection_context():
        return fn()


@pytest.fixture
def open_context(browser, world):
    """Browser contexts at a viewport; none may throw a script error or get a 5xx."""
    contexts, problems = [], []

    def make(viewport):
        context = browser.new_context(viewport=viewport, locale="ko-KR", base_url=world.web_url)
        context.set_default_timeout(WAIT)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
        page.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))
        contexts.append(context)
        return page
    yield make
    for context in contexts:
        context.close()
    assert not problems, problems


def log_in(page, username):
    page.goto("/login")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(demo.PASSWORD)
    page.get_by_role("button", name="로그인").click()


def open_activity(page):
    expect(page.get_by_role("heading", level=1)).to_contain_text("활동처관리")
    page.get_by_role("link", name=MENTORING).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(MENTORING)


def fits(page, width):
    return page.evaluate("document.documentElement.scrollWidth") <= width


def site_adds_vol2_at_a_desk(open_context):
    """The site manager at a desktop adds 이서연 by 회원아이디; returns the page."""
    desk = open_context(DESKTOP)
    log_in(desk, "site1")
    open_activity(desk)
    search = desk.locator("#volunteer-search")
    search.get_by_label("회원아이디", exact=True).fill("vol2")
    search.get_by_role("button", name="찾기").click()
    expect(search.locator(".search-results")).to_contain_text("이서연")
    search.get_by_role("button", name="추가").click()
    expect(desk.locator("table.site-people tbody tr")).to_have_count(3)
    return desk


def site_fills_one_date_for_three(desk, world):
    """일별 입력: the common times filled into the three rows; nothing saved yet."""
    desk.locator(".activity-info").get_by_role("link", name="일별 입력").click()
    desk.get_by_label("활동일").fill(DAY)
    desk.get_by_role("button", name="불러오기").click()
    expect(desk).to_have_url(re.compile(r"date=" + DAY))
    form = desk.locator("#day-form")
    expect(form.locator("table.day-rows tbody tr")).to_have_count(3)
    form.get_by_label("공통 시작시간").fill("10:00")
    form.get_by_label("공통 종료시간").fill("13:00")
    for name in ("김민준", "이서연", "박지호"):
        form.get_by_label(f"{name} 선택").check()
    form.get_by_role("button", name="선택한 봉사자에게 적용").click()
    for name in ("김민준", "이서연", "박지호"):
        expect(form.get_by_label(f"{name} 시작시간", exact=True)).to_have_value("10:00")
        expect(form.get_by_label(f"{name} 종료시간", exact=True)).to_have_value("13:00")
    expect(form.get_by_label("김민준 인정시간(분)")).to_have_attribute("placeholder", "180")
    assert query(world, lambda: DailyLog.select().where(DailyLog.date == DAY).count()) == 0


def site_adjusts_and_saves(desk, world):
    """Adjusted per person: 박지호 left at 12:30; a mistake first, shown on its row, nothing saved."""
    form = desk.locator("#day-form")
    form.get_by_label("박지호 종료시간", exact=True).fill("09:30")
    form.get_by_role("button", name="저장").click()
    expect(form.get_by_role("alert")).to_contain_text("저장하지 않았습니다")
    expect(form.locator("tr.invalid")).to_contain_text("종료시간은 시작시간보다 늦어야 합니다.")
    assert query(world, lambda: DailyLog.select().where(DailyLog.date == DAY).count()) == 0
    form.get_by_label("박지호 종료시간", exact=True).fill("12:30")
    form.get_by_role("button", name="저장").click()
    expect(form.get_by_role("status")).to_have_text(f"{DAY} 상세봉사내역 3건을 저장했습니다.")
    desk.screenshot(path="/tmp/pumasi-site-desktop-day.png", full_page=True)

    def saved():
        return sorted((log.participation.volunteer.username, f"{log.start:%H:%M}", f"{log.end:%H:%M}", log.minutes)
                      for log in DailyLog.select().where(DailyLog.date == DAY))
    assert query(world, saved) == [("vol1", "10:00", "13:00", 180), ("vol2", "10:00", "13:00", 180),
                                   ("vol3", "10:00", "12:30", 150)]


def site_edits_one_on_a_phone(open_context):
    """The same manager on a phone: 김민준 stayed an hour longer."""
    phone = open_context(PHONE)
    log_in(phone, "site1")
    open_activity(phone)
    phone.get_by_role("link", name=f"김민준 {DAY} 수정").click()
    modal = phone.locator("#modal dialog[open]")
    expect(modal.get_by_role("heading")).to_have_text("상세봉사내역 수정")
    expect(modal.get_by_label("시작시간")).to_have_value("10:00")
    modal.get_by_label("종료시간").fill("14:00")
    modal.get_by_role("button", name="저장").click()
    expect(phone.locator("#modal dialog")).to_have_count(0)
    row = phone.locator("table.site-logs tbody tr").filter(has_text=DAY).filter(has_text="김민준")
    expect(row.locator("td[data-label=종료시간]")).to_have_text("14:00")
    expect(row.locator("td[data-label=인정시간]")).to_have_text("4시간")
    expect(phone.locator("table.site-people tbody tr").filter(has_text="김민준")).to_contain_text("연계신청")
    assert fits(phone, PHONE["width"])
    phone.screenshot(path="/tmp/pumasi-site-phone.png", full_page=True)
    phone.locator(".activity-info").get_by_role("link", name="일별 입력").click()
    expect(phone.locator("table.day-rows tbody tr")).to_have_count(3)
    assert fits(phone, PHONE["width"])
    phone.screenshot(path="/tmp/pumasi-site-phone-day.png", full_page=True)


def volunteer_links_the_new_date(open_context, world):
    """The volunteer: 활동시간 with the new date, and 연계신청 again; only the new date is sent."""
    vol = open_context(PHONE)
    log_in(vol, "vol1")
    vol.goto("/mypage/activities")
    volunteer_row = vol.locator("table.activities tbody tr").filter(has_text=MENTORING)
    expect(volunteer_row.locator("td[data-label=활동시간]")).to_have_text("8시간")
    volunteer_row.get_by_role("button", name="연계신청").click()
    modal = vol.locator("#modal dialog[open]")
    modal.get_by_label("주민등록번호 앞 6자리").fill(helpers.RRN_VOL1[:6])
    modal.get_by_label("주민등록번호 뒤 7자리").fill(helpers.RRN_VOL1[6:])
    modal.get_by_role("button", name="인증").click()
    modal.get_by_role("button", name="확인").click()
    volunteer_row.get_by_role("button", name="연계신청").click()
    expect(volunteer_row.get_by_role("button", name="연계중")).to_be_disabled()
    expect(volunteer_row.get_by_role("link", name="연계완료")).to_be_visible(timeout=WAIT)  # the worker and 1365
    volunteer_row.get_by_role("link", name="연계완료").click()
    dates = vol.locator("#modal dialog[open] table.dates tbody tr")
    expect(dates).to_have_count(3)
    expect(dates.last).to_contain_text(DAY)
    assert [c.strip() for c in dates.last.locator("td").all_inner_texts()] == [
        DAY, "10:00", "14:00", "4시간", "연계성공", "300"]

    def sent():
        request = LinkRequest.get(LinkRequest.participation == _participation("vol1"))
        return [a.daily_log.date.isoformat() for a in LinkAttempt.select().where(LinkAttempt.request == request)]
    assert query(world, sent) == [DAY]


def test_a_site_enters_a_date_for_three_on_a_desktop_edits_one_on_a_phone_and_the_volunteer_sees_it(
        world, open_context):
    desk = site_adds_vol2_at_a_desk(open_context)
    site_fills_one_date_for_three(desk, world)
    site_adjusts_and_saves(desk, world)
    site_edits_one_on_a_phone(open_context)
    volunteer_links_the_new_date(open_context, world)


def test_a_site_adds_a_volunteer_on_a_phone_and_the_volunteer_leaves(open_context, world):
    """On a 360-px phone: site1 finds vol2 by name and phone and adds them (the form sends the
    회원아이디, never a member id); vol2 sees the activity on 활동내역, taps 활동 나가기, confirms in
    the dialog, and the row is gone."""
    query(world, lambda: Member.update(phone="010-1234-5678").where(Member.username == "vol2").execute())
    site = open_context(PHONE)
    log_in(site, "site1")
    open_activity(site)
    search = site.get_by_role("search", name="봉사자 찾기")
    search.get_by_label("이름").fill("이서연")
    search.get_by_label("연락처").fill("010-1234-5678")
    search.get_by_role("button", name="찾기").click()
    found = site.locator(".search-results li", has_text="이서연")
    expect(found).to_contain_text("vol2")
    expect(found).not_to_contain_text("5678")  # least privilege: a phone only where logs are entered
    assert found.locator('input[name="member_id"]').count() == 0
    found.get_by_role("button", name="추가").click()
    expect(site.locator("td", has_text="이서연").first).to_be_visible()
    assert fits(site, PHONE["width"])

    volunteer = open_context(PHONE)
    log_in(volunteer, "vol2")
    volunteer.goto("/mypage/activities")
    volunteer.wait_for_load_state("load")
    row = volunteer.locator("table.activities tbody tr", has_text=MENTORING)
    expect(row).to_have_count(1)
    assert fits(volunteer, PHONE["width"])
    row.get_by_role("link", name="활동 나가기").click()
    dialog = volunteer.locator("#modal dialog[open]")
    expect(dialog).to_contain_text("이 활동에서 나가시겠습니까?")
    dialog.get_by_role("button", name="활동 나가기").click()
    expect(dialog).to_contain_text("활동에서 나갔습니다")
    dialog.get_by_role("button", name="확인").click()
    expect(volunteer.locator("table.activities tbody tr", has_text=MENTORING)).to_have_count(0)
    assert query(world, lambda: Participation.select().join(Activity).switch(Participation).join(Member).where(
        Member.username == "vol2", Activity.title == MENTORING).count()) == 0


def test_a_date_changed_on_a_phone_shows_the_1365_rules_to_check(open_context, world):
    """박지호's date changed to 10:00–11:30 in the dialog: saved, the list behind shows it, and the
    dialog stays open with the rule to check (1.5 hours: NEIS credits whole hours) until 확인."""
    def add():
        DailyLog.create(participation=_participation("vol3"), date=DAY, start="10:00", end="12:00", minutes=120)
    query(world, add)
    phone = open_context(PHONE)
    log_in(phone, "site1")
    open_activity(phone)
    phone.get_by_role("link", name=f"박지호 {DAY} 수정").click()
    modal = phone.locator("#modal dialog[open]")
    modal.get_by_label("종료시간").fill("11:30")
    modal.get_by_role("button", name="저장").click()
    expect(modal.locator(".rules1365")).to_contain_text("인정시간 1시간 30분")
    expect(modal).to_contain_text("상세봉사내역을 저장했습니다.")
    row = phone.locator("table.site-logs tbody tr").filter(has_text=DAY).filter(has_text="박지호")
    expect(row.locator("td[data-label=종료시간]")).to_have_text("11:30")
    assert fits(phone, PHONE["width"]) and helpers.axe_violations(phone) == []
    modal.get_by_role("button", name="확인").click()
    expect(phone.locator("#modal dialog[open]")).to_have_count(0)
