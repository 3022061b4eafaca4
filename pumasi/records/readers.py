"""The rows of an uploaded spreadsheet, whatever its format: a reader turns the file's bytes into
(line number, [cells as text]) pairs, the header among them. CSV (UTF-8 with or without BOM, or CP949
as Korean Excel writes it) and Excel's .xlsx (openpyxl), chosen by the file's name or, for a file
that is a zip, by its content. An .xlsx cell comes out as the text a CSV saved by Excel would hold
for it where the importers read both the same: a date as 2026-11-21, a time as 09:30, a whole number
without '.0'; a formula cell comes out as a Formula (a str), which the importers refuse by line. read_table reads a headed table the same way for every importer: the
sites' daily logs (records.imports) and the operators' imports (transfer.sheet)."""
import csv
import io
import os
import re
import zipfile
from datetime import date, datetime, time, timedelta

from ..identity.rrn import RRN_IN_TEXT
from .errors import NotAllowed

ENCODING_MESSAGE = "파일을 읽을 수 없습니다. CSV(UTF-8 또는 엑셀의 CSV) 형식으로 저장해 주세요."
XLSX_MESSAGE = "엑셀 파일을 읽을 수 없습니다. 엑셀 통합 문서(.xlsx) 또는 CSV로 저장해 주세요."
XLS_MESSAGE = "예전 엑셀 형식(.xls)은 읽을 수 없습니다. 엑셀에서 '엑셀 통합 문서(.xlsx)'로 저장해 주세요."
FORMULA_MESSAGE = "수식이 들어 있는 칸은 읽을 수 없습니다. 엑셀에서 '값으로 붙여넣기'를 한 뒤 다시 올려 주세요."
LINE_NAME = "{number}번째 줄"  # how the importers' messages point at a line of the file
RRN_MESSAGE = ("{number}번째 줄에 주민등록번호로 보이는 값(숫자 13자리)이 있습니다. 주민등록번호는 파일로 받지 않습니다. "
               "그 칸이나 열을 지우고 다시 올려 주세요.")
TOO_MANY_MESSAGE = "한 번에 최대 {limit:,}줄까지 올릴 수 있습니다."
EMPTY_ROWS_ALLOWED = 10_000  # empty rows a file may hold besides its lines (read with a limit)
EMPTY_ROWS_MESSAGE = ("파일에 빈 줄이 너무 많습니다(1만 줄 넘게). 내용이 있는 줄만 새 파일에 붙여 넣어 저장한 뒤 "
                      "다시 올려 주세요.")
EMPTY_MESSAGE = "파일에 입력된 줄이 없습니다."
HEADER_MESSAGE = "첫 줄에 열 이름이 필요합니다. 빠진 열: {missing}"
XLSX_UNPACKED_LIMIT = 200 * 1024 * 1024  # an .xlsx is a zip: refuse one that unpacks past this
XLSX_UNPACKED_PER_LINE = 2048  # and, read for so many lines, past 1 MB and this much a line
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls
_CLOCK_CELL = re.compile(r"(오전|오후|AM|PM)?\s*([0-9]{1,2}):([0-9]{2})(?::00)?\s*(AM|PM)?", re.IGNORECASE)
_WEEKDAY = r"(?:\s*\(?[월화수목금토일](?:요일)?\)?)?"  # '(목)', ' 목요일': Korean Excel's long date formats
_DATE_CELL = re.compile(r"([0-9]{4})(?:[./-]\s*|년\s*)([0-9]{1,2})(?:[./-]\s*|월\s*)([0-9]{1,2})(?:\.|일)?"
                        + _WEEKDAY + r"(?:\s+0{1,2}:00(?::00)?)?")
_HOUR_CELL = re.compile(r"(오전|오후)?\s*([0-9]{1,2})\s*시(?:\s*([0-9]{1,2})\s*분)?")  # '9시', '오후 2시 30분'
_SERIAL_DAY = re.compile(r"[0-9]{5}")            # Excel's day number of a date cell without a date format
_DAY_FRACTION = re.compile(r"0?\.[0-9]+")     # Excel's fraction of a day of a time cell without a time format
_EXCEL_EPOCH = date(1899, 12, 30)


class Formula(str):
    """The text of a formula cell ('=SUM(A1:A3)'): never read as a value."""


def formula_keys(cells):
    """The keys of a {key: cell} mapping whose cells hold formulas."""
    return [key for key, cell in cells.items() if isinstance(cell, Formula)]


def decode_csv(data):
    """Bytes of a spreadsheet's CSV as text: UTF-8 (with or without BOM), else CP949 (Korean Excel)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise NotAllowed(ENCODING_MESSAGE)


def csv_rows(data):
    """[(line number, [cells])] of a CSV file: each row numbered by the line it starts on."""
    return list(_csv_rows(data))


def _csv_rows(data):
    if isinstance(data, bytes) and data.startswith(_OLE):
        raise NotAllowed(XLS_MESSAGE)
    reader = csv.reader(io.StringIO(decode_csv(data), newline=""))
    last = 0
    try:
        for cells in reader:
            yield last + 1, cells
            last = reader.line_num
    except csv.Error:
        raise NotAllowed(ENCODING_MESSAGE) from None


def excel_clock(text):
    """How Excel writes a time ('9:00', '09:00:00', '오후 1:30:00', or 0.375 as a fraction of a day), or
    an office types it ('9시', '오후 2시 30분'), as 'HH:MM'; other text as it is."""
    text = (text or "").strip()
    if _DAY_FRACTION.fullmatch(text):
        minutes = round(float(text) * 1440)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    match = _CLOCK_CELL.fullmatch(text)
    if match:
        half, hour, minute = (match.group(1) or match.group(4) or "").upper(), int(match.group(2)), match.group(3)
    else:
        match = _HOUR_CELL.fullmatch(text)
        if not match or int(match.group(3) or 0) > 59:
            return text
        half, hour, minute = match.group(1) or "", int(match.group(2)), f"{int(match.group(3) or 0):02d}"
    if half and not 1 <= hour <= 12:
        return text
    if half in ("오후", "PM") and hour != 12:
        hour += 12
    elif half in ("오전", "AM") and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute}"


def excel_date(text):
    """How Excel writes a date ('2026/11/21', '2026.11.21', '2026-11-21 0:00', '2026년 11월 21일 토요일',
    '2026-11-21 (토)', or 46347 as its day number) as 'YYYY-MM-DD'."""
    text = (text or "").strip()
    if _SERIAL_DAY.fullmatch(text):
        return (_EXCEL_EPOCH + timedelta(days=int(text))).isoformat()
    match = _DATE_CELL.fullmatch(text)
    if not match:
        return text
    return f"{match.group(1)}-{int(match.group(2)):02d}-{int(match.group(3)):02d}"


def _clock(value):
    """A time of day as 'HH:MM' (or 'HH:MM:SS'), rounded to the second (Excel keeps fractions of a day)."""
    seconds = round(value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6)
    hour, rest = divmod(seconds, 3600)
    minute, second = divmod(rest, 60)  # 23:59:59.5 and later round to 86,400 s: '24:00'
    return f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second else "")


def cell_text(value):
    """An .xlsx cell's value as the text the importers read."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.year < 1901:  # a time alone, which Excel keeps as a day of its 1899/1900 epoch
            return _clock(value.time())
        if value.time() == time(0):
            return value.date().isoformat()
        return f"{value.date().isoformat()} {_clock(value.time())}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _clock(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()  # the other types openpyxl gives never show surrounding spaces


def _cell(cell):
    if getattr(cell, "data_type", None) == "f":
        return Formula(str(cell.value))
    return cell_text(cell.value)


def unpacked_limit(limit):
    """How far an .xlsx read for at most limit lines may unpack: 1 MB and XLSX_UNPACKED_PER_LINE a
    line, XLSX_UNPACKED_LIMIT at most (2,000 lines: 5 MB; 34 KB of .xlsx holding one row of a million
    cells unpack to 15 MB, which took 11 s and 550 MB to read)."""
    return min(XLSX_UNPACKED_LIMIT, 1024 * 1024 + limit * XLSX_UNPACKED_PER_LINE)


def _open_workbook(data, unpacked=None):
    from openpyxl import load_workbook  # only when an .xlsx comes
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if sum(info.file_size for info in archive.infolist()) > (unpacked or XLSX_UNPACKED_LIMIT):
            raise NotAllowed(XLSX_MESSAGE)
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except NotAllowed:
        raise
    except Exception:  # openpyxl raises many kinds for a broken or foreign file; all mean the same here
        raise NotAllowed(XLSX_MESSAGE) from None


def xlsx_rows(data):
    """[(row number, [cells])] of the first sheet of an .xlsx file; trailing empty cells dropped."""
    return list(_xlsx_rows(data))


def _xlsx_rows(data, unpacked=None):
    if isinstance(data, str) or not data.startswith(_ZIP):
        raise NotAllowed(XLS_MESSAGE if isinstance(data, bytes) and data.startswith(_OLE) else XLSX_MESSAGE)
    book = _open_workbook(data, unpacked)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size; read what is there
        number = 0
        for row in sheet.iter_rows():
            number = next((cell.row for cell in row if getattr(cell, "row", None)), number + 1)
            cells = [_cell(cell) for cell in row]
            while cells and cells[-1] == "":
                cells.pop()
            yield number, cells
    except NotAllowed:
        raise
    except Exception:
        raise NotAllowed(XLSX_MESSAGE) from None
    finally:
        book.close()


READERS = {".csv": _csv_rows, ".xlsx": _xlsx_rows, ".xlsm": _xlsx_rows}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPT = f".csv,.xlsx,text/csv,{XLSX_TYPE}"


def refuse_rrns(rows):
    """NotAllowed naming the first line of rows ([(number, cells)]) with an RRN-shaped value in any
    cell, of a column the import reads or not: such a file is not kept, not even for its preview."""
    for number, cells in rows:
        if any(RRN_IN_TEXT.search(cell) for cell in cells):
            raise NotAllowed(RRN_MESSAGE.format(number=number))


def read_rows(data, filename="", limit=None):
    """The rows of an uploaded file, by the reader of its kind: a zip is read as .xlsx whatever its
    name, a file of another name as CSV. With a limit, only the rows holding something, and
    NotAllowed (TOO_MANY_MESSAGE) as soon as more than limit of them follow the header: a file of a
    million rows (an .xlsx of 64 KB unpacks to 200,000 rows) is not read whole, nor kept, first. Nor
    are more than EMPTY_ROWS_ALLOWED empty rows read (14 KB of .xlsx unpack to a million, 6 s), nor an
    .xlsx that unpacks past unpacked_limit(limit)."""
    if isinstance(data, bytes) and data.startswith(_ZIP):
        rows = _xlsx_rows(data, None if limit is None else unpacked_limit(limit))
    else:
        rows = READERS.get(os.path.splitext(filename or "")[1].lower(), _csv_rows)(data)
    if limit is None:
        return list(rows)
    kept, empty = [], 0
    for number, cells in rows:
        if any(cell.strip() for cell in cells):
            kept.append((number, cells))
            if len(kept) > limit + 1:
                raise NotAllowed(TOO_MANY_MESSAGE.format(limit=limit))
        else:
            empty += 1
            if empty > EMPTY_ROWS_ALLOWED:
                raise NotAllowed(EMPTY_ROWS_MESSAGE)
    return kept


def header_key(text):
    """A header cell, or a name it may have, as they are compared: spaces dropped, lower case."""
    return re.sub(r"\s+", "", text or "").lower()


def header_columns(header, names, required, more_missing=None):
    """The column each header cell means (names: {header text: column}, compared by header_key;
    None: a column not read); NotAllowed naming the required columns ({column: label}) that are
    missing, and the labels more_missing(columns) adds."""
    keyed = {header_key(text): column for text, column in names.items()}
    columns = [keyed.get(header_key(cell)) for cell in header]
    missing = [label for column, label in required.items() if column not in columns]
    if more_missing is not None:
        missing += more_missing(columns)
    if missing:
        raise NotAllowed(HEADER_MESSAGE.format(missing=", ".join(missing)))
    return columns


def read_table(data, filename, limit, columns_of, clean=str.strip):
    """A headed table: [(line number, {column: cell})] of the rows holding something below the header,
    with each column's first cell, its text through clean (a formula cell kept as its Formula).
    columns_of(header cells) gives the column each cell means (None: not read), or raises NotAllowed.
    NotAllowed for the whole file: unreadable, more than limit lines, an RRN in any cell, no lines."""
    rows = read_rows(data, filename, limit)  # the rows holding something; NotAllowed past limit
    refuse_rrns(rows)
    if not rows:
        raise NotAllowed(EMPTY_MESSAGE)
    columns = columns_of(rows[0][1])
    if len(rows) == 1:  # the header alone (an empty template)
        raise NotAllowed(EMPTY_MESSAGE)
    table = []
    for number, cells in rows[1:]:
        values = {}
        for column, cell in zip(columns, cells):
            if column and column not in values:
                values[column] = cell if isinstance(cell, Formula) else clean(cell)
        table.append((number, values))
    return table
