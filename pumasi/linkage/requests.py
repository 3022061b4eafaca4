"""Asking for linkage: 연계신청 and 재연계 by the volunteer, 재연계 and per-date linkage (기술지원) by an
operator. A request is written in one transaction with its dates made pending and one attempt per
date, so two clicks, two tabs or two devices make one request; the caller hands it to the workers
after commit (pumasi.jobs.tasks.enqueue_request)."""
import uuid

from peewee import fn

from ..clock import utcnow
from ..db import lock_rows, locked_transaction
from ..identity import store as identities
from ..models import DailyLog, LinkAttempt, LinkRequest, Participation
from ..ops import audit
from . import version
from .state import DateState, RequestKind


class NoDailyLogs(Exception):
    """The participation has no daily logs: a site must enter them first."""


class IdentityRequired(Exception):
    """The volunteer has no verified RRN yet (본인인증)."""


def _sendable(participation, kind, log_ids):
    """The ids of the participation's dates this request sends (a whole-period (legacy) linkage's
    dates go per date only when an operator sends them), or only of log_ids among them."""
    states = [DateState.FAILED] if participation.legacy_linked and kind != RequestKind.SUPPORT \
        else list(DateState.EDITABLE)
    query = DailyLog.select(DailyLog.id).where(DailyLog.participation == participation,
                                               DailyLog.link_state.in_(states))
    return [log.id for log in (query if log_ids is None else query.where(DailyLog.id.in_(list(log_ids))))]


def _write_request(participation, actor, kind, ids):
    now = utcnow()
    DailyLog.update(link_state=DateState.PENDING, updated_at=now).where(DailyLog.id.in_(ids)).execute()
    request = LinkRequest.create(participation=participation, requested_by=actor, kind=kind,
                                 created_at=now, next_check_at=now)
    tries = dict(LinkAttempt.select(LinkAttempt.daily_log, fn.MAX(LinkAttempt.try_no))
                 .where(LinkAttempt.daily_log.in_(ids)).group_by(LinkAttempt.daily_log).tuples())
    LinkAttempt.insert_many(
        [{"daily_log": log_id, "request": request.id, "ref": uuid.uuid4().hex,
          "try_no": tries.get(log_id, 0) + 1, "created_at": now} for log_id in ids]).execute()
    audit.record(f"link.{kind}", actor=actor, target=participation, detail=f"연계요청 #{request.id}, 날짜 {len(ids)}건")
    version.bump_members([participation.volunteer_id])
    return request


def request_linkage(participation, actor, kind=RequestKind.REQUEST, require_identity=True, log_ids=None):
    """Queue every date of the participation not yet succeeded (or only log_ids of them); None when
    nothing is to be sent. NoDailyLogs when it has no dates, IdentityRequired before 본인인증."""
    with locked_transaction():
        # Lock the participation row so concurrent requests serialise (no-op lock on SQLite,
        # whose IMMEDIATE transaction already serialises writers).
        lock_rows(Participation.select(Participation.id).where(Participation.id == participation.id)).get()
        ids = _sendable(participation, kind, log_ids)
        if not ids:
            if not DailyLog.select().where(DailyLog.participation == participation).exists():
                raise NoDailyLogs()
            return None
        if require_identity and not identities.verified(participation.volunteer_id):
            raise IdentityRequired()
        return _write_request(participation, actor, kind, ids)


def request_each(participations, actor):
    """연계신청 of several participations at once (the checked rows): IdentityRequired before 본인인증;
    else (requests made, participations with nothing left to send, participations without dates)."""
    if not identities.verified(actor.id):
        raise IdentityRequired()
    made, nothing, no_dates = [], [], []
    for participation in participations:
        try:
            request = request_linkage(participation, actor)
        except NoDailyLogs:
            no_dates.append(participation)
            continue
        (made if request is not None else nothing).append(request or participation)
    return made, nothing, no_dates
