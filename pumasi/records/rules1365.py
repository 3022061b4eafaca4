"""Rules of 1365 checked before sending, as warnings a site sees when it enters a date and an
operator sees before linkage (not refusals: the records are true, 1365's centres decide). Dates older
than RULES_OLD_MONTHS, many centres accept records only within 3 months; minutes that are not whole
hours, 1365 keeps minutes but NEIS credits whole hours. (More than 8 hours a day across sites is
refused already: records.hours.check_day.)"""
from dataclasses import dataclass
from datetime import date

from ..models import Member, Participation

OLD_MESSAGE = ("{months}개월보다 오래된 활동일입니다. {months}개월이 지난 실적은 받지 않는 센터가 많으니 "
               "1365(자원봉사센터)에 먼저 확인해 주세요.")
PARTIAL_MESSAGE = ("인정시간 {hours}시간 {minutes}분: 1365에는 분까지 기록되지만 학교(NEIS) 봉사시간은 "
                   "시간 단위로만 인정됩니다.")


@dataclass(frozen=True)
class Warning:
    """One rule a date meets: the date, whose it is, and what to know."""

    date: date
    name: str
    message: str


def months_before(day, months):
    """The same day of the month `months` months before (the month's last day when it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def date_warnings(log_date, minutes, today, months):
    """What to know about one date before it goes to 1365: [message]."""
    found = []
    if months and log_date < months_before(today, months):
        found.append(OLD_MESSAGE.format(months=months))
    if minutes % 60:
        found.append(PARTIAL_MESSAGE.format(hours=minutes // 60, minutes=minutes % 60))
    return found


def warnings(logs, today, months):
    """Warnings for daily logs, by date and name: the volunteers' names read in one query for the
    dates that have any (a saved batch's logs may come without their participation loaded)."""
    found = [(log, message) for log in logs for message in date_warnings(log.date, log.minutes, today, months)]
    if not found:
        return []
    ids, names = sorted({log.participation_id for log, _ in found}), {}
    for start in range(0, len(ids), 500):  # ids per IN (…) list, as elsewhere
        names.update(Participation.select(Participation.id, Member.name).join(Member)
                     .where(Participation.id.in_(ids[start:start + 500])).tuples())
    return sorted((Warning(log.date, names.get(log.participation_id, ""), message) for log, message in found),
                  key=lambda warning: (warning.date, warning.name))
