"""접속기록 점검 in a real browser (issue 15 part 2): on a 360-px phone an operator sees last month's
reminder on the console, opens the review, finds a download with its reason and an access outside
working hours, writes a note and signs the month off; the reminder is gone; the records list finds the
download by its account. axe-core finds nothing on the review, the reminder, the records list or the
site's download-reason page, at 360 and 1280 px."""
from datetime import datetime, time, timedelta

import pytest

from pumasi import demo
from pumasi.clock import today_kst
from pumasi.db import db
from pumasi.models import AccessReview, Activity, Member
from pumasi.ops import access, access_review

import helpers

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def _last_month_records(world, monkeypatch):
    """In last month: site1's download with its reason on a weekday afternoon, and admin opening a
    member's page at 23:40 (Korea's time)."""
    last = access_review.month_of(today_kst()).previous()
    weekday = next(d for d in range(1, 8) if datetime(last.year, last.month, d).weekday() < 5)

    def at(day, clock):
        return datetime.combine(datetime(last.year, last.month, day).date(), clock) - timedelta(hours=9)

    with world.app.app_context(), db.connection_context():
        people = {m.username: m for m in Member.select()}
        with monkeypatch.context() as patch:
            patch.setattr(access, "utcnow", lambda: at(weekday, time(14, 5)))
            access.record_access(people["site1"], [people["vol1"], people["vol2"]], "다운로드",
                                 "일별 봉사내역 CSV: 청소년 문화예술 멘토링", reason="구청 제출용 월간 실적 보고")
            patch.setattr(access, "utcnow", lambda: at(weekday, time(23, 40)))
            access.record_access(people["admin"], people["vol2"], "조회", "회원 상세(연락처·활동내역)")
        activity = Activity.get(Activity.title == "청소년 문화예술 멘토링").id
    return last, activity


def _log_in(page, username):
    page.goto("/login")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(demo.PASSWORD)
    page.get_by_role("button", name="로그인").click()


def test_an_operator_reviews_last_month_on_a_phone(browser, world, monkeypatch):
    last, activity = _last_month_records(world, monkeypatch)
    context = browser.new_context(viewport=PHONE, locale="ko-KR", base_url=world.web_url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    _log_in(page, "admin")
    page.goto("/admin/")
    reminder = page.locator(".review-reminder")
    expect(reminder).to_contain_text(f"지난달({last.label}) 접속기록 점검이 아직 완료되지 않았습니다.")
    found = {"console": helpers.axe_violations(page)}
    reminder.get_by_role("link", name=f"{last.label} 점검하기").click()
    expect(page.get_by_role("heading", name=f"{last.label} 접속기록 점검")).to_be_visible()
    downloads = page.locator("table.review-downloads tbody tr")
    expect(downloads).to_have_count(1)
    expect(downloads.first).to_contain_text("site1")
    expect(downloads.first).to_contain_text("구청 제출용 월간 실적 보고")
    off_hours = page.locator("table.review-offhours tbody tr")
    expect(off_hours).to_have_count(1)
    expect(off_hours.first).to_contain_text("admin")
    expect(off_hours.first).to_contain_text("23:40")
    found["review"] = helpers.axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name=f"{last.label} 점검 완료").click()
    expect(page.get_by_text("점검 의견을 입력해 주세요.")).to_be_visible()
    found["refused"] = helpers.axe_violations(page)
    page.get_by_label("점검 의견").fill("야간 조회 1건: 민원 대응으로 확인함. 다운로드 사유 적정.")
    page.get_by_role("button", name=f"{last.label} 점검 완료").click()
    expect(page.locator(".review-signed")).to_contain_text("점검 완료: admin")
    expect(page.get_by_text("야간 조회 1건: 민원 대응으로 확인함.", exact=False)).to_be_visible()
    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".review-reminder")).to_have_count(0)
    page.goto("/admin/access-records?account=site1")
    expect(page.locator("table.access-records tbody tr")).to_have_count(1)
    expect(page.locator("table.access-records")).to_contain_text("구청 제출용 월간 실적 보고")
    found["records"] = helpers.axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    with world.app.app_context(), db.connection_context():
        signed = AccessReview.get(AccessReview.month == last.key)
        assert signed.signed_by_name == "admin" and "민원 대응" in signed.note
        assert access.verify()[1] == []
    page.set_viewport_size(DESKTOP)
    page.goto(f"/admin/access-review?month={last.key}")
    found["review 1280"] = helpers.axe_violations(page)
    page.goto("/admin/access-records")
    found["records 1280"] = helpers.axe_violations(page)
    context.close()

    for viewport in (PHONE, DESKTOP):
        site = browser.new_context(viewport=viewport, locale="ko-KR", base_url=world.web_url).new_page()
        _log_in(site, "site1")
        site.goto(f"/site/activities/{activity}")
        site.get_by_role("link", name="CSV 내보내기").click()
        expect(site.get_by_label("다운로드 사유")).to_be_visible()
        found[f"export {viewport['width']}"] = helpers.axe_violations(site)
        with site.expect_download() as download:
            site.get_by_label("다운로드 사유").fill("주간 활동 확인")
            site.get_by_role("button", name="CSV 내려받기").click()
        assert download.value.suggested_filename == f"activity-{activity}-daily-logs.csv"
        site.context.close()
    assert all(not v for v in found.values()), found
