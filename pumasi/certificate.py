"""확인서: the volunteer's printable confirmation of chosen activities."""
from dataclasses import dataclass

from . import linkage
from .models import DailyLog, Identity


@dataclass
class Line:
    """One activity on the certificate with its dates and 1365 state."""

    participation: object
    summary: object
    logs: list


def build(volunteer_id, participations):
    """The certificate's lines and totals for the volunteer's chosen participations."""
    found = linkage.summaries(participations)
    logs = {}
    if participations:
        for log in (DailyLog.select()
                    .where(DailyLog.participation.in_([p.id for p in participations]))
                    .order_by(DailyLog.date, DailyLog.start)):
            logs.setdefault(log.participation_id, []).append(log)
    lines = [Line(p, found[p.id], logs.get(p.id, [])) for p in
             sorted(participations, key=lambda p: (p.activity.start_date, p.id))]
    identity = Identity.get_or_none(Identity.member == volunteer_id)
    return {
        "lines": lines,
        "total_minutes": sum(line.summary.minutes for line in lines),
        "total_days": sum(len(line.logs) for line in lines),
        "birth": birth_masked(identity.rrn_masked) if identity else None,
    }


def birth_masked(rrn_masked):
    """'900101-1******' -> '900101-*******': the birth date only, everything else hidden."""
    return rrn_masked[:6] + "-*******"
