"""A nonprofit moves in, in a real browser (issue 14): an operator at 1280 px imports members from a
CP949 CSV and an .xlsx full of traps, reads each line's problem, fixes the file and imports it; then
sites and activities, then participations with their history. A volunteer from the file gets a
printed invitation code, sets a password on a 360-px phone, and sees the imported history: the dates
already linked as 연계완료, the whole-period one as 기간 전체 연계, which 기술지원 offers to relink."""
import io
import re
from datetime import date

import pytest
from openpyxl import Workbook

import helpers
from pumasi import demo
from pumasi.db import db
from pumasi.models import Member

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = pytest.mark.browser

WAIT = 30_000
expect.set_options(timeout=WAIT)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
HEADER = "아이디,이름,생년월일,연락처,이메일,구분,활동처\r\n"
TRAPS = (HEADER +
         "spring1,김새봄,1999-03-04,010-3333-4444,,개인회원,\r\n"   # 2 good
         "spring1,이여름,,010-5555-6666,,,\r\n"                     # 3 the same 아이디 as line 2
         "autumn,박가을,,010-12,,,\r\n"                            # 4 a bad phone
         "winter,,,010-7777-8888,,,\r\n"                           # 5 no name
         "leader,최봄,,,,활동처 담당자,없는 센터\r\n")               # 6 a site that does not exist
FIXED = (HEADER +
         "spring1,김새봄,1999-03-04,010-3333-4444,,개인회원,\r\n"
         "summer2,이여름,,010-5555-6666,,,\r\n"
         "leader,최봄,,,,활동처 담당자,CSV 총괄운영본부\r\n")
SITES = ("활동처,활동처 연락처,구분,봉사제목,장소,활동기간\r\n"
         "새봄 나눔센터,02-555-0101,환경,새봄 벽화 그리기,서울 마포구,2025-01-01~2025-12-31\r\n"
         "새봄 나눔센터,02-555-0101,교육,새봄 공부방,서울 마포구,2025-01-01~2025-12-31\r\n")
HISTORY = ("회원아이디,이름,활동처,봉사제목,활동기간,활동일,시작시간,종료시간,인정시간(분),1365연계,결과코드\r\n"
           "spring1,김새봄,새봄 나눔센터,새봄 벽화 그리기,,2025-03-01,10:00,12:00,,연계성공,300\r\n"
           "spring1,김새봄,새봄 나눔센터,새봄 벽화 그리기,,2025-03-08,10:00,13:00,,연계성공,400\r\n"
           "spring1,김새봄,새봄 나눔센터,새봄 공부방,,2025-04-05,14:00,16:00,,기간 전체 연계,\r\n")
NEW_PASSWORD = "spring-is-here-2025"


def _xlsx_with_traps():
    book = Workbook()
    sheet = book.active
    sheet.append(["아이디", "이름", "생년월일", "연락처", "이메일", "구분", "활동처"])
    sheet.append(["spring1", "김새봄", date(1999, 3, 4), "010-3333-4444", None, "개인회원", None])
    sheet.append(["spring1", "이여름", None, "010-5555-6666", None, None, None])
    sheet.append(["autumn", "박가을", None, 1012345678, None, None, None])   # a phone that lost its 0
    sheet.append(["winter", None, None, "010-7777-8888", None, None, None])
    sheet.append(["leader", "최봄", None, None, None, "활동처 담당자", "없는 센터"])
    sheet.append(["calc", "=B2", None, None, None, None, None])              # a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(page, kind, name, data, mime):
    page.goto("/admin/import")
    form = page.locator(f"section[aria-labelledby=import-{kind}]")
    form.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": data})
    form.get_by_role("button", name="미리보기").click()
    expect(page.locator("#preview-title, .flash.error").first).to_be_visible()  # the job's preview came


def _line(page, number):
    return page.locator(f"#line-{number}")


def _save(page):
    page.get_by_role("button", name="전부 저장").click()
    expect(page.locator("#import-run [role=status]")).to_contain_text("저장했습니다.")


def test_a_nonprofit_moves_in(browser, world):
    context = browser.new_context(viewport=DESKTOP, locale="ko-KR", base_url=world.web_url)
    context.set_default_timeout(WAIT)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("아이디").fill("admin")
    page.get_by_label("비밀번호").fill(demo.PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.get_by_role("navigation", name="운영관리 메뉴").get_by_role("link", name="가져오기").click()
    assert not helpers.axe_violations(page)

    # The CP949 CSV with its traps: each line says what is wrong, and nothing can be saved.
    _upload(page, "members", "회원.csv", TRAPS.encode("cp949"), "text/csv")
    expect(page.locator(".total")).to_contain_text("오류 4줄")
    expect(_line(page, 3)).to_contain_text("2번째 줄과 아이디가 같습니다.")
    expect(_line(page, 4)).to_contain_text("연락처 형식이 올바르지 않습니다.")
    expect(_line(page, 5)).to_contain_text("이름을 입력해 주세요.")
    expect(_line(page, 6)).to_contain_text("활동처 '없는 센터'가 없습니다.")
    expect(page.get_by_role("button", name="전부 저장")).to_have_count(0)
    assert not helpers.axe_violations(page)

    # The same in .xlsx, with a formula cell and a phone typed as a number.
    _upload(page, "members", "회원.xlsx", _xlsx_with_traps(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    expect(page.locator(".total")).to_contain_text("오류 5줄")
    expect(_line(page, 3)).to_contain_text("2번째 줄과 아이디가 같습니다.")
    expect(_line(page, 4)).to_contain_text("맨 앞의 0이 빠졌을 수 있습니다")
    expect(_line(page, 7)).to_contain_text("수식이 들어 있는 칸은 읽을 수 없습니다.")

    # Fixed: saved whole.
    _upload(page, "members", "회원.csv", FIXED.encode("cp949"), "text/csv")
    expect(page.locator(".total")).to_contain_text("오류 0줄")
    _save(page)
    expect(page.locator("#import-run [role=status]")).to_contain_text("새로 만듦 3")
    expect(page.locator("#import-run").get_by_role("link", name="초대")).to_be_visible()  # no password yet

    _upload(page, "activities", "활동.csv", SITES.encode("cp949"), "text/csv")
    _save(page)
    _upload(page, "participations", "참여.csv", HISTORY.encode("cp949"), "text/csv")
    _save(page)
    expect(page.locator("#import-run [role=status]")).to_contain_text("활동일 3")

    # The volunteer's invitation: a printed code.
    page.goto("/admin/invitations?q=spring1")
    page.get_by_label("김새봄(spring1) 선택").check()
    page.get_by_role("button", name="선택한 회원 초대 코드 인쇄").click()
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", page.locator("main").inner_text()).group(0)

    # 기술지원 offers per-date linkage for the whole-period participation.
    page.goto("/admin/members?q=spring1")
    page.get_by_role("link", name="김새봄").click()
    page.get_by_role("link", name="새봄 공부방").click()
    expect(page.locator("table.dates")).to_contain_text("기간 전체 연계")
    expect(page.get_by_role("button", name="날짜 별 연계 진행")).to_be_visible()
    context.close()

    phone = browser.new_context(viewport=PHONE, locale="ko-KR", base_url=world.web_url)
    phone.set_default_timeout(WAIT)
    page = phone.new_page()
    page.goto("/login")
    page.get_by_role("link", name="초대 코드로 처음 로그인").click()
    page.get_by_label("아이디").fill("spring1")
    page.get_by_label("초대 코드").fill(code)
    page.get_by_label("새 비밀번호 (8자 이상)").fill(NEW_PASSWORD)
    page.get_by_label("새 비밀번호 확인").fill(NEW_PASSWORD)
    page.get_by_role("button", name=re.compile("비밀번호")).click()
    expect(page).to_have_url(re.compile(r"/mypage/"))
    page.get_by_role("navigation", name="마이페이지 메뉴").get_by_role("link", name="활동내역확인").click()
    rows = page.locator("table.activities tbody tr")
    mural = rows.filter(has_text="새봄 벽화 그리기")
    expect(mural.locator("td.link")).to_contain_text("연계완료")
    study = rows.filter(has_text="새봄 공부방")
    expect(study.locator("td.link")).to_contain_text("연계완료")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    mural.get_by_role("link", name="연계완료").click()
    expect(page.locator("#modal")).to_contain_text("2025-03-01")
    expect(page.locator("#modal")).to_contain_text("연계성공")
    expect(page.locator("#modal dialog[open]")).to_be_visible()  # opened (showModal) before Esc can close it
    page.keyboard.press("Escape")
    expect(page.locator("#modal dialog[open]")).to_have_count(0)
    study.get_by_role("link", name="연계완료").click()
    expect(page.locator("#modal")).to_contain_text("기간 전체 연계")
    phone.close()
    with world.app.app_context(), db.connection_context():
        assert Member.get(Member.username == "spring1").check_password(NEW_PASSWORD)
