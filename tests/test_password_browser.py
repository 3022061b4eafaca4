"""Passwords in a real browser (Debian chromium, a phone): a volunteer changes theirs from the header;
an operator gives one volunteer a temporary password and another a one-time link, and each of them
gets back in; a used link says so in Korean."""
import re

import pytest

from pumasi import demo
from pumasi.accounts import passwords

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

WAIT = 20_000
PHONE = {"width": 360, "height": 740}
NEW = "a-new-password-1"


@pytest.fixture
def phone(browser, world):
    """Fresh phone-sized browser contexts (one per person); no page may throw or get a 5xx."""
    contexts, problems = [], []

    def open_page():
        context = browser.new_context(viewport=PHONE, locale="ko-KR", base_url=world.web_url)
        context.set_default_timeout(WAIT)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
        page.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, problems


def _log_in(page, username, password=demo.PASSWORD):
    page.goto("/login")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()


def _change(page, current, new):
    page.get_by_label("현재 비밀번호").fill(current)
    page.get_by_label("새 비밀번호 (8자 이상)").fill(new)
    page.get_by_label("새 비밀번호 확인").fill(new)
    page.get_by_role("button", name="변경").click()


def _member_page(page, name):
    page.goto("/admin/members")
    page.get_by_role("link", name=name).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def test_volunteer_changes_their_password_from_the_header(world, phone):
    page = phone()
    _log_in(page, "vol1")
    header = page.get_by_role("navigation", name="주 메뉴")
    header.get_by_role("link", name="비밀번호 변경").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("비밀번호 변경")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _change(page, "not-my-password", NEW)
    expect(page.locator(".error")).to_have_text(passwords.CURRENT_MESSAGE)
    _change(page, demo.PASSWORD, NEW)
    expect(page.get_by_role("status")).to_contain_text("비밀번호를 변경했습니다")
    header.get_by_role("button", name="로그아웃").click()
    _log_in(page, "vol1", NEW)
    expect(page).to_have_url(re.compile(r"/mypage/"))


def test_operator_temporary_password_then_forced_change(world, phone):
    operator = phone()
    _log_in(operator, "admin")
    _member_page(operator, "이서연")
    operator.get_by_role("button", name="임시 비밀번호 발급").click()
    temporary = operator.locator("#temporary-password").inner_text().strip()
    assert len(temporary) == passwords.TEMPORARY_LENGTH

    volunteer = phone()
    _log_in(volunteer, "vol2", temporary)
    expect(volunteer).to_have_url(re.compile(r"/account/password$"))
    expect(volunteer.get_by_role("alert")).to_contain_text("임시 비밀번호로 로그인했습니다")
    volunteer.goto("/mypage/activities")  # every page leads back here until it is changed
    expect(volunteer).to_have_url(re.compile(r"/account/password$"))
    _change(volunteer, temporary, NEW)
    expect(volunteer.get_by_role("status")).to_contain_text("비밀번호를 변경했습니다")
    volunteer.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="마이페이지").click()
    expect(volunteer.get_by_role("heading", level=1)).to_have_text("마이페이지")


def test_operator_reset_link_works_once(world, phone):
    operator = phone()
    _log_in(operator, "admin")
    _member_page(operator, "박지호")
    operator.get_by_role("button", name="비밀번호 재설정 링크 발급").click()
    expect(operator.locator("main")).to_contain_text("1시간 동안 한 번만")
    link = operator.get_by_label("비밀번호 재설정 링크").input_value()
    assert link.startswith(world.web_url + "/password/reset/")

    volunteer = phone()
    volunteer.goto(link)
    expect(volunteer.get_by_role("heading", level=1)).to_have_text("비밀번호 재설정")
    volunteer.get_by_label("새 비밀번호 (8자 이상)").fill(NEW)
    volunteer.get_by_label("새 비밀번호 확인").fill(NEW)
    volunteer.get_by_role("button", name="비밀번호 설정").click()
    expect(volunteer.get_by_role("status")).to_contain_text("새 비밀번호로 로그인해 주세요")
    _log_in(volunteer, "vol3", NEW)
    expect(volunteer).to_have_url(re.compile(r"/mypage/"))

    again = phone()
    response = again.goto(link)
    assert response.status == 410
    expect(again.get_by_role("alert")).to_have_text(passwords.LINK_GONE_MESSAGE)
