"""Moving in, on a phone (360 px), in a real browser against the whole service (issue 14 parts 2–4):
an operator switches 회원가입 on in 설정 and a volunteer signs up, waits, is approved and logs in; an
operator creates a member and prints an invitation, and the member enters the code and sets their own
password. Every new screen: no axe violation and no sideways scrolling."""
import re
import time

import pytest

import helpers
from pumasi.accounts import signups
from pumasi.models import Consent, Member
from test_browser import expect, page, query  # noqa: F401 (page: the phone fixture)

pytestmark = pytest.mark.browser

NEW_PASSWORD = "my-own-phone-pw1"


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert helpers.axe_violations(page) == []


def _log_in(page, username, password="pumasi-demo"):
    page.goto("/login")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호", exact=True).fill(password)
    page.get_by_role("button", name="로그인").click()


def _log_out(page):
    page.get_by_role("button", name="로그아웃").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("로그인")


def _switch_sign_up_on(page):
    _log_in(page, "admin")
    page.goto("/admin/settings")
    page.get_by_label("회원가입", exact=True).select_option("on")
    page.get_by_label("회원가입 승인").select_option("operator")
    page.get_by_role("button", name="저장").click()
    expect(page.locator("p.flash")).to_have_text("설정을 저장했습니다.")
    _log_out(page)


def _wait_for_the_sign_up_link(page):
    """Each web process reads the console's settings again within a few seconds."""
    for _ in range(40):
        page.goto("/login")
        if page.get_by_role("link", name="회원가입").count():
            return
        time.sleep(0.5)
    raise AssertionError("no 회원가입 link on the log-in page")


def _sign_up(page):
    page.get_by_role("link", name="회원가입").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("회원가입")
    page.get_by_label("아이디 (영문").fill("phonevol")
    page.get_by_label("이름").fill("한가람")
    page.get_by_label("생년월일").fill("2001-05-06")
    page.get_by_label("연락처").fill("010-3333-4444")
    page.get_by_label("비밀번호 (8자 이상)").fill(NEW_PASSWORD)
    page.get_by_label("비밀번호 확인").fill(NEW_PASSWORD)
    page.get_by_role("button", name="가입하기").click()
    expect(page.locator("#f-consent-error")).to_have_text("개인정보 처리방침을 읽고 동의해 주세요.")
    _fits_the_phone(page)
    expect(page.locator("main").get_by_role("link", name="개인정보 처리방침(새 창)")).to_have_attribute("href", "/privacy")
    page.get_by_label("비밀번호 (8자 이상)").fill(NEW_PASSWORD)
    page.get_by_label("비밀번호 확인").fill(NEW_PASSWORD)
    page.locator("#f-consent").check()
    page.get_by_role("button", name="가입하기").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("가입 신청을 받았습니다")
    _fits_the_phone(page)


def test_a_volunteer_signs_up_waits_and_is_approved(page, world):
    _switch_sign_up_on(page)
    _wait_for_the_sign_up_link(page)
    _sign_up(page)
    assert query(world, lambda: Consent.select().join(Member).where(Member.username == "phonevol").count()) == 1
    _log_in(page, "phonevol", NEW_PASSWORD)
    expect(page.locator("main")).to_contain_text(signups.PENDING_MESSAGE)

    _log_in(page, "admin")
    page.goto("/admin/signups")
    expect(page.locator("main")).to_contain_text("2001-05-06")
    _fits_the_phone(page)
    page.get_by_role("button", name="한가람(phonevol) 가입 승인").click()
    expect(page.locator("p.flash")).to_contain_text("가입을 승인했습니다")
    _log_out(page)

    _log_in(page, "phonevol", NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("마이페이지")
    _fits_the_phone(page)


def test_an_invited_member_sets_their_own_password_with_a_printed_code(page, world):
    _log_in(page, "admin")
    page.goto("/admin/members/new")
    page.get_by_label("아이디").fill("papervol")
    page.get_by_label("이름").fill("종이초대")
    page.get_by_role("button", name="저장").click()
    expect(page.locator("p.flash")).to_contain_text("초대 코드 인쇄")
    page.get_by_role("button", name="초대 코드 인쇄").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("초대장 (1명)")
    sheet = page.get_by_role("region", name="종이초대 초대장")
    expect(sheet).to_contain_text("papervol")
    expect(sheet).to_contain_text(re.compile(r"http://127\.0\.0\.1:\d+/invite"))
    code = sheet.locator(".invitation-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    _fits_the_phone(page)
    _log_out(page)

    page.get_by_role("link", name="초대 코드로 처음 로그인").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("처음 로그인")
    page.get_by_label("아이디").fill("papervol")
    page.get_by_label("초대 코드").fill(code.lower())
    page.get_by_label("새 비밀번호 (8자 이상)").fill(NEW_PASSWORD)
    page.get_by_label("새 비밀번호 확인").fill(NEW_PASSWORD)
    _fits_the_phone(page)
    page.get_by_role("button", name="비밀번호 정하고 로그인").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("마이페이지")
    expect(page.locator("p.flash")).to_have_text("비밀번호를 정했습니다. 환영합니다!")
    _log_out(page)
    _log_in(page, "papervol", NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("마이페이지")
