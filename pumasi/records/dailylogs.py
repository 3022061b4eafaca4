"""Daily logs as a site enters them: a batch is validated against the rules of `hours` (each log on
its own, then each volunteer's day across every activity) and written in one transaction, whole or
not at all. Dates that 1365 holds or is being sent are the site's to read only; an operator corrects
them (pumasi.ops.helpdesk.correct_date)."""
import contextlib
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from ..clock import utcnow
from ..db import lock_rows, locked_transaction
from ..linkage import version
from ..linkage.state import DateState, date_label
from ..models import Activity, DailyLog, LinkAttempt, Member, Participation
from ..ops import audit
from . import entry_requests, hours, revocation
from .activities import participants
from .errors import BatchInvalid, NotAllowed
from .hours import Entry, LogError, Place

LOCKED_MESSAGES = {
    DateState.PENDING: "1365 연계중인 날짜는 수정하거나 삭제할 수 없습니다.",
    DateState.SUCCEEDED: "1365 연계가 완료된 날짜는 수정하거나 삭제할 수 없습니다. 정정이 필요하면 기술지원으로 문의해 주세요.",
}
NOT_A_VOLUNTEER_MESSAGE = "이 활동에 등록된 봉사자가 아닙니다."
MISSING_LOG_MESSAGE = "수정할 활동일을 찾을 수 없습니다. 화면을 새로 고쳐 주세요."
MINUTES_FORMAT_MESSAGE = "인정시간은 분 단위 숫자로 입력해 주세요. (예: 120)"


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


def _check_row(row, activity, participations, logs, today):
    """(Checked or None, [LogError]) of one row on its own."""
    participation = participations.get(row.participation_id)
    if participation is None:
        return None, [LogError("volunteer", NOT_A_VOLUNTEER_MESSAGE)]
    log = None
    if row.log_id:
        log = logs.get(row.log_id)
        if log is None or log.participation_id != participation.id:
            return None, [LogError("date", MISSING_LOG_MESSAGE)]
        if locked_message(log):
            return None, [LogError("date", locked_message(log))]
    entry, problems = parse_row(row)
    if problems:
        return None, problems
    minutes, problems = hours.check_entry(entry, activity.start_date, activity.end_date, today)
    return Checked(participation, entry, minutes, log), problems


def _check_days(activity, checked, edited_ids, errors, names=None):
    """Each volunteer's rows together, with their other logs of those dates in any activity."""
    by_volunteer = defaultdict(list)
    for index, item in enumerate(checked):
        if item is not None:
            by_volunteer[item.participation.volunteer_id].append(index)
    existing = existing_entries(by_volunteer, {item.entry.date for item in checked if item}, edited_ids)
    for volunteer_id, indexes in by_volunteer.items():
        day_errors = hours.check_day([checked[i].entry for i in indexes], existing[volunteer_id],
                                     here=Place(activity.site_id, activity.id),
                                     names=None if names is None else [names[i] for i in indexes])
        for position, error in day_errors:
            if error not in errors[indexes[position]]:
                errors[indexes[position]].append(error)


def validate_batch(activity, rows, today, names=None):
    """Check rows of one activity: ([Checked or None per row], {row index: [LogError]}).
    names: how each row is called to the user ('3번째 줄'), for the messages that point at another row.

    Each row is read and checked on its own (hours.check_entry), then every volunteer's rows are
    checked together with their other logs of those dates in any activity (hours.check_day);
    logs being edited count with their new values only.
    """
    participations = {p.id: p for p in Participation.select().where(
        Participation.activity == activity,
        Participation.id.in_([r.participation_id for r in rows if r.participation_id]))}
    edited_ids = [r.log_id for r in rows if r.log_id]
    logs = {log.id: log for log in DailyLog.select().where(DailyLog.id.in_(edited_ids))} if edited_ids else {}
    errors, checked = defaultdict(list), []
    for index, row in enumerate(rows):
        item, problems = _check_row(row, activity, participations, logs, today)
        checked.append(item)
        errors[index].extend(problems)
    _check_days(activity, checked, edited_ids, errors, names)
    return checked, {index: found for index, found in errors.items() if found}


@contextlib.contextmanager
def writing(rows):
    """The transaction a batch is checked and written in: writers serialised per volunteer, so two
    batches cannot both pass the daily cap."""
    with locked_transaction():
        participation_ids = {r.participation_id for r in rows if r.participation_id}
        volunteer_ids = [p.volunteer_id for p in Participation.select(Participation.volunteer)
                         .where(Participation.id.in_(list(participation_ids)))]
        if volunteer_ids:
            list(lock_rows(Member.select(Member.id).where(Member.id.in_(volunteer_ids)).order_by(Member.id)))
        yield


def _unchanged(item):
    log, entry = item.log, item.entry
    return (log.date, log.start, log.end, log.minutes) == (entry.date, entry.start, entry.end, item.minutes)


def _write(item, now):
    """Write one checked row: (the log, 'added', 'changed' or None); BatchInvalid's message when
    연계신청 came in between the check and the write."""
    entry = item.entry
    values = {"date": entry.date, "start": entry.start, "end": entry.end, "minutes": item.minutes}
    if item.log is None:
        return DailyLog.create(participation=item.participation, link_state=DateState.UNSENT,
                               created_at=now, updated_at=now, **values), "added"
    if _unchanged(item):
        return item.log, None
    moved = (DailyLog.update(link_state=DateState.UNSENT, result_code=None, updated_at=now, **values)
             .where(DailyLog.id == item.log.id, DailyLog.link_state.in_(DateState.EDITABLE)).execute())
    if not moved:
        state = DailyLog.get_by_id(item.log.id).link_state
        raise LogError("date", LOCKED_MESSAGES.get(state, MISSING_LOG_MESSAGE))
    revocation.supersede_holding([item.log.id], revocation.EDITED)
    return DailyLog.get_by_id(item.log.id), "changed"


def write_checked(activity, checked, actor):
    """Write checked rows (inside `writing`): new ones become unsent dates (the volunteer's row shows
    연계신청 for them); an edited date goes back to unsent with no result code, an unchanged one stays
    as it is. Returns the logs; BatchInvalid by index when one became locked meanwhile."""
    now, saved, done = utcnow(), [], {"added": 0, "changed": 0}
    for index, item in enumerate(checked):
        try:
            log, what = _write(item, now)
        except LogError as exc:
            raise BatchInvalid({index: [exc]}) from None
        saved.append(log)
        if what:
            done[what] += 1
    if done["added"]:  # a date entered: the volunteers' 입력 요청 for these participations are met
        entry_requests.close_for([log.participation_id for log in saved], now)
    if done["added"] or done["changed"]:
        version.bump_participations({log.participation_id for log in saved})
        audit.record("dailylog.save", actor=actor, target=activity,
                     detail=f"추가 {done['added']}건, 수정 {done['changed']}건: " + ", ".join(f"#{log.id}" for log in saved))
    return saved


def save_batch(activity, rows, actor, today):
    """Validate and write rows of one activity in one transaction, all or none; returns the logs.
    Raises BatchInvalid with the errors by row index."""
    if not rows:
        return []
    with writing(rows):
        checked, errors = validate_batch(activity, rows, today)
        if errors:
            raise BatchInvalid(errors)
        return write_checked(activity, checked, actor)


def delete_log(log, actor):
    """Delete a date that 1365 neither holds nor is being sent (NotAllowed otherwise)."""
    with locked_transaction():
        current = lock_rows(DailyLog.select().where(DailyLog.id == log.id)).first()
        if current is None:
            raise NotAllowed(MISSING_LOG_MESSAGE)
        if locked_message(current):
            raise NotAllowed(locked_message(current))
        version.bump_logs([current.id])  # while it still leads to its volunteer
        revocation.supersede_holding([current.id], revocation.DELETED)
        LinkAttempt.delete().where(LinkAttempt.daily_log == current.id).execute()
        DailyLog.delete().where(DailyLog.id == current.id).execute()
        audit.record("dailylog.delete", actor=actor, target=current,
                     detail=f"참여 #{current.participation_id}, {current.date.isoformat()} "
                            f"{hours.format_clock(current.start)}-{hours.format_end(current.end)}, "
                            f"{date_label(current.link_state)}")


def site_log(site_id, log_id):
    """The site's own daily log (with participation, activity and volunteer), or None."""
    if site_id is None:
        return None
    return (DailyLog.select(DailyLog, Participation, Activity, Member)
            .join(Participation).join(Activity).switch(Participation).join(Member)
            .where(DailyLog.id == log_id, Activity.site == site_id).first())


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
