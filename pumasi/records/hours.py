"""Daily-log (상세봉사내역) rules and the way hours, periods and clock times are shown."""
import datetime as dt
import re
from dataclasses import dataclass

from .. import korean

DAILY_CAP_MINUTES = 480

DATE_MESSAGE = '날짜 형식이 올바르지 않습니다. (예: 2021-08-09)'
YEARLESS_MESSAGE = ('연도가 없는 날짜입니다. 연도까지 적어 주세요. (예: 2021-08-09) '
                    '엑셀의 날짜 칸이라면 엑셀 통합 문서(.xlsx)로 올리면 그대로 읽습니다.')
CLOCK_MESSAGE = '{name} 형식이 올바르지 않습니다. (예: 09:30)'
CLOCK_NAMES = {'start': '시작시간', 'end': '종료시간'}
ORDER_MESSAGE = '종료시간은 시작시간보다 늦어야 합니다.'
OVERNIGHT_MESSAGE = ('종료시간은 시작시간보다 늦어야 합니다. 자정을 넘긴 활동은 날짜를 나누어 입력해 주세요. '
                     '(예: 22:00~24:00, 다음 날 00:00~02:00)')
MINUTES_MESSAGE = '인정시간은 0보다 크고 활동시간(종료-시작) 이하여야 합니다.'
PERIOD_MESSAGE = '활동일이 활동기간({period}) 밖입니다.'
FUTURE_MESSAGE = '미래 날짜는 입력할 수 없습니다.'
ENTRY_CAP_MESSAGE = '하루 인정시간은 최대 8시간입니다.'
DAY_CAP_MESSAGE = '하루 인정시간 8시간을 넘습니다. (현재 합계 {total})'
# An entry against the others entered with it (lines of one file, rows of one form): named when the
# caller names them ('3번째 줄'), else as "함께 입력한".
DUPLICATE_MESSAGE = '{name}과(와) 같은 내용입니다. (중복)'
DUPLICATE_UNNAMED_MESSAGE = '함께 입력한 다른 줄과 같은 내용입니다. (중복)'
BATCH_OVERLAP_MESSAGE = '{name}의 시간과 겹칩니다. ({start}~{end})'
BATCH_OVERLAP_UNNAMED_MESSAGE = '함께 입력한 다른 줄의 시간과 겹칩니다. ({start}~{end})'
# Against logs already saved. An operator sees them all; a site only its own times: another site's
# times and names are not its to know.
OVERLAP_MESSAGE = '같은 날 이미 입력된 시간과 겹칩니다. ({start}~{end})'
ALREADY_MESSAGE = '이 활동에 이미 입력된 날짜와 시간입니다. ({start}~{end})'
SAME_ACTIVITY_MESSAGE = '같은 날 이 활동에 이미 입력된 시간과 겹칩니다. ({start}~{end})'
SAME_SITE_MESSAGE = '같은 날 이 활동처의 다른 활동 시간과 겹칩니다. ({start}~{end})'
ELSEWHERE_MESSAGE = '이 봉사자는 같은 시간에 다른 활동처의 활동이 있습니다.'
DAY_CAP_ELSEWHERE_MESSAGE = '다른 활동처의 활동을 포함하면 하루 인정시간 8시간을 넘습니다. (이 활동처 합계 {total})'

_MAX_INPUT = 20
_DATE = re.compile(r'([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{4})([0-9]{2})([0-9]{2})')
# A month and day alone, as a CSV keeps an Excel date cell shown as '3월 5일' or '3/5'.
_YEARLESS = re.compile(r'[0-9]{1,2}\s*월\s*[0-9]{1,2}\s*일|[0-9]{1,2}[./-][0-9]{1,2}\.?')
_CLOCK = re.compile(r'([0-9]{1,2}):([0-9]{2})|([0-9]{2})([0-9]{2})')
# A log may end at midnight, the end of its date: typed as 24:00 (or 00:00, as a time box holds it),
# kept as 00:00 and counted as minute 1440 of the date.
MIDNIGHT = dt.time(0)
DAY_MINUTES = 24 * 60


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
class Place:
    """Where a daily log was entered: its site and activity (ids, or anything comparable)."""

    site: object
    activity: object


@dataclass(frozen=True)
class Entry:
    """One daily log: a date, a start and end on that date, the minutes the site recognises if fewer,
    and where it was entered (None for one being entered now)."""

    date: dt.date
    start: dt.time
    end: dt.time
    minutes: int | None = None
    place: Place | None = None


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


def format_end(t):
    """A log's end as '16:00', and midnight, the end of its date, as '24:00'."""
    return '24:00' if t == MIDNIGHT else format_clock(t)


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
        yearless = _matched(_YEARLESS, text) is not None
        raise LogError(field, YEARLESS_MESSAGE if yearless else DATE_MESSAGE) from None


def parse_clock(text, field='start'):
    """Read 'HH:MM', 'H:MM' or 'HHMM', or raise LogError for the field; an end may be '24:00'
    (midnight, read as 00:00)."""
    parts = _matched(_CLOCK, text)
    if field == 'end' and parts == [24, 0]:
        return MIDNIGHT
    try:
        return dt.time(*parts)
    except (TypeError, ValueError):
        raise LogError(field, CLOCK_MESSAGE.format(name=CLOCK_NAMES.get(field, '시간'))) from None


def _minute(t):
    return t.hour * 60 + t.minute


def _end_minute(entry):
    """The end as minutes into the date: a log that starts after midnight and ends at 00:00 ends at 1440."""
    if entry.end == MIDNIGHT and entry.start != MIDNIGHT:
        return DAY_MINUTES
    return _minute(entry.end)


def _span(entry):
    return _end_minute(entry) - _minute(entry.start)


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
        errors.append(LogError('end', ORDER_MESSAGE if span == 0 else OVERNIGHT_MESSAGE))
    elif not _given_minutes_ok(entry, span):
        errors.append(LogError('minutes', MINUTES_MESSAGE))
    minutes = recognised_minutes(entry)
    if minutes > DAILY_CAP_MINUTES:
        errors.append(LogError('minutes', ENTRY_CAP_MESSAGE))
    return minutes, errors


def _overlaps(a, b):
    return a.date == b.date and _minute(a.start) < _end_minute(b) and _minute(b.start) < _end_minute(a)


def _times(entry):
    return {'start': format_clock(entry.start), 'end': format_end(entry.end)}


def _saved_overlap_error(clashes, entry, here):
    """The error for an entry that overlaps saved logs (sorted by time), as the one entering it may
    see it: here None is an operator, who sees every log's times; else the Place being entered, and
    a saved log's times are shown only when it is of the same site (and whether of this activity)."""
    if here is None:
        return LogError('start', OVERLAP_MESSAGE.format(**_times(clashes[0])))
    for other in clashes:
        place = other.place or here
        if place.site != here.site:
            continue
        if place.activity != here.activity:
            return LogError('start', SAME_SITE_MESSAGE.format(**_times(other)))
        same = (other.start, other.end) == (entry.start, entry.end)
        return LogError('start', (ALREADY_MESSAGE if same else SAME_ACTIVITY_MESSAGE).format(**_times(other)))
    return LogError('start', ELSEWHERE_MESSAGE)


def _batch_error(template, unnamed, names, index, **values):
    if names is None:
        return LogError('start', unnamed.format(**values))
    return LogError('start', korean.particles(template.format(name=names[index], **values)))


def _cap_error(logs, here):
    """The daily-cap error for the logs of one date, or None; a site is told only its own minutes."""
    total = sum(recognised_minutes(log) for log in logs)
    if total <= DAILY_CAP_MINUTES:
        return None
    if here is not None:
        own = sum(recognised_minutes(log) for log in logs if (log.place or here).site == here.site)
        if own != total:
            return LogError('minutes', DAY_CAP_ELSEWHERE_MESSAGE.format(total=format_minutes(own)))
    return LogError('minutes', DAY_CAP_MESSAGE.format(total=format_minutes(total)))


def _duplicates(entries):
    """{index: index of the first entry it repeats} for entries equal to an earlier one."""
    first, found = {}, {}
    for index, entry in enumerate(entries):
        key = (entry.date, entry.start, entry.end, entry.minutes)
        if key in first:
            found[index] = first[key]
        else:
            first[key] = index
    return found


def _overlap(index, entry, entries, existing, here, names):
    """The overlap error of one entry against saved logs first, then the others entered with it."""
    def clashing(others):
        return sorted((other for other in others if _span(other) > 0 and _overlaps(entry, other)),
                      key=lambda other: (other.start, _end_minute(other)))
    saved = clashing(existing)
    if saved:
        return _saved_overlap_error(saved, entry, here)
    for other_index, other in sorted(entries.items(), key=lambda pair: (pair[1].start, _end_minute(pair[1]))):
        if other_index != index and clashing([other]):
            return _batch_error(BATCH_OVERLAP_MESSAGE, BATCH_OVERLAP_UNNAMED_MESSAGE, names, other_index,
                                **_times(other))
    return None


def check_day(entries, existing, here=None, names=None):
    """Duplicate, overlap and daily-cap errors, by index into entries, against each other and the
    volunteer's existing logs. An entry equal to an earlier one is only called its duplicate (and
    counts nowhere else). here is the Place the entries are being entered at (messages then show only
    what that site may know of the other logs); None for an operator. names: how the entries are
    called to the user ('3번째 줄'), by index."""
    errors = []
    repeats = _duplicates(entries)
    for index, first in repeats.items():
        errors.append((index, _batch_error(DUPLICATE_MESSAGE, DUPLICATE_UNNAMED_MESSAGE, names, first)))
    kept = {index: entry for index, entry in enumerate(entries) if index not in repeats}
    for index, entry in kept.items():
        if _span(entry) <= 0:
            continue
        error = _overlap(index, entry, kept, existing, here, names)
        if error:
            errors.append((index, error))
    for index, entry in kept.items():
        if recognised_minutes(entry) > DAILY_CAP_MINUTES:
            continue  # over 8 hours alone: check_entry says so, the day's total would say it again
        error = _cap_error([log for log in [*kept.values(), *existing] if log.date == entry.date], here)
        if error:
            errors.append((index, error))
    return sorted(errors, key=lambda pair: pair[0])
