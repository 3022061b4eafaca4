"""The rows of an uploaded spreadsheet, whatever its format: a reader turns the file's bytes into
(line number, [cells as text]) pairs, the header among them. CSV today (UTF-8 with or without BOM,
or CP949 as Korean Excel writes it); another format (an .xlsx reader) is one more entry in READERS,
chosen by the file's name."""
import csv
import io
import os

from .errors import NotAllowed

ENCODING_MESSAGE = "파일을 읽을 수 없습니다. CSV(UTF-8 또는 엑셀의 CSV) 형식으로 저장해 주세요."


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
    reader = csv.reader(io.StringIO(decode_csv(data), newline=""))
    rows, last = [], 0
    try:
        for cells in reader:
            rows.append((last + 1, cells))
            last = reader.line_num
    except csv.Error:
        raise NotAllowed(ENCODING_MESSAGE) from None
    return rows


READERS = {".csv": csv_rows}


def read_rows(data, filename=""):
    """The rows of an uploaded file, by the reader of its kind (a file of another name is read as CSV)."""
    reader = READERS.get(os.path.splitext(filename or "")[1].lower(), csv_rows)
    return reader(data)
