""".xlsx uploads (pumasi.records.readers): an Excel file gives the same preview as the same rows in a
CP949 CSV, whether openpyxl wrote it or a spreadsheet program did; Excel's dates, times and numbers
read as the values they stand for; formula cells refused on their line; the .xlsx template.

tests/fixtures/daily_logs_libreoffice.xlsx was saved by LibreOffice Calc 7.4 from the rows of
test_dailylogs.GOOD_AND_BAD plus one line whose 인정시간(분) is the formula =60*1:
  soffice --headless --infilter="CSV:44,34,76,1,,0,false,true,true,false,false,-1,true" \\
          --convert-to xlsx daily_logs_libreoffice.csv
(Calc stores the dates and times it recognises as date and time cells, the rest as text)."""
import io
import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from pumasi.db import db
from pumasi.models import Activity, DailyLog
from pumasi.records import exports, imports, readers
from pumasi.records.readers import FORMULA_MESSAGE, XLSX_TYPE
from test_dailylogs import GOOD_AND_BAD, MENTORING, TODAY, vol3_phone, world  # noqa: F401 (fixtures)

FIXTURE = Path(__file__).parent / "fixtures" / "daily_logs_libreoffice.xlsx"


def xlsx(*rows):
    """The bytes of an .xlsx whose first sheet holds rows (None for an empty row)."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row or [])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# GOOD_AND_BAD as Excel would store it when the cells were typed into a sheet: real dates and times,
# numbers as numbers, and what Excel keeps as text ('2026/11/21' typed into a text cell) as text.
EXCEL_ROWS = (
    ["활동일", "회원아이디", "이름", "연락처", "시작시간", "종료시간", "인정시간(분)"],
    [datetime(2026, 11, 21), "vol1", "김민준", None, time(10), time(13), None],
    ["2026/11/21", None, "박지호", "010-2222-3333", "오전 10:00:00", datetime(1899, 12, 30, 12, 30), 120],
    [date(2026, 11, 21), "vol3", None, None, 14 / 24, time(13), None],
    None,
    [46348, "nobody", None, None, time(10), time(12), None],   # 46348: Excel's day number of 2026-11-22
    [datetime(2026, 12, 1), "vol1", None, None, time(10), time(12), None],
    [datetime(2026, 11, 20), None, "박지호", None, "10:00", 0.5, None],
)


def _summary(preview):
    return [(line.number, [str(e) for e in line.errors],
             line.row and (line.row.date, line.row.start, line.row.end, line.row.minutes),
             line.volunteer and line.volunteer.username) for line in preview.lines]


def test_an_openpyxl_file_previews_as_the_same_rows_in_cp949_csv(world, vol3_phone):  # noqa: F811
    activity = world.activity(MENTORING)
    from_csv = imports.preview(activity, GOOD_AND_BAD.encode("cp949"), TODAY, "일지.csv")
    from_xlsx = imports.preview(activity, xlsx(*EXCEL_ROWS), TODAY, "일지.xlsx")
    assert from_xlsx.problem == "" and from_csv.problem == ""
    assert _summary(from_xlsx) == _summary(from_csv)
    assert [line.number for line in from_xlsx.good] == [2, 3]
    assert from_xlsx.good[1].row.end == "12:30"


def test_a_file_saved_by_libreoffice_previews_as_the_csv_and_refuses_its_formula(world, vol3_phone):  # noqa: F811
    activity = world.activity(MENTORING)
    data = FIXTURE.read_bytes()
    from_csv = imports.preview(activity, GOOD_AND_BAD.encode("cp949"), TODAY, "일지.csv")
    from_file = imports.preview(activity, data, TODAY, "일지.xlsx")
    assert _summary(from_file)[:-1] == _summary(from_csv)
    last = from_file.lines[-1]
    assert last.number == 9 and [str(e) for e in last.errors] == [FORMULA_MESSAGE]
    assert last.cells["minutes"] == "=60*1"  # shown as written, never its cached value
    before = DailyLog.select().count()
    saved = imports.import_lines(activity, data, world.member("site1"), TODAY, [2, 3], "일지.xlsx")
    assert len(saved) == 2 and DailyLog.select().count() == before + 2
    with pytest.raises(imports.ImportRejected):
        imports.import_lines(activity, data, world.member("site1"), TODAY, [9], "일지.xlsx")


def test_a_formula_is_refused_on_its_line_only(world):
    activity = world.activity(MENTORING)
    data = xlsx(["활동일", "회원아이디", "시작시간", "종료시간", "인정시간(분)"],
                [date(2026, 11, 21), "vol1", time(10), time(12), None],
                ["=TODAY()", "vol1", time(13), time(14), None],
                [date(2026, 11, 21), "vol1", time(15), time(16), "=60"])
    preview = imports.preview(activity, data, TODAY, "a.xlsx")
    assert [line.number for line in preview.good] == [2]
    assert {line.number: [str(e) for e in line.errors] for line in preview.bad} == {
        3: [FORMULA_MESSAGE], 4: [FORMULA_MESSAGE]}


def test_excel_values_read_as_text():
    assert [readers.cell_text(v) for v in (
        None, 120, 120.0, 1.5, True, date(2026, 1, 2), datetime(2026, 1, 2), datetime(2026, 1, 2, 9, 30),
        time(9, 5), time(12, 29, 59, 999999), datetime(1899, 12, 31, 18, 0), "  vol1 ")] == [
        "", "120", "120", "1.5", "TRUE", "2026-01-02", "2026-01-02", "2026-01-02 09:30",
        "09:05", "12:30", "18:00", "vol1"]


def test_rows_keep_their_numbers_and_the_first_sheet_is_read():
    book = Workbook()
    book.active.append(["a", "b"])
    book.active["A4"] = "x"
    book.create_sheet("other").append(["not", "read"])
    out = io.BytesIO()
    book.save(out)
    rows = readers.read_rows(out.getvalue(), "x.xlsx")
    assert [(n, cells) for n, cells in rows if cells] == [(1, ["a", "b"]), (4, ["x"])]


@pytest.mark.parametrize("data, name, message", [
    (b"PK\x03\x04 broken zip", "a.xlsx", readers.XLSX_MESSAGE),
    (b"not a workbook", "a.xlsx", readers.XLSX_MESSAGE),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "a.xls", readers.XLS_MESSAGE),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "a.csv", readers.XLS_MESSAGE),
])
def test_files_that_are_not_workbooks(world, data, name, message):
    assert imports.preview(world.activity(MENTORING), data, TODAY, name).problem == message


def test_a_workbook_named_csv_is_read_as_a_workbook(world):
    data = xlsx(["활동일", "회원아이디", "시작시간", "종료시간"], [date(2026, 11, 21), "vol1", time(10), time(12)])
    preview = imports.preview(world.activity(MENTORING), data, TODAY, "named.csv")
    assert preview.problem == "" and [line.number for line in preview.good] == [2]


def test_a_workbook_that_unpacks_too_large_is_refused(world, monkeypatch):
    monkeypatch.setattr(readers, "XLSX_UNPACKED_LIMIT", 1000)
    data = xlsx(["활동일", "회원아이디", "시작시간", "종료시간"])
    assert imports.preview(world.activity(MENTORING), data, TODAY, "a.xlsx").problem == readers.XLSX_MESSAGE


def test_the_xlsx_template(world):
    sheet = load_workbook(io.BytesIO(exports.template_xlsx())).active
    assert [c.value for c in sheet[1]] == list(imports.COLUMNS)
    formats = {c.value: sheet.cell(row=2, column=c.column).number_format for c in sheet[1]}
    assert formats == {"활동일": "yyyy-mm-dd", "회원아이디": "@", "이름": "@", "연락처": "@",
                       "시작시간": "hh:mm", "종료시간": "hh:mm", "인정시간(분)": "0"}
    preview = imports.preview(world.activity(MENTORING), exports.template_xlsx(), TODAY, "t.xlsx")
    assert preview.problem == readers.EMPTY_MESSAGE  # its formatted rows are empty


# --------------------------------------------------------------------------- the site's page

def test_a_site_uploads_an_xlsx_previews_and_saves(app, client, auth, demo):
    with app.app_context(), db.connection_context():
        url = f"/site/activities/{Activity.get(Activity.title == MENTORING).id}/import"
    auth.login("site1")
    form = client.get(url)
    assert "엑셀 양식 내려받기" in form.text and 'accept=".csv,.xlsx' in form.text
    data = xlsx(["활동일", "회원아이디", "시작시간", "종료시간"],
                [date(2026, 6, 20), "vol1", time(10), time(12)],
                [date(2026, 6, 20), "vol1", "=A2", time(13)])
    preview = client.post(url, data={"file": (io.BytesIO(data), "일지.xlsx")}, content_type="multipart/form-data")
    assert preview.status_code == 422
    line3 = preview.text.split('id="line-3"')[1].split("</tr>")[0]
    assert "수식이 들어 있는 칸은 읽을 수 없습니다." in line3
    token = re.search(r'name="upload" value="([^"]+)"', preview.text).group(1)
    done = client.post(url + "/confirm", data={"upload": token, "lines": "2"})
    assert done.status_code == 303
    assert "파일에서 상세봉사내역 1건을 저장했습니다." in client.get(done.headers["Location"]).text
    template = client.get("/site/template.xlsx")
    assert template.status_code == 200 and template.mimetype == XLSX_TYPE
    assert "attachment" in template.headers["Content-Disposition"]
    assert [c.value for c in load_workbook(io.BytesIO(template.data)).active[1]] == list(imports.COLUMNS)
