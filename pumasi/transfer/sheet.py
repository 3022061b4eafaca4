"""The lines of an operator's import file, whatever its kind: the header mapped to columns, each line's
cells as text (records.readers.read_table, the reader the sites' daily-log import uses too), the lines
that cannot be read at all (a formula, a control character) marked, and the Line every kind then
checks. The formats are those of records.readers (CSV in UTF-8 or CP949, .xlsx)."""
import csv
import io
from dataclasses import dataclass, field
from datetime import date

from peewee import PostgresqlDatabase

from .. import inputs, korean
from ..db import db
from ..records import hours
from ..records.errors import NotAllowed
from ..records.readers import FORMULA_MESSAGE, excel_date, formula_keys, header_columns, read_table

MAX_LINES = 200_000
SAME_LINE_MESSAGE = "{number}번째 줄과 {what}이(가) 같습니다."
DATE_MESSAGE = "{label} 형식이 올바르지 않습니다. (예: 2026-11-21)"


@dataclass
class Line:
    """One line of a file: its number, its cells by column, its problems [(column, Korean message)],
    and what saving it would do (the kind's word for it) with what it found."""

    number: int
    cells: dict
    errors: list = field(default_factory=list)
    action: str = ""
    found: object = None
    note: str = ""
    values: dict = None

    @property
    def ok(self):
        return not self.errors

    def error(self, column, message):
        self.errors.append((column, korean.particles(message)))  # '생년월일이(가)' -> '생년월일이' 

    def get(self, column):
        return self.cells.get(column, "")


def read_lines(data, filename, names, required):
    """[Line] of a file (empty lines left out; names and required as records.readers.header_columns
    takes them); a line with a formula or a control character is marked bad and its cells not read.
    NotAllowed for a problem with the whole file."""
    table = read_table(data, filename, MAX_LINES, lambda header: header_columns(header, names, required), _cleaned)
    return [_marked(Line(number, values)) for number, values in table]


def _cleaned(cell):
    return unquoted(cell.strip())


def unquoted(text):
    """A cell as it was before an export put an apostrophe before a formula's first character."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def _marked(line):
    formulas = formula_keys(line.cells)
    if formulas:
        line.error(formulas[0], FORMULA_MESSAGE)
        return line
    refused = inputs.problems(line.cells)
    if refused:  # shown without the cells that hold them
        line.cells = {key: "" if key in refused else cell for key, cell in line.cells.items()}
        line.error(next(iter(refused)), inputs.CONTROL_MESSAGE)
    return line


def same_as_before(lines, column, what, key):
    """Mark every line whose key(line) (when not None) an earlier line already has."""
    seen = {}
    for line in lines:
        value = key(line)
        if value is None:
            continue
        if value in seen:
            line.error(column, SAME_LINE_MESSAGE.format(number=seen[value], what=what))
        else:
            seen[value] = line.number


def parse_day(line, column, label, required=False):
    """The date in the line's column (as Excel writes dates too), or None; a problem is added to the line."""
    text = excel_date(line.get(column))
    if not text:
        if required:
            line.error(column, f"{label}을(를) 입력해 주세요.")
        return None
    try:
        return hours.parse_date(text)
    except hours.LogError:
        line.error(column, DATE_MESSAGE.format(label=label))
        return None


def not_future(line, column, label, day, today):
    if day is not None and day > today:
        line.error(column, f"{label}이(가) 미래 날짜입니다.")


def earliest_birth():
    return date(1900, 1, 1)


def insert_rows(model, fields, rows, chunk=1000):
    """Insert many rows (tuples in the order of fields, names of model's fields) in the caller's
    transaction: PostgreSQL's COPY, else one multi-row INSERT per chunk (what peewee's insert_many
    does, without building an expression per value). Values are turned into what the database
    stores by each field's own db_value."""
    columns = [model._meta.fields[name] for name in fields]
    names = ", ".join(f'"{column.column_name}"' for column in columns)
    if isinstance(db.obj, PostgresqlDatabase):
        return _copy(model, columns, names, rows)
    head = f'INSERT INTO "{model._meta.table_name}" ({names}) VALUES '
    one = "(" + ", ".join([db.param] * len(columns)) + ")"
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        params = [column.db_value(value) for row in part for column, value in zip(columns, row)]
        db.execute_sql(head + ", ".join([one] * len(part)), params)


NULL = "\x1fNULL"  # no cell can hold it: every cell with a control character is refused (_marked)


def _copy(model, columns, names, rows):
    """COPY … FROM STDIN (CSV): about half the time of multi-row INSERTs for 100,000 dates. A None is
    written as NULL, the marker this COPY is told of (an empty field stays an empty text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([NULL if value is None else column.db_value(value) for column, value in zip(columns, row)])
    buffer.seek(0)
    sql = f"COPY \"{model._meta.table_name}\" ({names}) FROM STDIN WITH (FORMAT csv, NULL E'\\x1fNULL')"
    db.cursor().copy_expert(sql, buffer)
