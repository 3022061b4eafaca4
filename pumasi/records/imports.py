"""Daily logs from an uploaded file: its lines read (volunteers found by 회원아이디, or by name and
phone), checked by the rules of a batch, shown as a preview with each line's problems, and then saved:
all of them, or exactly the lines asked for, in one transaction. The file is read and checked once
per preview and once per confirmation (pumasi.records.uploads keeps it on the server in between)."""
from collections import defaultdict
from dataclasses import dataclass, field

from .. import inputs, korean
from ..accounts import usernames
from . import dailylogs, rules1365
from .activities import digits, participants
from .errors import NotAllowed
from .hours import LogError
from .readers import FORMULA_MESSAGE, LINE_NAME, formula_keys, header_columns, read_table
from .readers import excel_clock as _clock_cell
from .readers import excel_date as _date_cell

MAX_LINES = 2000
COLUMNS = ("활동일", "회원아이디", "이름", "연락처", "시작시간", "종료시간", "인정시간(분)")
HEADERS = {  # the header a spreadsheet may use -> the column it means
    "활동일": "date", "날짜": "date", "일자": "date", "봉사일": "date",
    "회원아이디": "username", "아이디": "username", "id": "username",
    "이름": "name", "성명": "name", "봉사자": "name",
    "연락처": "phone", "전화번호": "phone", "휴대폰": "phone", "휴대전화": "phone",
    "시작시간": "start", "시작": "start", "종료시간": "end", "종료": "end",
    "인정시간(분)": "minutes", "인정시간": "minutes", "인정분": "minutes",
}
REQUIRED = {"date": "활동일", "start": "시작시간", "end": "종료시간"}
WHO_LABEL = "회원아이디(또는 이름과 연락처)"
WHO_MESSAGE = "회원아이디 또는 이름과 연락처를 입력해 주세요."
UNKNOWN_MESSAGE = "이 활동에 등록된 봉사자 중 '{who}'을(를) 찾을 수 없습니다."
AMBIGUOUS_MESSAGE = "이름과 연락처가 같은 봉사자가 여럿입니다. 회원아이디로 입력해 주세요."

class ImportRejected(Exception):
    """The lines asked for cannot be saved (any more): the fresh preview says why; nothing was written."""

    def __init__(self, preview):
        super().__init__(preview)
        self.preview = preview


@dataclass
class ImportLine:
    """One line of an uploaded file: its number in the file, the cells, the row, its problems."""

    number: int
    cells: dict
    row: dailylogs.LogInput | None = None
    volunteer: object = None
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # 1365's rules a good line meets (records.rules1365)

    @property
    def ok(self):
        return not self.errors


@dataclass
class Preview:
    """A checked file: its lines, or one problem with the whole file."""

    lines: list = field(default_factory=list)
    problem: str = ""

    @property
    def good(self):
        return [line for line in self.lines if line.ok]

    @property
    def bad(self):
        return [line for line in self.lines if not line.ok]


def _who_missing(columns):
    """A volunteer is named by 회원아이디, or by 이름 and 연락처: the label when neither is there."""
    return [] if "username" in columns or {"name", "phone"} <= set(columns) else [WHO_LABEL]


def _columns(header):
    """The column each header cell means; NotAllowed naming the columns that are missing."""
    return header_columns(header, HEADERS, REQUIRED, _who_missing)


def read_lines(data, filename=""):
    """The lines of a file as [({column: cell}, line number)]; NotAllowed for the whole file."""
    return [(cells, number) for number, cells in read_table(data, filename, MAX_LINES, _columns)]


def _resolve(cells, by_username, by_name_phone):
    """The participation a line means, or the LogError why none."""
    username = cells.get("username")
    if username:
        found = by_username.get(usernames.key(username))
        if found is None:
            raise LogError("volunteer", korean.particles(UNKNOWN_MESSAGE.format(who=username)))
        return found
    name, phone = cells.get("name"), digits(cells.get("phone"))
    if not name or not phone:
        raise LogError("volunteer", WHO_MESSAGE)
    found = by_name_phone.get((name, phone))
    if not found:
        raise LogError("volunteer", korean.particles(UNKNOWN_MESSAGE.format(who=name)))
    if len(found) > 1:
        raise LogError("volunteer", AMBIGUOUS_MESSAGE)
    return found[0]


def _line(cells, number, by_username, by_name_phone):
    """An ImportLine with its row, or with the reason it could not be read."""
    line = ImportLine(number, cells)
    formulas = formula_keys(cells)
    if formulas:  # shown as written, never read as a value
        line.errors.append(LogError(formulas[0], FORMULA_MESSAGE))
        return line
    refused = inputs.problems(cells)
    if refused:  # the line is shown without the cells that hold them
        line.cells = {key: "" if key in refused else cell for key, cell in cells.items()}
        line.errors.append(LogError(next(iter(refused)), inputs.CONTROL_MESSAGE))
        return line
    try:
        participation = _resolve(cells, by_username, by_name_phone)
    except LogError as exc:
        line.errors.append(exc)
        return line
    line.volunteer = participation.volunteer
    line.row = dailylogs.LogInput(participation.id, _date_cell(cells.get("date")), _clock_cell(cells.get("start")),
                                  _clock_cell(cells.get("end")), cells.get("minutes", ""))
    return line


def _lines(activity, raw_lines):
    people = participants(activity)
    by_username = {p.volunteer.username_key: p for p in people}
    by_name_phone = defaultdict(list)
    for p in people:
        by_name_phone[(p.volunteer.name, digits(p.volunteer.phone))].append(p)
    return [_line(cells, number, by_username, by_name_phone) for cells, number in raw_lines]


def _checked(activity, lines, today, old_months=0):
    """Check the readable lines as one batch, their problems added to them, and to the good ones the
    1365 rules they meet (dates older than old_months months, minutes not whole hours): (Preview,
    {line number: Checked})."""
    readable = [line for line in lines if line.row is not None]
    checked, errors = dailylogs.validate_batch(activity, [line.row for line in readable], today,
                                               names=[LINE_NAME.format(number=line.number) for line in readable])
    for index, found in errors.items():
        readable[index].errors.extend(found)
    for line, item in zip(readable, checked):
        if line.ok:
            line.warnings = rules1365.date_warnings(item.entry.date, item.minutes, today, old_months)
    return Preview(lines=lines), {line.number: item for line, item in zip(readable, checked)}


def preview(activity, data, today, filename="", old_months=0):
    """Read and check a file of daily logs for the activity without saving anything."""
    try:
        lines = _lines(activity, read_lines(data, filename))
    except NotAllowed as exc:
        return Preview(problem=exc.message)
    return _checked(activity, lines, today, old_months)[0]


def import_lines(activity, data, actor, today, only_lines=None, filename=""):
    """Save a file's lines in one transaction: all of them, or exactly only_lines (line numbers);
    returns the saved logs. The file is read and checked once, inside the transaction; when the lines
    to save are not all good (any more), nothing is saved and ImportRejected carries the preview.
    NotAllowed for a problem with the whole file."""
    lines = _lines(activity, read_lines(data, filename))
    numbers = None if only_lines is None else set(only_lines)
    wanted = [line for line in lines if numbers is None or line.number in numbers]
    with dailylogs.writing([line.row for line in lines if line.row is not None]):
        found, checked = _checked(activity, lines, today)
        if not wanted or not all(line.ok for line in wanted) or (
                numbers is not None and {line.number for line in wanted} != numbers):
            raise ImportRejected(found)
        return dailylogs.write_checked(activity, [checked[line.number] for line in wanted], actor)
