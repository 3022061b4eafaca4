"""내 정보 on a phone (360 px), in a real browser against the whole service: a volunteer verifies
(the 처리방침 linked from the dialog, the consent recorded), links an activity, opens 내 정보, downloads
their data, corrects their phone, and withdraws; afterwards their identity row is gone and log-in
fails with a Korean message."""
import json
import re
from datetime import date, time

import pytest

import helpers
from pumasi.models import Activity, Consent, DailyLog, Identity, Member, Participation, Site
from test_browser import (TWO_DATES, dialog, expect, link_until, log_in, open_activities, page,  # noqa: F401
                          press_link_request, query, verify_identity)

pytestmark = pytest.mark.browser


def _someone_elses_activity():
    vol2 = Member.get(Member.username == "vol2")
    Member.update(phone="010-2222-3333").where(Member.id == vol2.id).execute()
    activity = Activity.create(site=Site.select().first(), category="문화", title="이서연만의 활동",
                               start_date=date(2026, 3, 1), end_date=date(2026, 3, 31))
    p = Participation.create(activity=activity, volunteer=vol2)
    DailyLog.create(participation=p, date=date(2026, 3, 4), start=time(9), end=time(12), minutes=180)


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert helpers.axe_violations(page) == []


def _verify_and_link(page, world):
    log_in(page, "vol1")
    open_activities(page)
    press_link_request(page, TWO_DATES)
    modal = dialog(page)
    privacy_link = modal.get_by_role("link", name="개인정보 처리방침(새 창)")
    expect(privacy_link).to_have_attribute("href", "/privacy")
    expect(modal).to_contain_text("에 동의하신 것으로 기록하며")
    assert helpers.axe_violations(page) == []  # the 본인인증 dialog with its 처리방침 link
    verify_identity(page, helpers.RRN_VOL1)
    link_until(page, TWO_DATES, "연계완료")
    return query(world, lambda: Consent.get().notice_version)


def _check_info(page, version):
    page.get_by_role("navigation", name="마이페이지 메뉴").get_by_role("link", name="내 정보").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("마이페이지 > 내 정보")
    expect(page.locator("main")).to_contain_text("900101-1******")
    expect(page.locator("main")).to_contain_text(version)
    table = page.locator("table.dates").filter(has_text="2021-08-04")
    expect(table.locator("tbody tr").first).to_contain_text("연계성공")
    expect(table.locator("tbody tr").first).to_contain_text("300")
    assert "이서연" not in page.content() and "010-2222-3333" not in page.content()
    _fits_the_phone(page)


def _download(page, world):
    with page.expect_download() as info:
        page.get_by_role("link", name="내 정보 내려받기").click()
    text = open(info.value.path(), encoding="utf-8").read()
    data = json.loads(text)
    assert data["회원 정보"]["아이디"] == "vol1" and data["본인인증"]["주민등록번호"] == "900101-1******"
    assert helpers.RRN_VOL1 not in text and helpers.RRN_VOL1[7:] not in text
    assert "이서연" not in text and "박지호" not in text and "010-2222-3333" not in text and "이서연만의 활동" not in text
    mine = query(world, lambda: Participation.select().join(Member).where(Member.username == "vol1").count())
    assert len(data["활동"]) == mine
    books = [a for a in data["활동"] if a["봉사제목"] == "어린이 그림책 읽어주기"]
    assert len(books[0]["상세봉사내역"]) == 3  # vol1's three dates, not vol2's two
    linked = [a for a in data["활동"] if a["봉사제목"] == TWO_DATES][0]["상세봉사내역"]
    assert [(d["1365연계"], d["결과코드"]) for d in linked] == [("연계성공", 300), ("연계성공", 300)]


def _edit_phone(page, world):
    phone = page.get_by_label("휴대전화번호")
    phone.fill("010 일이삼")
    page.get_by_role("button", name="연락처 저장").click()
    expect(page.locator("#f-phone-error")).to_have_text(re.compile("^전화번호 형식이 올바르지 않습니다."))
    expect(page.get_by_label("휴대전화번호")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("휴대전화번호").fill("010-5555-6666")
    page.get_by_role("button", name="연락처 저장").click()
    expect(page.get_by_role("status")).to_have_text("연락처를 저장했습니다.")
    expect(page.get_by_label("휴대전화번호")).to_have_value("010-5555-6666")
    assert query(world, lambda: Member.get(Member.username == "vol1").phone) == "010-5555-6666"


def _withdraw(page, world):
    vol1 = query(world, lambda: Member.get(Member.username == "vol1").id)
    page.get_by_role("link", name="회원 탈퇴").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("회원 탈퇴")
    _fits_the_phone(page)
    page.get_by_label("현재 비밀번호").fill("wrong-password")
    page.get_by_role("button", name="회원 탈퇴").click()
    expect(page.locator("#f-password-error")).to_contain_text("비밀번호가 올바르지 않습니다.")
    assert query(world, lambda: Identity.select().where(Identity.member == vol1).count()) == 1
    page.get_by_label("현재 비밀번호").fill("pumasi-demo")
    page.get_by_role("button", name="회원 탈퇴").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("회원 탈퇴가 완료되었습니다")
    expect(page.locator("main")).to_contain_text("주민등록번호는 삭제되었습니다.")
    expect(page.locator("main")).to_contain_text("'탈퇴회원'으로 남아")
    _fits_the_phone(page)
    assert query(world, lambda: Identity.select().where(Identity.member == vol1).count()) == 0
    assert query(world, lambda: Member.get_by_id(vol1).name) == "탈퇴회원"
    assert query(world, lambda: Participation.select().where(Participation.volunteer == vol1).count()) > 0
    page.goto("/login")
    page.get_by_label("아이디").fill("vol1")
    page.get_by_label("비밀번호").fill("pumasi-demo")
    page.get_by_role("button", name="로그인").click()
    expect(page.locator("main")).to_contain_text("아이디 또는 비밀번호가 올바르지 않습니다.")


def test_the_privacy_notice_fits_a_phone(page, world):
    page.goto("/login")
    page.get_by_role("contentinfo").get_by_role("link", name="개인정보 처리방침").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("개인정보 처리방침")
    expect(page.locator("main")).to_contain_text("자원봉사활동 기본법 시행령 제16조 제1항")
    _fits_the_phone(page)


def test_a_volunteer_sees_downloads_corrects_and_withdraws(page, world):
    query(world, _someone_elses_activity)
    version = _verify_and_link(page, world)
    _check_info(page, version)
    _download(page, world)
    _edit_phone(page, world)
    _withdraw(page, world)
