"""Hostile files at a site's 파일 가져오기: an .xlsx of 64 KB that unpacks to 200,000 rows (a sheet of
one repeated row compresses a thousand times) was read whole, and every row kept, before the 2,000-line
limit was checked: 10 s of a web thread for 64 KB, about two minutes and a gigabyte and a half for the
5 MB a site may upload (a CSV of 5 MB of line breaks: 9 s and 960 MB); 34 KB holding one row of a
million cells took 11 s and 550 MB. The reader now stops at the limit, after 10,000 empty rows, and
before opening an .xlsx that unpacks past what so many lines need (records.readers.read_rows); its
boundaries are in test_rules_readers."""
import io
import zipfile

from openpyxl import Workbook

from helpers import ctx
from pumasi.models import Activity, Member, Upload
from pumasi.records import readers

ROWS = 40_000  # 3.5 MB unpacked: under what a site's 2,000 lines may unpack to (readers.unpacked_limit)
MESSAGE = "한 번에 최대 2,000줄까지 올릴 수 있습니다."


def _bomb(rows=ROWS, line=None):
    """An .xlsx whose first sheet holds the header and `rows` copies of one line."""
    book = Workbook()
    book.active.append(["활동일", "회원아이디", "시작시간", "종료시간"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                line = line or ('<row><c t="inlineStr"><is><t>2026-11-20</t></is></c>'
                                '<c t="inlineStr"><is><t>vol1</t></is></c></row>')
                data = data.replace(b"</sheetData>", line.encode() * rows + b"</sheetData>")
            bomb.writestr(info.filename, data)
    return out.getvalue()


def _site1_counting_cells(app, monkeypatch):
    """site1 logged in, their activity, and a list that grows by one for each .xlsx cell read."""
    read, real = [], readers._cell
    monkeypatch.setattr(readers, "_cell", lambda cell: read.append(1) or real(cell))
    client = app.test_client()
    client.post("/login", data={"username": "site1", "password": "pumasi-demo"})
    with ctx(app):
        activity = Activity.select().join(Member, on=(Activity.site == Member.site)).where(
            Member.username == "site1").first()
    return client, activity, read


def test_a_small_xlsx_of_many_rows_is_refused_at_the_limit(app, demo, monkeypatch):
    data = _bomb()
    assert len(data) < 20_000
    client, activity, read = _site1_counting_cells(app, monkeypatch)
    for name in ("logs.xlsx", "logs.csv"):  # a zip is a workbook whatever its name
        page = client.post(f"/site/activities/{activity.id}/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), name)})
        assert page.status_code == 422 and MESSAGE in page.text, name
    assert len(read) <= 2 * (4 + 2 * 2_001)  # two files: the header, and two cells a line up to the limit
    with ctx(app):
        assert Upload.select().count() == 0


def test_a_small_xlsx_of_one_row_of_a_million_cells_is_refused_unread(app, demo, monkeypatch):
    """34 KB, 15 MB unpacked: 11 s and 550 MB to read its one row. A site's file (2,000 lines at most)
    may unpack to 5 MB (readers.unpacked_limit): refused before a cell is read."""
    data = _bomb(1, "<row>" + "<c><v>1</v></c>" * 1_000_000 + "</row>")
    assert len(data) < 50_000
    client, activity, read = _site1_counting_cells(app, monkeypatch)
    page = client.post(f"/site/activities/{activity.id}/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "logs.xlsx")})
    assert page.status_code == 422 and readers.XLSX_MESSAGE in page.text and read == []
