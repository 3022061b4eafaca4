"""일별 입력, the one-date form: one row per volunteer of the activity (their dates of that day, or a
new one), the times as typed, common times filled down into the chosen rows, and the rows that make
the batch to save (pumasi.records.dailylogs.save_batch)."""
from dataclasses import dataclass, field

from ..identity.rrn import mask_in_text
from . import hours
from .dailylogs import LogInput, day_rows, locked_message

FIELD_LENGTH = 20  # characters kept of a typed time or number


@dataclass
class DayRow:
    """One line of the one-date form: a volunteer and a new or existing log, as typed."""

    key: str
    participation: object
    log: object = None
    start: str = ""
    end: str = ""
    minutes: str = ""
    picked: bool = False
    errors: list = field(default_factory=list)

    @property
    def locked(self):
        return self.log is not None and locked_message(self.log) is not None

    def errors_for(self, *names):
        return [e.message for e in self.errors if e.field in names]

    @property
    def computed(self):
        """end - start in minutes, for the placeholder of 인정시간 (or '')."""
        try:
            start, end = hours.parse_clock(self.start), hours.parse_clock(self.end, "end")
        except hours.LogError:
            return ""
        span = hours.recognised_minutes(hours.Entry(None, start, end))
        return str(span) if span else ""

    @property
    def edited(self):
        """Whether an existing log's times were changed on the form."""
        log = self.log
        return log is not None and (self.start, self.end, self.minutes) != (
            hours.format_clock(log.start), hours.format_clock(log.end), minutes_text(log))


def minutes_text(log):
    """인정시간 as a form shows it: blank when it is the whole span (so new times recompute it)."""
    span = hours.recognised_minutes(hours.Entry(log.date, log.start, log.end))
    return "" if log.minutes == span else str(log.minutes)


def as_typed(text):
    """A time or number box's text as the form shows it again: trimmed and cut, an RRN pasted by
    mistake masked (no time or number, it is refused by the box's own message, never shown back)."""
    return mask_in_text((text or "").strip())[:FIELD_LENGTH]


def rows(activity, day, typed=None, picks=()):
    """The form's rows for the day: each volunteer's logs of it (or a new row), with what was typed
    (typed: {"start-<key>": text, …}) over the saved times of rows that are not locked."""
    found = []
    for participation, log in day_rows(activity, day):
        if log is None:
            row = DayRow(f"n{participation.id}", participation)
        else:
            row = DayRow(f"e{log.id}", participation, log, hours.format_clock(log.start),
                         hours.format_clock(log.end), minutes_text(log))
        if typed is not None and not row.locked and f"start-{row.key}" in typed:
            row.start, row.end, row.minutes = (as_typed(typed.get(f"{name}-{row.key}"))
                                               for name in ("start", "end", "minutes"))
        row.picked = row.key in picks
        found.append(row)
    return found


def fill(found, common):
    """Common times into the chosen rows (none chosen: every new row whose times are still empty);
    each can be adjusted after."""
    targets = ([r for r in found if r.picked and not r.locked]
               or [r for r in found if r.log is None and not (r.start or r.end)])
    for row in targets:
        row.start, row.end, row.minutes, row.picked = common[0], common[1], "", True


def batch(found, day, common):
    """The rows to save, as ([LogInput], [the DayRow of each]): new rows with times (a chosen one left
    empty takes the common times) and existing ones whose times changed; locked ones never."""
    inputs, sources = [], []
    for row in found:
        if row.locked or (row.log is not None and not row.edited):
            continue
        if row.log is None:
            if row.picked and not (row.start or row.end):
                row.start, row.end = common
            if not (row.start or row.end or row.minutes):
                continue
        inputs.append(LogInput(row.participation.id, day, row.start, row.end, row.minutes,
                               row.log.id if row.log else None))
        sources.append(row)
    return inputs, sources


def day_problem(activity, day, today):
    """Why no log can be entered on that date (outside the period, or in the future), or None."""
    if not activity.start_date <= day <= activity.end_date:
        return hours.PERIOD_MESSAGE.format(period=hours.format_period(activity.start_date, activity.end_date))
    if day > today:
        return hours.FUTURE_MESSAGE
    return None


def default_day(activity, today):
    """The date the form opens on: today, within the activity's period."""
    return max(min(today, activity.end_date), activity.start_date)
