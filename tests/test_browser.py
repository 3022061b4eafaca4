"""A volunteer walks the user guide in a real browser (Debian chromium, a phone-sized window).

Each test starts the whole service as real processes (the 1365 simulator, an RQ worker and the web
server on SQLite), seeds the demo world and then does what the guide tells a volunteer to do:
log in, open 마이페이지 > 활동내역확인, press 연계신청, verify the 주민등록번호, watch the row turn
연계중 and then 연계완료 or 연계실패, read the result codes, 재연계, 본인인증 초기화.
"""
import re
import time

import pytest

import helpers
from pumasi import demo
from pumasi.db import db
from pumasi.models import Activity, DailyLog, Identity, LinkAttempt, LinkRequest, Member, Participation

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture says so (a skip locally, a failure on CI)
    expect = None

pytestmark = pytest.mark.browser

WAIT = 20_000  # ms: the longest a volunteer is asked to wait for anything here
PHONE = {"width": 360, "height": 740}
if expect is not None:
    expect.set_options(timeout=WAIT)
NOTE = "1365 봉사실적 반영은 최대 2~3일이 소요될 수 있습니다"
NO_DETAIL = ("상세봉사내역이 존재하지 않습니다.", "해당 활동처에서 상세봉사 활동내역을 입력하도록 문의 하시기 바랍니다.")
GUIDE = {
    99: "99 : 시스템 오류 입니다. 070-4035-8224 로 문의 주시기 바랍니다.",
    100: "100 : 1365 에 아이디가 존재하지 않습니다. 1365 계정 확인 후 재연계 해주시기 바랍니다.",
    200: "200 : 1365 연계동의를 되어있지 않거나, 문화품앗이 연계 본인인증 주민등록번호와 1365 주민등록번호가 "
         "일치 하지 않습니다. 1365 연계동의 확인 후 본인인증 초기화하고 연계신청 해주시기 바랍니다.",
    300: "300 : 연계 성공",
    400: "400 : 연계 성공(중복)",
}

# Demo activities (pumasi/demo.py) the tests use.
TWO_DATES = "중간활동 제거 테스트"                       # vol1: 2021-08-04 and 2021-09-01, 10–16 each
ONE_DATE = "1365 중간연계 테스트 입니다. 신청하지 마세요"  # vol1: 2021-08-09 10–16 (the guide's failure example)
PICTURE_BOOKS = "어린이 그림책 읽어주기"                  # vol1 3 dates, vol2 2 dates
SMARTPHONE = "어르신 스마트폰 교실 보조"                  # vol1 and vol3: 2023-04-08 14–17
CLEANUP = "청계천 환경 정화 활동"                         # vol1 and vol3: 2025-04-19 9–12
MUSEUM = "박물관 전시 해설 도우미"                        # nobody has daily logs


def vol1_row_count():
    return sum(1 for *_, people in demo.ACTIVITIES if "vol1" in people)


# --------------------------------------------------------------------------- fixtures

def _phone(browser, world, **options):
    """A fresh phone-sized browser context; no page may throw or get a 5xx."""
    context = browser.new_context(viewport=PHONE, locale="ko-KR", base_url=world.web_url, **options)
    context.set_default_timeout(WAIT)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture
def page(browser, world):
    """A phone, one per test."""
    yield from _phone(browser, world)


@pytest.fixture
def page_without_js(browser, world):
    """A phone with JavaScript off (or a tap made before the page's scripts have loaded)."""
    yield from _phone(browser, world, java_script_enabled=False)


def query(world, fn):
    """Run fn() against the app's database (the same SQLite file the web and worker use)."""
    with world.app.app_context(), db.connection_context():
        return fn()


# --------------------------------------------------------------------------- what a volunteer does

def log_in(page, username):
    """1 개인회원으로 로그인을 한 뒤 상단 항목의 마이페이지로 이동합니다."""
    page.goto("/login")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(demo.PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="마이페이지").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("마이페이지")


def open_activities(page):
    """2 마이페이지 > 활동내역확인으로 이동합니다."""
    page.get_by_role("navigation", name="마이페이지 메뉴").get_by_role("link", name="활동내역확인").click()
    expect(page).to_have_url(re.compile(r"/mypage/activities"))
    expect(page.locator(".total")).to_contain_text("Total")
    # The page is in place once its scripts have run (a tap before that is a plain form post:
    # test_without_javascript covers it).
    page.wait_for_load_state("load")


def row(page, title):
    """The 개인 봉사내역 row of an activity."""
    return page.locator("table.activities tbody tr").filter(
        has=page.locator("td.title", has_text=re.compile("^" + re.escape(title) + r"(\s|$)")))


def link_cell(page, title):
    return row(page, title).locator("td.link")


def dialog(page):
    """The open modal dialog."""
    return page.locator("#modal dialog[open]")


def expect_no_dialog(page):
    expect(page.locator("#modal dialog")).to_have_count(0)


def press_link_request(page, title):
    """3 1365연계 항목의 연계신청을 클릭합니다."""
    row(page, title).get_by_role("button", name="연계신청").click()


PASTE = """(input, text) => {
    const data = new DataTransfer();
    data.setData("text/plain", text);
    input.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""


def verify_identity(page, rrn, paste=False):
    """4 주민등록번호 인증: front and back part (typed, or pasted whole), then 인증 → 본인인증 완료 → 확인."""
    modal = dialog(page)
    expect(modal.get_by_role("heading", level=2)).to_have_text("본인인증 (주민등록번호 인증)")
    front, back = modal.get_by_label("주민등록번호 앞 6자리"), modal.get_by_label("주민등록번호 뒤 7자리")
    if paste:
        front.fill("")
        back.fill("")
        front.evaluate(PASTE, f"{rrn[:6]}-{rrn[6:]}")
        expect(front).to_have_value(rrn[:6])
        expect(back).to_have_value(rrn[6:])
    else:
        front.fill(rrn[:6])
        back.fill(rrn[6:])
    modal.get_by_role("button", name="인증").click()
    expect(modal.get_by_role("heading", level=2)).to_have_text("본인인증 완료", timeout=WAIT)
    expect(modal).to_contain_text("본인인증이 완료되었습니다.")
    button(modal, "확인").click()
    expect_no_dialog(page)


def expect_state(page, title, label, timeout=WAIT):
    expect(link_cell(page, title).get_by_text(label, exact=True)).to_be_visible(timeout=timeout)


def link_until(page, title, label, timeout=WAIT):
    """5 연계신청 again: 연계중 with the 2–3 days note, then (polling, no reload) label."""
    press_link_request(page, title)
    cell = link_cell(page, title)
    expect(cell.get_by_role("button", name="연계중")).to_be_disabled()
    expect(cell).to_contain_text(NOTE)
    expect_state(page, title, label, timeout)


def open_result(page, title, label):
    """① '연계완료'/'연계실패' 버튼을 클릭합니다 → the per-date modal."""
    link_cell(page, title).get_by_role("link", name=label).click()
    modal = dialog(page)
    expect(modal.get_by_role("heading", level=2)).to_have_text(title)
    return modal


def button(modal, name):
    """A button of the modal's button row (the × in its corner is also called 닫기)."""
    return modal.locator(".buttons").get_by_role("button", name=name, exact=True)


def result_rows(modal):
    """The per-date table as text: [[활동일, 시작시간, 종료시간, 총시간, 연계결과, 코드], …]."""
    expect(modal.locator("table.dates thead th")).to_have_text(
        ["활동일", "시작시간", "종료시간", "총시간", "연계결과", "코드"])
    # On a phone the 코드 column is in view, not behind a sideways scroll.
    code = modal.locator("table.dates tbody tr").first.locator("td").last
    box = code.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert code.evaluate("td => td.closest('.scroll-x').scrollWidth <= td.closest('.scroll-x').clientWidth")
    return [[cell.strip() for cell in tr.locator("td").all_inner_texts()]
            for tr in modal.locator("table.dates tbody tr").all()]


def expect_code_guide(modal):
    expect(modal.get_by_role("heading", name="1365 결과 코드 안내")).to_be_visible()
    expect(modal.locator("ul.codes li")).to_have_text([GUIDE[code] for code in (99, 100, 200, 300, 400)])


def participation(world, username, title):
    def find():
        return (Participation.select().join(Activity).switch(Participation).join(Member)
                .where(Member.username == username, Activity.title == title).get())
    return query(world, find)


# --------------------------------------------------------------------------- the guide, scenario by scenario

def test_activities_list_on_a_phone(page, world):
    """연계 방법 1–3: log in, 마이페이지 > 활동내역확인, Total N건 and the rows, readable at 360 px."""
    log_in(page, "vol1")
    open_activities(page)

    expect(page.locator(".total")).to_have_text(f"· Total {vol1_row_count()}건")
    rows = page.locator("table.activities tbody tr")
    expect(rows).to_have_count(vol1_row_count())
    expect(page.locator("table.activities thead th")).to_have_text(
        ["구분", "봉사제목", "활동처", "활동기간", "활동시간", re.compile("선택"), "1365연계"])

    first = row(page, TWO_DATES)
    expect(first.locator("td[data-label=구분]")).to_have_text(re.compile("문화"))
    expect(first.locator("td[data-label=봉사제목]")).to_contain_text(TWO_DATES)
    expect(first.locator("td[data-label=활동처]")).to_contain_text("CSV 총괄운영본부")
    expect(first.locator("td[data-label=활동기간]")).to_contain_text("20210804~ 20210930")
    expect(first.locator("td[data-label=활동시간]")).to_contain_text("12시간")
    expect(first.get_by_role("checkbox")).to_be_visible()
    expect(first.get_by_role("button", name="연계신청")).to_be_visible()
    # The old whole-period linkage shows 연계완료; a participation without daily logs still offers 연계신청.
    expect_state(page, "1365 중간 연계 테스트 입니다. 신청하지 마세요", "연계완료")
    expect(row(page, MUSEUM).get_by_role("button", name="연계신청")).to_be_visible()
    expect(row(page, MUSEUM).locator("td[data-label=활동시간]")).to_contain_text("0시간")
    # Newest first.
    expect(rows.first).to_contain_text("청소년 문화예술 멘토링")
    expect(rows.last).to_contain_text("1365 중간 연계 테스트 입니다")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path="/tmp/pumasi-activities.png", full_page=True)

    # The checkboxes select rows for 확인서 출력.
    first.get_by_role("checkbox").check()
    row(page, CLEANUP).get_by_role("checkbox").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="확인서 출력").click()
    from pypdf import PdfReader
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages).replace(" ", "")
    for expected in ("자원봉사활동확인서", "김민준", TWO_DATES.replace(" ", ""), CLEANUP.replace(" ", "")):
        assert expected in text, expected
    assert "/mypage/activities" in page.url  # the download leaves the page as it was


def test_link_request_identity_then_linked(page, world):
    """연계 방법 3–5: 연계신청 → 본인인증 → 연계신청 → 연계중 → 연계완료 → the per-date results."""
    log_in(page, "vol1")
    open_activities(page)
    page.evaluate("window.__sameDocument = true")

    press_link_request(page, TWO_DATES)
    modal = dialog(page)
    expect(modal).to_be_visible()
    expect(modal.get_by_role("heading", level=2)).to_have_text("본인인증 (주민등록번호 인증)")
    assert page.evaluate("!!document.activeElement && !!document.activeElement.closest('dialog[open]')")
    expect(modal).to_contain_text("처음 연계에 한하여 주민등록번호 인증절차가 진행됩니다.")
    expect(modal).to_contain_text("인증된 주민등록번호는 암호화되어 보관되며, 연계 이외의 목적으로 사용되지 않습니다.")
    expect(modal).to_contain_text("자원봉사활동 기본법 시행령 제16조 제1항")
    expect(modal).to_contain_text("김민준")

    # A back part of five digits: a Korean message inside the modal, nothing stored.
    modal.get_by_label("주민등록번호 앞 6자리").fill(helpers.RRN_VOL1[:6])
    modal.get_by_label("주민등록번호 뒤 7자리").fill(helpers.RRN_VOL1[6:11])
    modal.get_by_role("button", name="인증").click()
    expect(modal.get_by_role("alert")).to_have_text("주민등록번호 뒤 7자리를 숫자로 입력해 주세요.")
    back = modal.get_by_label("주민등록번호 뒤 7자리")
    expect(back).to_have_attribute("aria-invalid", "true")
    expect(back).to_be_focused()
    expect(modal.get_by_label("주민등록번호 앞 6자리")).to_have_value(helpers.RRN_VOL1[:6])
    assert query(world, lambda: Identity.select().count()) == 0

    verify_identity(page, helpers.RRN_VOL1, paste=True)
    masked = query(world, lambda: Identity.get().rrn_masked)
    assert masked == "900101-1******"
    assert helpers.RRN_VOL1[7:] not in page.content()

    link_until(page, TWO_DATES, "연계완료")
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"

    modal = open_result(page, TWO_DATES, "연계완료")
    assert result_rows(modal) == [
        ["2021-08-04", "10:00", "16:00", "6시간", "연계성공", "300"],
        ["2021-09-01", "10:00", "16:00", "6시간", "연계성공", "300"],
    ]
    expect_code_guide(modal)
    expect(button(modal, "재연계")).to_have_count(0)
    page.keyboard.press("Escape")
    expect_no_dialog(page)


def test_same_date_again_is_400_and_linked(page, world):
    """400 연계 성공(중복): the same person, site, date and times already recorded in 1365."""
    log_in(page, "vol1")
    open_activities(page)
    press_link_request(page, SMARTPHONE)
    verify_identity(page, helpers.RRN_VOL1)
    link_until(page, SMARTPHONE, "연계완료")

    # The site enters the same day once more, under another activity of the same site.
    def add_same_day():
        original = DailyLog.select().join(Participation).join(Activity).where(
            Activity.title == SMARTPHONE, Participation.volunteer == Member.get(username="vol1")).get()
        assert original.result_code == 300
        activity = original.participation.activity
        again = Activity.create(site=activity.site, category="교육", title="어르신 스마트폰 교실 보조 (보충)",
                                location=activity.location, start_date=activity.start_date,
                                end_date=activity.end_date)
        p = Participation.create(activity=again, volunteer=original.participation.volunteer)
        DailyLog.create(participation=p, date=original.date, start=original.start, end=original.end,
                        minutes=original.minutes)
    query(world, add_same_day)

    page.reload()
    title = "어르신 스마트폰 교실 보조 (보충)"
    expect(page.locator(".total")).to_have_text(f"· Total {vol1_row_count() + 1}건")
    link_until(page, title, "연계완료")  # 본인인증 is asked only once
    modal = open_result(page, title, "연계완료")
    assert result_rows(modal) == [["2023-04-08", "14:00", "17:00", "3시간", "연계성공", "400"]]
    button(modal, "닫기").click()
    expect_no_dialog(page)


def test_no_consent_fails_200_then_relink_after_consent(page, world):
    """연계실패시 대처 방법: 200, the guide, the help link; consent on 1365, 재연계 → 연계완료."""
    log_in(page, "vol2")
    open_activities(page)
    press_link_request(page, PICTURE_BOOKS)
    verify_identity(page, helpers.RRN_VOL2)
    link_until(page, PICTURE_BOOKS, "연계실패")

    modal = open_result(page, PICTURE_BOOKS, "연계실패")
    assert result_rows(modal) == [
        ["2022-03-05", "10:00", "12:00", "2시간", "연계실패", "200"],
        ["2022-03-12", "10:00", "12:00", "2시간", "연계실패", "200"],
    ]
    expect_code_guide(modal)
    help_link = modal.get_by_role("link", name=re.compile("1365 연계동의 방법"))
    expect(help_link).to_be_visible()
    for name in ("재연계", "본인인증 초기화", "닫기"):
        expect(button(modal, name)).to_be_visible()
    with page.context.expect_page() as opened:
        help_link.click()
    help_page = opened.value
    expect(help_page.get_by_role("heading", level=1)).to_have_text("※ 참고 1365 연계동의 방법")
    expect(help_page.locator("main")).to_contain_text("자원봉사활동 부가정보")
    help_page.close()

    # The volunteer gives consent on 1365, then presses 재연계.
    world.sim("set-consent", "seoyeon1365", "yes")
    button(modal, "재연계").click()
    expect_no_dialog(page)
    cell = link_cell(page, PICTURE_BOOKS)
    expect(cell.get_by_role("button", name="연계중")).to_be_visible()
    expect(cell).to_contain_text(NOTE)
    expect_state(page, PICTURE_BOOKS, "연계완료")
    modal = open_result(page, PICTURE_BOOKS, "연계완료")
    assert [r[4:] for r in result_rows(modal)] == [["연계성공", "300"], ["연계성공", "300"]]


def test_no_1365_account_fails_100(page, world):
    """100: 1365 에 아이디가 존재하지 않습니다."""
    log_in(page, "vol3")
    open_activities(page)
    press_link_request(page, CLEANUP)
    verify_identity(page, helpers.RRN_VOL3)
    link_until(page, CLEANUP, "연계실패")
    modal = open_result(page, CLEANUP, "연계실패")
    assert result_rows(modal) == [["2025-04-19", "09:00", "12:00", "3시간", "연계실패", "100"]]
    expect(modal).to_contain_text(GUIDE[100])
    expect(modal.get_by_role("link", name=re.compile("1365 연계동의 방법"))).to_have_count(0)
    button(modal, "닫기").click()
    expect_no_dialog(page)


def test_system_error_99_is_retried_then_shown(page, world):
    """99: the system retries (LINK_MAX_TRIES tries) before the volunteer sees 연계실패 with the phone."""
    world.sim("faults", "--set", "code99_rate=1")
    log_in(page, "vol1")
    open_activities(page)
    press_link_request(page, ONE_DATE)
    verify_identity(page, helpers.RRN_VOL1)
    # Three rounds of send, wait and answer (each step waits for the RQ scheduler): allow more time.
    link_until(page, ONE_DATE, "연계실패", timeout=3 * WAIT)

    def tries():
        return [(a.try_no, a.code) for a in LinkAttempt.select().join(DailyLog).join(Participation)
                .join(Activity).where(Activity.title == ONE_DATE).order_by(LinkAttempt.try_no)]
    max_tries = world.app.config["LINK_MAX_TRIES"]
    assert query(world, tries) == [(n, 99) for n in range(1, max_tries + 1)]

    modal = open_result(page, ONE_DATE, "연계실패")
    assert result_rows(modal) == [["2021-08-09", "10:00", "16:00", "6시간", "연계실패", "99"]]
    expect(modal.locator("ul.codes li").first).to_have_text(GUIDE[99])
    expect(modal).to_contain_text("070-4035-8224")


def test_identity_reset_asks_for_the_rrn_again(page, world):
    """③ 본인인증 초기화: confirm → done; the next 재연계 and 연계신청 ask for the 주민등록번호 again."""
    log_in(page, "vol3")
    open_activities(page)
    press_link_request(page, CLEANUP)
    verify_identity(page, helpers.RRN_VOL3)
    link_until(page, CLEANUP, "연계실패")

    modal = open_result(page, CLEANUP, "연계실패")
    button(modal, "본인인증 초기화").click()
    expect(modal.get_by_role("heading", level=2)).to_have_text("본인인증 초기화")
    expect(modal).to_contain_text("본인인증을 초기화하시겠습니까?")
    modal.get_by_role("button", name="초기화", exact=True).click()
    expect(modal.get_by_role("heading", level=2)).to_have_text("본인인증 초기화 완료")
    expect(modal).to_contain_text("본인인증이 초기화되었습니다.")
    assert query(world, lambda: Identity.select().count()) == 0
    button(modal, "확인").click()
    expect_no_dialog(page)

    # 재연계 asks for the 주민등록번호 again …
    modal = open_result(page, CLEANUP, "연계실패")
    button(modal, "재연계").click()
    expect(modal.get_by_role("heading", level=2)).to_have_text("본인인증 (주민등록번호 인증)")
    expect(modal).to_contain_text("박지호")
    button(modal, "취소").click()
    expect_no_dialog(page)
    expect_state(page, CLEANUP, "연계실패")
    # … and so does 연계신청 on another row.
    press_link_request(page, SMARTPHONE)
    expect(dialog(page).get_by_role("heading", level=2)).to_have_text("본인인증 (주민등록번호 인증)")
    verify_identity(page, helpers.RRN_VOL3)
    link_until(page, SMARTPHONE, "연계실패")


def test_no_daily_logs_notice(page, world):
    """하나, 상세 봉사 내역이 존재하지 않는다고 뜰 때: the notice and its 확인."""
    log_in(page, "vol1")
    open_activities(page)
    press_link_request(page, MUSEUM)
    modal = dialog(page)
    expect(modal).to_be_visible()
    for line in NO_DETAIL:
        expect(modal).to_contain_text(line)
    button(modal, "확인").click()
    expect_no_dialog(page)
    expect(row(page, MUSEUM).get_by_role("button", name="연계신청")).to_be_visible()
    assert query(world, lambda: LinkRequest.select().count()) == 0


def test_double_click_makes_one_request(page, world):
    """연계중: not clickable twice into a second request."""
    log_in(page, "vol1")
    open_activities(page)
    press_link_request(page, PICTURE_BOOKS)
    verify_identity(page, helpers.RRN_VOL1)

    row(page, PICTURE_BOOKS).get_by_role("button", name="연계신청").dblclick()
    expect(link_cell(page, PICTURE_BOOKS).get_by_role("button", name="연계중")).to_be_visible()
    expect_state(page, PICTURE_BOOKS, "연계완료")

    p = participation(world, "vol1", PICTURE_BOOKS)
    assert query(world, lambda: LinkRequest.select().where(LinkRequest.participation == p).count()) == 1
    assert query(world, lambda: LinkAttempt.select().join(DailyLog)
                 .where(DailyLog.participation == p).count()) == 3
    expect_no_dialog(page)


def test_without_javascript(page_without_js, world):
    """The same words as whole pages when the scripts are off or not loaded yet (a quick tap)."""
    page = page_without_js
    log_in(page, "vol1")
    open_activities(page)

    press_link_request(page, MUSEUM)
    for line in NO_DETAIL:
        expect(page.locator("main")).to_contain_text(line)
    page.get_by_role("link", name="확인", exact=True).click()
    expect(page).to_have_url(re.compile(r"/mypage/activities"))

    press_link_request(page, TWO_DATES)
    expect(page.get_by_role("heading", level=2)).to_have_text("본인인증 (주민등록번호 인증)")
    expect(page.locator("main")).to_contain_text("자원봉사활동 기본법 시행령 제16조 제1항")
    page.get_by_label("주민등록번호 앞 6자리").fill(helpers.RRN_VOL1[:6])
    page.get_by_label("주민등록번호 뒤 7자리").fill(helpers.RRN_VOL1[6:])
    page.get_by_role("button", name="인증").click()
    expect(page).to_have_url(re.compile(r"/mypage/activities"))

    press_link_request(page, TWO_DATES)
    expect(link_cell(page, TWO_DATES).get_by_role("button", name="연계중")).to_be_disabled()
    expect(link_cell(page, TWO_DATES)).to_contain_text(NOTE)

    p = participation(world, "vol1", TWO_DATES)
    settled = lambda: not DailyLog.select().where(DailyLog.participation == p,  # noqa: E731
                                                  DailyLog.link_state == "pending").exists()
    deadline = time.monotonic() + WAIT / 1000
    while not query(world, settled):
        assert time.monotonic() < deadline, "the worker did not settle the request"
        time.sleep(0.2)
    page.reload()
    link_cell(page, TWO_DATES).get_by_role("link", name="연계완료").click()
    expect(page).to_have_url(re.compile(r"/result$"))
    expect(page.locator("table.dates tbody tr")).to_have_text([re.compile(r"연계성공\s*300")] * 2)
