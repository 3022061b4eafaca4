"""Daily-log (상세봉사내역) rules and the way hours, periods and clock times are shown."""
import datetime as dt
import re
from dataclasses import dataclass

DAILY_CAP_MINUTES = 480

DATE_MESSAGE = '날짜 형식이 올바르지 않습니다. (예: 2021-08-09)'
CLOCK_MESSAGE = '시간 형식이 올바르지 않습니다. (예: 09:30)'
ORDER_MESSAGE = '종료시간은 시작시간보다 늦어야 합니다.'
MINUTES_MESSAGE = '인정시간은 0보다 크고 활동시간(종료-시작) 이하여야 합니다.'
PERIOD_MESSAGE = '활동일이 활동기간({period}) 밖입니다.'
FUTURE_MESSAGE = '미래 날짜는 입력할 수 없습니다.'
ENTRY_CAP_MESSAGE = '하루 인정시간은 최대 8시간입니다.'
OVERLAP_MESSAGE = '같은 날 다른 활동 시간과 겹칩니다. ({start}~{end})'
DAY_CAP_MESSAGE = '하루 인정시간 8시간을 넘습니다. (현재 합계 {total})'

_MAX_INPUT = 20
_DATE = re.compile(r'([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{4})([0-9]{2})([0-9]{2})')
_CLOCK = re.compile(r'([0-9]{1,2}):([0-9]{2})|([0-9]{2})([0-9]{2})')


class LogError(Exception):
    """A Korean message for the form and the field ('date', 'start', 'end', 'minutes') it belongs to."""

    def __init__(self, field, message):
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self):
        return self.message

    def __repr__(self):
        return f'LogError({self.field!r}, {self.message!r})'

    def __eq__(self, other):
        if not isinstance(other, LogError):
            return NotImplemented
        return (self.field, self.message) == (other.field, other.message)

    def __hash__(self):
        return hash((self.field, self.message))


@dataclass(frozen=True)
class Entry:
    """One daily log: a date, a start and end on that date, and the minutes the site recognises if fewer."""

    date: dt.date
    start: dt.time
    end: dt.time
    minutes: int | None = None


def format_minutes(m):
    """720 -> '12시간', 390 -> '6시간 30분', 30 -> '30분', 0 -> '0시간'."""
    if m < 0:
        raise ValueError('minutes must not be negative')
    hours, rest = divmod(m, 60)
    if not rest:
        return f'{hours}시간'
    if not hours:
        return f'{rest}분'
    return f'{hours}시간 {rest}분'


def format_period(start, end):
    """An activity period as the portal shows it: '20210804~ 20210930'."""
    return f'{start:%Y%m%d}~ {end:%Y%m%d}'


def format_clock(t):
    """A clock time as '10:00'."""
    return f'{t:%H:%M}'


def _matched(pattern, text):
    if not isinstance(text, str) or len(text) > _MAX_INPUT:
        return None
    match = pattern.fullmatch(text.strip())
    return match and [int(group) for group in match.groups() if group is not None]


def parse_date(text, field='date'):
    """Read 'YYYY-MM-DD' or 'YYYYMMDD', or raise LogError for the field."""
    parts = _matched(_DATE, text)
    try:
        return dt.date(*parts)
    except (TypeError, ValueError):
        raise LogError(field, DATE_MESSAGE) from None


def parse_clock(text, field='start'):
    """Read 'HH:MM', 'H:MM' or 'HHMM', or raise LogError for the field."""
    parts = _matched(_CLOCK, text)
    try:
        return dt.time(*parts)
    except (TypeError, ValueError):
        raise LogError(field, CLOCK_MESSAGE) from None


def _span(entry):
    return (entry.end.hour * 60 + entry.end.minute) - (entry.start.hour * 60 + entry.start.minute)


def _given_minutes_ok(entry, span):
    m = entry.minutes
    return m is None or (isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= span)


def recognised_minutes(entry):
    """end - start in whole minutes, or the site's given minutes if fewer; never negative."""
    span = max(_span(entry), 0)
    if entry.minutes is None or not _given_minutes_ok(entry, span):
        return span
    return entry.minutes


def check_entry(entry, period_start, period_end, today):
    """Return the recognised minutes of one log and every rule it breaks on its own."""
    errors = []
    if not period_start <= entry.date <= period_end:
        errors.append(LogError('date', PERIOD_MESSAGE.format(period=format_period(period_start, period_end))))
    if entry.date > today:
        errors.append(LogError('date', FUTURE_MESSAGE))
    span = _span(entry)
    if span <= 0:
        errors.append(LogError('end', ORDER_MESSAGE))
    elif not _given_minutes_ok(entry, span):
        errors.append(LogError('minutes', MINUTES_MESSAGE))
    minutes = recognised_minutes(entry)
    if minutes > DAILY_CAP_MINUTES:
        errors.append(LogError('minutes', ENTRY_CAP_MESSAGE))
    return minutes, errors


def _overlaps(a, b):
    return a.date == b.date and a.start < b.end and b.start < a.end


def check_day(entries, existing):
    """Overlap and daily-cap errors, by index into entries, against each other and the volunteer's existing logs."""
    errors = []
    for index, entry in enumerate(entries):
        if _span(entry) <= 0:
            continue
        others = [other for i, other in enumerate(entries) if i != index] + list(existing)
        clashes = sorted((other for other in others if _span(other) > 0 and _overlaps(entry, other)),
                         key=lambda other: (other.start, other.end))
        if clashes:
            first = clashes[0]
            errors.append((index, LogError('start', OVERLAP_MESSAGE.format(
                start=format_clock(first.start), end=format_clock(first.end)))))
    for index, entry in enumerate(entries):
        total = sum(recognised_minutes(log) for log in [*entries, *existing] if log.date == entry.date)
        if total > DAILY_CAP_MINUTES:
            errors.append((index, LogError('minutes', DAY_CAP_MESSAGE.format(total=format_minutes(total)))))
    return sorted(errors, key=lambda pair: pair[0])
