"""확인서: the volunteer's printable confirmation of chosen activities."""
from dataclasses import dataclass

from ..identity import store as identities
from ..identity.rrn import birth_only
from ..linkage.reads import summaries
from ..models import DailyLog


@dataclass
class Line:
    """One activity on the certificate with its dates and 1365 state."""

    participation: object
    summary: object
    logs: list


def build(volunteer_id, participations):
    """The certificate's lines and totals for the volunteer's chosen participations."""
    found = summaries(participations)
    logs = {}
    if participations:
        for log in (DailyLog.select()
                    .where(DailyLog.participation.in_([p.id for p in participations]))
                    .order_by(DailyLog.date, DailyLog.start)):
            logs.setdefault(log.participation_id, []).append(log)
    lines = [Line(p, found[p.id], logs.get(p.id, [])) for p in
             sorted(participations, key=lambda p: (p.activity.start_date, p.id))]
    identity = identities.of(volunteer_id)
    return {
        "lines": lines,
        "total_minutes": sum(line.summary.minutes for line in lines),
        "total_days": sum(len(line.logs) for line in lines),
        "birth": birth_only(identity.rrn_masked) if identity else None,
    }
