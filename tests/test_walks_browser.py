"""The new-user walks on a 360-px phone, in a real browser against the whole service: what the walks
found, kept found. Every control a finger taps is at least 40 px each way (tel and e-mail boxes were
left as the browser draws them, 21 px high; the row checkboxes were 13 px); closing a dialog gives the
focus back to the control that opened it, in its row (it fell to <body>); a 주민등록번호 pasted with
full-width digits or another dash fills both boxes with plain digits."""
import pytest

from test_browser import (MUSEUM, PASTE, PHONE, TWO_DATES, dialog, expect, expect_no_dialog, log_in,  # noqa: F401
                          open_activities, page, row)

pytestmark = pytest.mark.browser

# Links inside running text (a sentence, a list item, a definition) are exempt, as WCAG's target rule
# exempts inline targets; a control inside a <label> counts the label's box.
SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, summary, textarea')) {
    const own = el.getBoundingClientRect();
    if (!own.width || !own.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.tagName === 'A' && el.closest('p, li, dd')) continue;
    const box = el.closest('label') ? el.closest('label').getBoundingClientRect() : own;
    if (box.height < 39.5 || box.width < 39.5) {
      const name = (el.getAttribute('aria-label') || el.innerText || el.name || '').trim().slice(0, 30);
      small.push(`${el.tagName} ${name} ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""

FOCUSED_ROW = "() => { const tr = document.activeElement.closest('tr'); return tr ? tr.id : null; }"


def _targets(page, path):
    page.goto(path)
    return page.evaluate(SMALL_TARGETS)


def test_every_tap_target_of_a_volunteer_and_a_site_is_40_px(browser, world):
    context = browser.new_context(viewport=PHONE, locale="ko-KR", base_url=world.web_url)
    page = context.new_page()
    try:
        assert _targets(page, "/login") == []
        log_in(page, "vol1")
        small = {path: _targets(page, path) for path in ("/mypage/activities", "/mypage/info", "/mypage/certificates")}
        page.get_by_role("button", name="로그아웃").click()
        page.goto("/login")
        page.get_by_label("아이디").fill("site1")
        page.get_by_label("비밀번호").fill("pumasi-demo")
        page.get_by_role("button", name="로그인").click()
        page.get_by_role("link", name="청소년 문화예술 멘토링").first.click()
        activity = page.url
        small.update({path: _targets(page, path) for path in ("/site/", activity, activity + "/day?date=2026-11-20",
                                                              activity + "/import")})
        assert {path: found for path, found in small.items() if found} == {}
    finally:
        context.close()


def test_closing_a_dialog_gives_the_focus_back_to_its_row(page, world):
    log_in(page, "vol1")
    open_activities(page)
    # 본인인증 opened by 연계신청, closed with Esc: back on that 연계신청.
    two_dates = row(page, TWO_DATES)
    row_id = two_dates.get_attribute("id")
    two_dates.get_by_role("button", name="연계신청").click()
    expect(dialog(page).get_by_label("주민등록번호 앞 6자리")).to_be_focused()
    page.keyboard.press("Escape")
    expect_no_dialog(page)
    expect(two_dates.get_by_role("button", name="연계신청")).to_be_focused()
    # 상세봉사내역 없음 → 입력 요청 → 확인: the row was redrawn meanwhile; the focus is in it again.
    museum = row(page, MUSEUM)
    museum_id = museum.get_attribute("id")
    museum.get_by_role("button", name="연계신청").click()
    dialog(page).get_by_role("button", name="입력 요청").click()
    expect(dialog(page)).to_contain_text("요청했습니다")
    dialog(page).get_by_role("button", name="확인").click()
    expect_no_dialog(page)
    expect(museum).to_contain_text("입력 요청함")
    assert page.evaluate(FOCUSED_ROW) == museum_id
    assert museum_id != row_id


def test_a_pasted_number_with_full_width_digits_or_another_dash_fills_both_boxes(page, world):
    log_in(page, "vol1")
    open_activities(page)
    row(page, TWO_DATES).get_by_role("button", name="연계신청").click()
    front, back = dialog(page).get_by_label("주민등록번호 앞 6자리"), dialog(page).get_by_label("주민등록번호 뒤 7자리")
    for pasted in ("９００１０１－１２３４５６７", "900101–1234567", "900101 — 1234567"):
        front.fill("")
        back.fill("")
        front.evaluate(PASTE, pasted)
        expect(front).to_have_value("900101")
        expect(back).to_have_value("1234567")


def test_certificate_with_nothing_chosen_is_told_in_place(page, world):
    """확인서 출력 with no row checked left 활동내역 for a page of its own; now a dialog says it, as
    선택 연계신청 does, and closing it puts the focus back on the button."""
    log_in(page, "vol1")
    open_activities(page)
    button = page.get_by_role("button", name="확인서 출력")
    button.click()
    expect(dialog(page)).to_contain_text("확인서를 출력할 활동을 선택해 주세요.")
    assert page.url.endswith("/mypage/activities")
    page.keyboard.press("Escape")
    expect_no_dialog(page)
    expect(button).to_be_focused()
