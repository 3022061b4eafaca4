"""The activity site's side of the records: activities, their volunteers, daily logs and CSV.

Plain Python over the models, no Flask. A batch of daily logs is validated against the rules of
`hours` (each log on its own, then each volunteer's day across every activity) and written in one
transaction, whole or not at all. Dates that 1365 holds or is being sent are the sites' to read only.
"""
import csv
import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from peewee import IntegrityError, fn

from . import audit, hours, inputs, usernames
from .db import db, lock_rows, locked_transaction, unique_columns
from .hours import Entry, LogError, Place
from .models import (FAILED, PENDING, SUCCEEDED, UNSENT, Activity, DailyLog, LinkAttempt, LinkRequest, Member,
                     Participation, utcnow)

EDITABLE = (UNSENT, FAILED)

LOCKED_MESSAGES = {
    PENDING: "1365 연계중인 날짜는 수정하거나 삭제할 수 없습니다.",
    SUCCEEDED: "1365 연계가 완료된 날짜는 수정하거나 삭제할 수 없습니다. 정정이 필요하면 기술지원으로 문의해 주세요.",
}
NOT_A_VOLUNTEER_MESSAGE = "이 활동에 등록된 봉사자가 아닙니다."
MISSING_LOG_MESSAGE = "수정할 활동일을 찾을 수 없습니다. 화면을 새로 고쳐 주세요."
MINUTES_FORMAT_MESSAGE = "인정시간은 분 단위 숫자로 입력해 주세요. (예: 120)"
PERIOD_ORDER_MESSAGE = "활동기간의 종료일은 시작일과 같거나 늦어야 합니다."
PERIOD_LOGS_MESSAGE = "이미 입력된 활동일({dates})이 새 활동기간 밖이 됩니다."
ALREADY_MEMBER_MESSAGE = "이미 이 활동에 등록된 봉사자입니다."
NOT_FOUND_MESSAGE = "봉사자를 찾을 수 없습니다. 회원아이디 또는 이름과 연락처를 확인해 주세요."
REMOVE_LINKED_MESSAGE = "1365에 연계되었거나 연계중인 날짜가 있어 삭제할 수 없습니다."
LEAVE_LINKED_MESSAGE = "1365에 연계되었거나 연계중인 날짜가 있어 활동에서 나갈 수 없습니다."
GONE_MESSAGE = "이미 활동에서 빠졌습니다. 화면을 새로 고쳐 주세요."

CSV_MAX_LINES = 2000
CSV_COLUMNS = ("활동일", "회원아이디", "이름", "연락처", "시작시간", "종료시간", "인정시간(분)")
CSV_HEADERS = {  # the header a spreadsheet may use -> the column it means
    "활동일": "date", "날짜": "date", "일자": "date", "봉사일": "date",
    "회원아이디": "username", "아이디": "username", "id": "username",
    "이름": "name", "성명": "name", "봉사자": "name",
    "연락처": "phone", "전화번호": "phone", "휴대폰": "phone", "휴대전화": "phone",
    "시작시간": "start", "시작": "start", "종료시간": "end", "종료": "end",
    "인정시간(분)": "minutes", "인정시간": "minutes", "인정분": "minutes",
}
CSV_ENCODING_MESSAGE = "파일을 읽을 수 없습니다. CSV(UTF-8 또는 엑셀의 CSV) 형식으로 저장해 주세요."
CSV_EMPTY_MESSAGE = "파일에 입력된 줄이 없습니다."
CSV_HEADER_MESSAGE = "첫 줄에 열 이름이 필요합니다. 빠진 열: {missing}"
CSV_TOO_MANY_MESSAGE = f"한 번에 최대 {CSV_MAX_LINES:,}줄까지 올릴 수 있습니다."
CSV_WHO_MESSAGE = "회원아이디 또는 이름과 연락처를 입력해 주세요."
CSV_UNKNOWN_MESSAGE = "이 활동에 등록된 봉사자 중 '{who}'을(를) 찾을 수 없습니다."
CSV_AMBIGUOUS_MESSAGE = "이름과 연락처가 같은 봉사자가 여럿입니다. 회원아이디로 입력해 주세요."


class BatchInvalid(Exception):
    """A batch broke the rules: {row index: [LogError]}; nothing was written."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


class CsvRejected(Exception):
    """The lines asked for cannot be saved (any more): the fresh preview says why; nothing was written."""

    def __init__(self, preview):
        super().__init__(preview)
        self.preview = preview


class NotAllowed(Exception):
    """A change the rules do not allow, with the Korean message to show."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


@dataclass
class LogInput:
    """One daily log as typed: whose (participation id), the log it edits if any, and the texts."""

    participation_id: int | None
    date: object  # 'YYYY-MM-DD' text, or a date already read
    start: str
    end: str
    minutes: str = ""
    log_id: int | None = None


@dataclass
class Checked:
    """A row that could be read: its participation, the entry, the recognised minutes, the edited log."""

    participation: Participation
    entry: Entry
    minutes: int
    log: DailyLog | None = None


# --------------------------------------------------------------------------- reading one row

def parse_minutes(text):
    """'' -> None (computed from the times), '120' -> 120, else LogError for 'minutes'."""
    text = "" if text is None else str(text).strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 4):
        raise LogError("minutes", MINUTES_FORMAT_MESSAGE)
    return int(text)


def parse_row(row):
    """The Entry a row describes, and the format errors that kept it from being read."""
    values, errors = {}, []
    readers = (("date", lambda: row.date if isinstance(row.date, dt.date) else hours.parse_date(row.date, "date")),
               ("start", lambda: hours.parse_clock(row.start, "start")),
               ("end", lambda: hours.parse_clock(row.end, "end")),
               ("minutes", lambda: parse_minutes(row.minutes)))
    for name, read in readers:
        try:
            values[name] = read()
        except LogError as exc:
            errors.append(exc)
    if errors:
        return None, errors
    return Entry(values["date"], values["start"], values["end"], values["minutes"]), []


def locked_message(log):
    """Why a site may not change this log, or None when it may."""
    return LOCKED_MESSAGES.get(log.link_state)


# --------------------------------------------------------------------------- batches

def existing_entries(volunteer_ids, dates, exclude_log_ids=()):
    """The volunteers' logs on those dates across all activities, each with the Place (site and
    activity) it was entered at: {volunteer id: [Entry]}."""
    found = defaultdict(list)
    if not volunteer_ids or not dates:
        return found
    query = (DailyLog.select(DailyLog, Participation.volunteer, Activity.id, Activity.site)
             .join(Participation).join(Activity)
             .where(Participation.volunteer.in_(list(volunteer_ids)), DailyLog.date.in_(list(dates))))
    if exclude_log_ids:
        query = query.where(DailyLog.id.not_in(list(exclude_log_ids)))
    for log in query:
        participation = log.participation
        found[participation.volunteer_id].append(Entry(log.date, log.start, log.end, log.minutes, Place(
            participation.activity.site_id, participation.activity.id)))
    return found


def validate_batch(activity, rows, today):
    """Check rows of one activity: ([Checked or None per row], {row index: [LogError]}).

    Each row is read and checked on its own (hours.check_entry), then every volunteer's rows are
    checked together with their other logs of those dates in any activity (hours.check_day);
    logs being edited count with their new values only.
    """
    errors = defaultdict(list)
    participations = {p.id: p for p in Participation.select().where(
        Participation.activity == activity,
        Participation.id.in_([r.participation_id for r in rows if r.participation_id]))}
    edited_ids = [r.log_id for r in rows if r.log_id]
    logs = {log.id: log for log in DailyLog.select().where(DailyLog.id.in_(edited_ids))} if edited_ids else {}
    checked = []
    for index, row in enumerate(rows):
        checked.append(None)
        participation = participations.get(row.participation_id)
        if participation is None:
            errors[index].append(LogError("volunteer", NOT_A_VOLUNTEER_MESSAGE))
            continue
        log = None
        if row.log_id:
            log = logs.get(row.log_id)
            if log is None or log.participation_id != participation.id:
                errors[index].append(LogError("date", MISSING_LOG_MESSAGE))
                continue
            if locked_message(log):
                errors[index].append(LogError("date", locked_message(log)))
                continue
        entry, problems = parse_row(row)
        if problems:
            errors[index].extend(problems)
            continue
        minutes, problems = hours.check_entry(entry, activity.start_date, activity.end_date, today)
        errors[index].extend(problems)
        checked[index] = Checked(participation, entry, minutes, log)

    by_volunteer = defaultdict(list)
    for index, item in enumerate(checked):
        if item is not None:
            by_volunteer[item.participation.volunteer_id].append(index)
    existing = existing_entries(by_volunteer, {item.entry.date for item in checked if item}, edited_ids)
    for volunteer_id, indexes in by_volunteer.items():
        day_errors = hours.check_day([checked[i].entry for i in indexes], existing[volunteer_id],
                                     here=Place(activity.site_id, activity.id))
        for position, error in day_errors:
            if error not in errors[indexes[position]]:
                errors[indexes[position]].append(error)
    return checked, {index: found for index, found in errors.items() if found}


def _lock_volunteers(participation_ids):
    """Serialise writers per volunteer, so two batches cannot both pass the daily cap."""
    volunteer_ids = [p.volunteer_id for p in Participation.select(Participation.volunteer)
                     .where(Participation.id.in_(list(participation_ids)))]
    if volunteer_ids:
        list(lock_rows(Member.select(Member.id).where(Member.id.in_(volunteer_ids)).order_by(Member.id)))


def _unchanged(item):
    log, entry = item.log, item.entry
    return (log.date, log.start, log.end, log.minutes) == (entry.date, entry.start, entry.end, item.minutes)


def save_batch(activity, rows, actor, today):
    """Validate and write rows of one activity in one transaction, all or none; returns the logs.

    New rows become unsent dates (the volunteer's row shows 연계신청 for them). An edited date that
    failed or was never sent goes back to unsent with no result code; an unchanged one stays as it is.
    Raises BatchInvalid with the errors by row index. (Operators correct any date, even a linked
    one, through support.correct_date.)
    """
    if not rows:
        return []
    with locked_transaction():
        _lock_volunteers({r.participation_id for r in rows if r.participation_id})
        checked, errors = validate_batch(activity, rows, today)
        if errors:
            raise BatchInvalid(errors)
        now = utcnow()
        saved, created, changed = [], 0, 0
        for index, item in enumerate(checked):
            entry = item.entry
            values = {"date": entry.date, "start": entry.start, "end": entry.end, "minutes": item.minutes}
            if item.log is None:
                saved.append(DailyLog.create(participation=item.participation, link_state=UNSENT,
                                             created_at=now, updated_at=now, **values))
                created += 1
                continue
            if _unchanged(item):
                saved.append(item.log)
                continue
            moved = (DailyLog.update(link_state=UNSENT, result_code=None, updated_at=now, **values)
                     .where(DailyLog.id == item.log.id, DailyLog.link_state.in_(EDITABLE)).execute())
            if not moved:  # 연계신청 came in between the check and the write
                state = DailyLog.get_by_id(item.log.id).link_state
                raise BatchInvalid({index: [LogError("date", LOCKED_MESSAGES.get(state, MISSING_LOG_MESSAGE))]})
            saved.append(DailyLog.get_by_id(item.log.id))
            changed += 1
        if created or changed:
            audit.record("dailylog.save", actor=actor, target=activity,
                         detail=f"{created} added, {changed} changed: "
                                + ", ".join(f"{log.id}" for log in saved))
    return saved


def delete_log(log, actor):
    """Delete a date that 1365 neither holds nor is being sent (NotAllowed otherwise)."""
    with locked_transaction():
        current = lock_rows(DailyLog.select().where(DailyLog.id == log.id)).first()
        if current is None:
            raise NotAllowed(MISSING_LOG_MESSAGE)
        if locked_message(current):
            raise NotAllowed(locked_message(current))
        LinkAttempt.delete().where(LinkAttempt.daily_log == current.id).execute()
        DailyLog.delete().where(DailyLog.id == current.id).execute()
        audit.record("dailylog.delete", actor=actor, target=current,
                     detail=f"participation {current.participation_id}, {current.date.isoformat()} "
                            f"{hours.format_clock(current.start)}-{hours.format_clock(current.end)}, "
                            f"{current.link_state}")


# --------------------------------------------------------------------------- what a site manager sees

def site_activities(site_id):
    """The site's activities, newest first, each with .volunteers, .dates and .minutes counted."""
    volunteers = (Participation.select(fn.COUNT(Participation.id))
                  .where(Participation.activity == Activity.id))
    dates = (DailyLog.select(fn.COUNT(DailyLog.id)).join(Participation)
             .where(Participation.activity == Activity.id))
    return list(Activity.select(Activity, volunteers.alias("volunteers"), dates.alias("dates"))
                .where(Activity.site == site_id)
                .order_by(Activity.start_date.desc(), Activity.id.desc()))


def site_activity(site_id, activity_id):
    """The site's own activity with that id, or None (never another site's)."""
    if site_id is None:
        return None
    return Activity.get_or_none(Activity.id == activity_id, Activity.site == site_id)


def site_participation(site_id, participation_id):
    """The site's own participation (with its activity and volunteer), or None."""
    if site_id is None:
        return None
    return (Participation.select(Participation, Activity, Member)
            .join(Activity).switch(Participation).join(Member)
            .where(Participation.id == participation_id, Activity.site == site_id).first())


def site_log(site_id, log_id):
    """The site's own daily log (with participation, activity and volunteer), or None."""
    if site_id is None:
        return None
    return (DailyLog.select(DailyLog, Participation, Activity, Member)
            .join(Participation).join(Activity).switch(Participation).join(Member)
            .where(DailyLog.id == log_id, Activity.site == site_id).first())


def participants(activity):
    """The activity's participations with their volunteers, by name."""
    return list(Participation.select(Participation, Member).join(Member)
                .where(Participation.activity == activity)
                .order_by(Member.name, Member.username))


def activity_logs(activity, day=None):
    """The activity's daily logs (with participation and volunteer), newest date first, by name."""
    query = (DailyLog.select(DailyLog, Participation, Member)
             .join(Participation).join(Member)
             .where(Participation.activity == activity))
    if day is not None:
        query = query.where(DailyLog.date == day)
    return list(query.order_by(DailyLog.date.desc(), Member.name, DailyLog.start))


def day_rows(activity, day):
    """The rows of the one-date form: [(participation, log or None)], existing dates first per person."""
    logs = defaultdict(list)
    for log in activity_logs(activity, day):
        logs[log.participation_id].append(log)
    rows = []
    for participation in participants(activity):
        for log in sorted(logs[participation.id], key=lambda log: log.start):
            rows.append((participation, log))
        if not logs[participation.id]:
            rows.append((participation, None))
    return rows


# --------------------------------------------------------------------------- activities and volunteers

def check_period(activity, start_date, end_date):
    """Korean messages for a period that is backwards or leaves entered dates outside."""
    if end_date < start_date:
        return [PERIOD_ORDER_MESSAGE]
    if activity is None or activity.id is None:
        return []
    outside = list(DailyLog.select(DailyLog.date).join(Participation)
                   .where(Participation.activity == activity,
                          (DailyLog.date < start_date) | (DailyLog.date > end_date))
                   .order_by(DailyLog.date).distinct().limit(3))
    if outside:
        return [PERIOD_LOGS_MESSAGE.format(dates=", ".join(log.date.isoformat() for log in outside))]
    return []


def save_activity(site_id, actor, values, activity=None):
    """Create (activity None) or change an activity of the site; values are its fields."""
    with db.atomic():
        if activity is None:
            activity = Activity.create(site=site_id, **values)
            audit.record("activity.create", actor=actor, target=activity, detail=values["title"])
        else:
            for name, value in values.items():
                setattr(activity, name, value)
            activity.save()
            audit.record("activity.update", actor=actor, target=activity, detail=values["title"])
    return activity


def digits(text):
    """Only the digits of a phone number."""
    return re.sub(r"\D", "", text or "")


def find_volunteers(username="", name="", phone=""):
    """Active volunteers by exact 회원아이디, or by exact name and phone (digits compared)."""
    query = Member.select().where(Member.role == "volunteer", Member.active == True,  # noqa: E712
                                  Member.removed_at.is_null())
    username, name, phone = (username or "").strip(), (name or "").strip(), digits(phone)
    if username:
        return list(query.where(Member.named(username)))
    if name and phone:
        return [m for m in query.where(Member.name == name) if digits(m.phone) == phone]
    return []


def add_volunteer(activity, username, actor):
    """Put the active volunteer with this 회원아이디 into the activity; NotAllowed with one message
    whether nobody has it or its member is not an active volunteer (a site learns nothing of other
    members), or ALREADY_MEMBER_MESSAGE. A site finds volunteers by what it knows of them
    (find_volunteers: 회원아이디, or name and phone), never by a member id."""
    found = find_volunteers(username=username) if (username or "").strip() else []
    if len(found) != 1:
        raise NotAllowed(NOT_FOUND_MESSAGE)
    member = found[0]
    try:
        with db.atomic():
            participation = Participation.create(activity=activity, volunteer=member)
            audit.record("participation.add", actor=actor, target=participation,
                         detail=f"activity {activity.id}, member {member.username}")
    except IntegrityError as exc:  # in already (the unique key decides between two adds at once)
        if unique_columns(exc) >= {"activity_id", "volunteer_id"}:
            raise NotAllowed(ALREADY_MEMBER_MESSAGE) from None
        raise
    return participation


def removable_ids(participations):
    """Of these participations, the ids whose volunteer can leave: nothing of theirs was ever sent to 1365."""
    ids = {p.id for p in participations if not p.legacy_linked}
    if not ids:
        return set()
    sent = {log.participation_id for log in DailyLog.select(DailyLog.participation).distinct()
            .where(DailyLog.participation.in_(list(ids)), DailyLog.link_state != UNSENT)}
    asked = {r.participation_id for r in LinkRequest.select(LinkRequest.participation).distinct()
             .where(LinkRequest.participation.in_(list(ids)))}
    return ids - sent - asked


def removable(participation):
    """Whether a volunteer can leave the activity: nothing of theirs was ever sent to 1365."""
    return participation.id in removable_ids([participation])


def remove_volunteer(participation, actor, action="participation.remove"):
    """Take a volunteer out of the activity with their unsent dates (NotAllowed once anything was sent).

    A site manager removes (action participation.remove); the volunteer leaves (participation.leave)."""
    with locked_transaction():
        lock_rows(Participation.select(Participation.id).where(Participation.id == participation.id)).first()
        if not Participation.select().where(Participation.id == participation.id).exists():
            raise NotAllowed(GONE_MESSAGE)
        if not removable(participation):
            raise NotAllowed(REMOVE_LINKED_MESSAGE)
        deleted = DailyLog.delete().where(DailyLog.participation == participation).execute()
        Participation.delete().where(Participation.id == participation.id).execute()
        audit.record(action, actor=actor, target=participation,
                     detail=f"activity {participation.activity_id}, member {participation.volunteer_id}, "
                            f"{deleted} unsent dates")


# --------------------------------------------------------------------------- CSV

@dataclass
class CsvLine:
    """One line of an uploaded file: its number in the file, the cells, the row, its problems."""

    number: int
    cells: dict
    row: LogInput | None = None
    volunteer: Member | None = None
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


@dataclass
class CsvPreview:
    """A checked file: its lines, or one problem with the whole file."""

    lines: list = field(default_factory=list)
    problem: str = ""

    @property
    def good(self):
        return [line for line in self.lines if line.ok]

    @property
    def bad(self):
        return [line for line in self.lines if not line.ok]


def decode_csv(data):
    """Bytes of a spreadsheet's CSV as text: UTF-8 (with or without BOM), else CP949 (Korean Excel)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise NotAllowed(CSV_ENCODING_MESSAGE)


_CLOCK_CELL = re.compile(r"(오전|오후|AM|PM)?\s*([0-9]{1,2}):([0-9]{2})(?::00)?\s*(AM|PM)?", re.IGNORECASE)
_DATE_CELL = re.compile(r"([0-9]{4})[./-]\s*([0-9]{1,2})[./-]\s*([0-9]{1,2})\.?(?:\s+0{1,2}:00(?::00)?)?")


def _clock_cell(text):
    """How Excel writes a time ('9:00', '09:00:00', '오후 1:30:00') as 'HH:MM'; other text as it is."""
    text = (text or "").strip()
    match = _CLOCK_CELL.fullmatch(text)
    if not match:
        return text
    half = (match.group(1) or match.group(4) or "").upper()
    hour, minute = int(match.group(2)), match.group(3)
    if half and not 1 <= hour <= 12:
        return text
    if half in ("오후", "PM") and hour != 12:
        hour += 12
    elif half in ("오전", "AM") and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute}"


def _date_cell(text):
    """How Excel writes a date ('2026/11/21', '2026.11.21', '2026-11-21 0:00') as 'YYYY-MM-DD'."""
    text = (text or "").strip()
    match = _DATE_CELL.fullmatch(text)
    if not match:
        return text
    return f"{match.group(1)}-{int(match.group(2)):02d}-{int(match.group(3)):02d}"


def _header_key(cell):
    return CSV_HEADERS.get(re.sub(r"\s+", "", cell or "").lower())


def read_csv(text):
    """The lines of a CSV text as ({column: cell}, line number) pairs; NotAllowed for the whole file."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise NotAllowed(CSV_EMPTY_MESSAGE)
        columns = [_header_key(cell) for cell in header]
        missing = [name for name, key in (("활동일", "date"), ("시작시간", "start"), ("종료시간", "end"))
                   if key not in columns]
        if "username" not in columns and not {"name", "phone"} <= set(columns):
            missing.append("회원아이디(또는 이름과 연락처)")
        if missing:
            raise NotAllowed(CSV_HEADER_MESSAGE.format(missing=", ".join(missing)))
        lines, last = [], reader.line_num
        for cells in reader:
            number, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(lines) >= CSV_MAX_LINES:
                raise NotAllowed(CSV_TOO_MANY_MESSAGE)
            row = {}
            for key, cell in zip(columns, cells):
                if key and key not in row:
                    row[key] = cell.strip()
            lines.append((row, number))
    except csv.Error:
        raise NotAllowed(CSV_ENCODING_MESSAGE) from None
    return lines


def _resolve(cells, by_username, by_name_phone):
    """The participation a line means, or the LogError why none."""
    username = cells.get("username", "")
    if username:
        found = by_username.get(usernames.key(username))
        if found is None:
            raise LogError("volunteer", CSV_UNKNOWN_MESSAGE.format(who=username))
        return found
    name, phone = cells.get("name", ""), digits(cells.get("phone", ""))
    if not name or not phone:
        raise LogError("volunteer", CSV_WHO_MESSAGE)
    found = by_name_phone.get((name, phone), [])
    if not found:
        raise LogError("volunteer", CSV_UNKNOWN_MESSAGE.format(who=name))
    if len(found) > 1:
        raise LogError("volunteer", CSV_AMBIGUOUS_MESSAGE)
    return found[0]


def preview_csv(activity, data, today):
    """Read and check a file of daily logs for the activity without saving anything."""
    try:
        raw_lines = read_csv(decode_csv(data))
    except NotAllowed as exc:
        return CsvPreview(problem=exc.message)
    people = participants(activity)
    by_username = {p.volunteer.username_key: p for p in people}
    by_name_phone = defaultdict(list)
    for p in people:
        by_name_phone[(p.volunteer.name, digits(p.volunteer.phone))].append(p)
    lines = []
    for cells, number in raw_lines:
        line = CsvLine(number, cells)
        refused = inputs.problems(cells)
        if refused:  # the line is shown without the cells that hold them
            line.cells = {key: "" if key in refused else cell for key, cell in cells.items()}
            line.errors.append(LogError(next(iter(refused)), inputs.CONTROL_MESSAGE))
            lines.append(line)
            continue
        try:
            participation = _resolve(cells, by_username, by_name_phone)
        except LogError as exc:
            line.errors.append(exc)
        else:
            line.volunteer = participation.volunteer
            line.row = LogInput(participation.id, _date_cell(cells.get("date")), _clock_cell(cells.get("start")),
                                _clock_cell(cells.get("end")), cells.get("minutes", ""))
        lines.append(line)
    readable = [line for line in lines if line.row is not None]
    _, errors = validate_batch(activity, [line.row for line in readable], today)
    for index, found in errors.items():
        readable[index].errors.extend(found)
    return CsvPreview(lines=lines)


def import_csv(activity, data, actor, today, only_lines=None):
    """Save a file's lines in one transaction: all of them, or exactly only_lines (line numbers).

    The file is checked again first; when the lines to save are not all good (any more), nothing is
    saved and CsvRejected carries the fresh preview.
    """
    preview = preview_csv(activity, data, today)
    if preview.problem:
        raise NotAllowed(preview.problem)
    numbers = None if only_lines is None else set(only_lines)
    wanted = [line for line in preview.lines if numbers is None or line.number in numbers]
    if not wanted or not all(line.ok for line in wanted) or (
            numbers is not None and {line.number for line in wanted} != numbers):
        raise CsvRejected(preview)
    try:
        return save_batch(activity, [line.row for line in wanted], actor, today)
    except BatchInvalid:
        raise CsvRejected(preview_csv(activity, data, today)) from None


def _cell(value):
    """A cell safe to open in a spreadsheet (no formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def template_csv():
    """The empty import template, as UTF-8 with BOM so that Korean Excel opens it right."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(CSV_COLUMNS)
    return "\ufeff" + out.getvalue()


def export_csv(activity):
    """The activity's daily logs as CSV (UTF-8 with BOM), by date; importable again."""
    labels = {UNSENT: "미연계", PENDING: "연계중", SUCCEEDED: "연계성공", FAILED: "연계실패"}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("활동일", "회원아이디", "이름", "시작시간", "종료시간", "인정시간(분)", "1365연계", "결과코드"))
    for log in sorted(activity_logs(activity), key=lambda log: (log.date, log.participation.volunteer.name,
                                                                 log.start)):
        volunteer = log.participation.volunteer
        writer.writerow([_cell(v) for v in (
            log.date.isoformat(), volunteer.username, volunteer.name, hours.format_clock(log.start),
            hours.format_clock(log.end), log.minutes,
            "기간 전체 연계" if log.link_state == UNSENT and log.participation.legacy_linked else labels[log.link_state],
            "" if log.result_code is None else log.result_code)])
    return "\ufeff" + out.getvalue()
