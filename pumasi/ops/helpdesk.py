"""기술지원: what operators do for volunteers — retry failures, per-date linkage, corrections."""
from collections import defaultdict
from dataclasses import dataclass, field

from .. import inputs
from ..clock import utcnow
from ..db import db
from ..linkage import version
from ..linkage.requests import IdentityRequired, request_linkage
from ..linkage.state import DateState, RequestKind
from ..models import Activity, DailyLog, Member, Participation
from ..records import hours, revocation
from . import access, audit


@dataclass
class Outcome:
    """What a bulk action did: the requests made and, per participation, why some were skipped."""

    requests: list = field(default_factory=list)
    skipped: list = field(default_factory=list)


def retry_dates(log_ids, actor):
    """Send the chosen failed dates again, one request per participation."""
    by_participation = defaultdict(list)
    for log in DailyLog.select(DailyLog.id, DailyLog.participation).where(DailyLog.id.in_(list(log_ids))):
        by_participation[log.participation_id].append(log.id)
    outcome = Outcome()
    for participation in Participation.select().where(Participation.id.in_(list(by_participation))):
        try:
            request = request_linkage(participation, actor, kind=RequestKind.RETRY,
                                      log_ids=by_participation[participation.id])
        except IdentityRequired:
            outcome.skipped.append((participation, "본인인증 전"))
            continue
        if request is None:
            outcome.skipped.append((participation, "보낼 날짜 없음"))
        else:
            outcome.requests.append(request)
    return outcome


def link_per_date(participation, actor):
    """Per-date linkage of a participation linked the old whole-period way (its history is kept)."""
    return request_linkage(participation, actor, kind=RequestKind.SUPPORT)


def correct_date(log, values, reason, actor, resend, today):
    """Correct a date (even a succeeded one), with a reason; returns {field: Korean error}."""
    errors = inputs.problems({**values, "reason": reason or ""})
    if errors:
        return errors
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        errors["reason"] = "수정 사유를 300자 이하로 입력해 주세요."
    try:
        entry = hours.Entry(hours.parse_date(values.get("date", "")),
                            hours.parse_clock(values.get("start", ""), "start"),
                            hours.parse_clock(values.get("end", ""), "end"),
                            int(values["minutes"]) if str(values.get("minutes", "")).strip().isdigit() else None)
    except hours.LogError as exc:
        errors[exc.field] = exc.message
        return errors
    activity = Activity.get_by_id(log.participation.activity_id)
    minutes, problems = hours.check_entry(entry, activity.start_date, activity.end_date, today)
    others = (DailyLog.select().join(Participation)
              .where(Participation.volunteer == log.participation.volunteer_id, DailyLog.date == entry.date,
                     DailyLog.id != log.id))
    existing = [hours.Entry(o.date, o.start, o.end, o.minutes) for o in others]
    problems += [problem for _, problem in hours.check_day([entry], existing)]
    for problem in problems:
        errors.setdefault(problem.field, problem.message)
    if errors:
        return errors
    before = f"{log.date} {log.start:%H:%M}-{hours.format_end(log.end)} {log.minutes}분 ({log.link_state} {log.result_code})"
    with db.atomic():
        changes = {DailyLog.date: entry.date, DailyLog.start: entry.start, DailyLog.end: entry.end,
                   DailyLog.minutes: minutes, DailyLog.updated_at: utcnow()}
        if resend:
            changes.update({DailyLog.link_state: DateState.UNSENT, DailyLog.result_code: None})
        DailyLog.update(changes).where(DailyLog.id == log.id).execute()
        version.bump_logs([log.id])
        revocation.supersede_holding([log.id], f"{revocation.CORRECTED}: {reason}")
        audit.record("daily_log.correct", actor=actor, target=log,
                     detail=f"{before} -> {entry.date} {entry.start:%H:%M}-{hours.format_end(entry.end)} {minutes}분"
                            f"{' (미연계로 되돌림)' if resend else ''}; 사유: {reason}")
        access.record_change(actor, Member(id=log.participation.volunteer_id), "수정", "기술지원: 상세봉사내역 정정")
    return {}

