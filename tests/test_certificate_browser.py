"""확인서 in a real browser on a 360-px phone: a volunteer checks two rows and presses 확인서 출력, which
downloads the PDF; its QR code's address, opened without logging in, shows the certificate as valid;
after the site corrects one of its dates, the same address shows 정정됨."""
import re

import pytest
import zxingcpp
from pypdf import PdfReader

import helpers
from pumasi import demo
from pumasi.db import db
from pumasi.models import DailyLog, Participation

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
PICTURE_BOOKS = "어린이 그림책 읽어주기"  # vol1: 3 dates at site1
CLEANUP = "청계천 환경 정화 활동"  # vol1: 2025-04-19


def _context(browser, world, viewport=PHONE, javascript=True):
    context = browser.new_context(viewport=viewport, locale="ko-KR", base_url=world.web_url, accept_downloads=True,
                                  java_script_enabled=javascript)
    context.set_default_timeout(20_000)
    return context


def _log_in(page, username):
    page.goto("/login")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(demo.PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()


def _download_certificate(page, titles):
    page.goto("/mypage/activities")
    for title in titles:
        page.locator("table.activities tbody tr").filter(has_text=title).get_by_role("checkbox").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="확인서 출력").click()
    assert download.value.suggested_filename.startswith("certificate-")
    return PdfReader(download.value.path())


def _qr_url(reader):
    found = [r.text for p in reader.pages for image in p.images for r in zxingcpp.read_barcodes(image.image)]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("javascript", [True, False])
def test_volunteer_downloads_a_certificate_anyone_can_check(browser, world, javascript):
    context = _context(browser, world, javascript=javascript)
    page = context.new_page()
    _log_in(page, "vol1")
    reader = _download_certificate(page, (PICTURE_BOOKS, CLEANUP))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    for expected in ("자원봉사활동확인서", "김민준", "생년월일본인인증전", PICTURE_BOOKS.replace(" ", ""),
                     CLEANUP.replace(" ", ""), "2025-04-19", "합계"):
        assert expected in text, expected
    url = _qr_url(reader)
    assert url.startswith(world.web_url + "/verify/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.goto("/mypage/certificates")
    expect(page.locator("table.issued-certificates tbody tr")).to_have_count(1)
    expect(page.locator("table.issued-certificates tbody tr").first).to_contain_text("유효")
    context.close()

    stranger = _context(browser, world)
    public = stranger.new_page()
    public.goto(url)
    expect(public.get_by_role("heading", level=1)).to_have_text("확인서 진위확인")
    expect(public.locator(".verify-state")).to_contain_text("유효")
    expect(public.locator("main")).to_contain_text("김*준")
    expect(public.locator("main")).not_to_contain_text("김민준")
    expect(public.locator(".cert-activity")).to_have_count(2)
    assert public.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert helpers.axe_violations(public) == []
    public.screenshot(path="/tmp/pumasi-verify-phone.png", full_page=True)

    public.goto("/verify/")
    public.get_by_label("발급번호").fill("2026-000999")
    public.get_by_label("확인코드").fill(url.rsplit("/", 1)[1])
    public.get_by_role("button", name="확인").click()
    expect(public.locator("main")).to_contain_text("확인할 수 없습니다")
    assert helpers.axe_violations(public) == []

    _site_corrects_the_cleanup_date(browser, world)
    public.goto(url)
    expect(public.locator(".verify-state")).to_contain_text("정정됨")
    expect(public.locator("main")).to_contain_text("2025-04-19")  # still what it said when issued
    assert helpers.axe_violations(public) == []
    stranger.close()


def _site_corrects_the_cleanup_date(browser, world):
    """site2 (the cleanup's site): 김민준 left an hour early on 2025-04-19."""
    with world.app.app_context(), db.connection_context():
        log = (DailyLog.select().join(Participation)
               .where(DailyLog.date == "2025-04-19", Participation.volunteer == helpers.member("vol1").id).get())
    context = _context(browser, world, javascript=False)  # the dialog as its page, the form posted
    page = context.new_page()
    _log_in(page, "site2")
    page.goto(f"/site/logs/{log.id}/edit")
    page.get_by_label("종료시간").fill("11:00")
    page.get_by_role("button", name="저장").click()
    # (the date is older than 3 months: a 1365 warning flashes beside the saved notice)
    expect(page.locator(".flash").first).to_contain_text("상세봉사내역을 저장했습니다")
    context.close()
