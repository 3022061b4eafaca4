"""Delivering requests to 1365: sending their queued dates in shared batches, fetching answers, and
deciding each request's next step (a NextStep: submit, poll, or nothing left: it ended).

The jobs (pumasi.jobs.tasks) call submit_batch and poll_answers and schedule the NextSteps they
return. Every request also has next_check_at: while someone works on it, or its next step waits,
that is put off (postpone_sweep); a request past it is stalled, and the sweeper takes it up again.
"""
from dataclasses import dataclass
from datetime import timedelta

from peewee import fn

from ..clock import utcnow
from ..db import db
from ..identity import store as identities
from ..models import Activity, DailyLog, LinkAttempt, LinkRequest, Participation, Site
from ..records import hours
from . import version
from .answers import CHUNK, apply_answers, backoff, record_answer, retry_or_fail
from .state import MAX_BATCH, RETRY_CODE, AttemptState, DateState

RESULTS_PER_CALL = 1000  # refs per fetch (docs/1365_CONTRACT.md)


@dataclass
class NextStep:
    """What the jobs schedule after a step of a request: a submit (after submit_in seconds), a poll
    (after poll_in seconds), both, or neither: the request has ended."""

    submit_in: float = None
    poll_in: float = None

    @property
    def ended(self):
        return self.submit_in is None and self.poll_in is None


def step_for(states, config, submit_in=None):
    """The NextStep of a request whose attempts are {state: count}: submit its queued dates (after
    submit_in seconds, else now), poll its submitted ones after LINK_POLL_INTERVAL, or neither."""
    return NextStep(submit_in=(submit_in or 0.0) if states.get(AttemptState.QUEUED) else None,
                    poll_in=config["LINK_POLL_INTERVAL"] if states.get(AttemptState.SUBMITTED) else None)


def first_wait(step):
    """Seconds until the first part of a step that has not ended."""
    return min(x for x in (step.submit_in, step.poll_in) if x is not None)


def batch_size(config):
    """Records per 1365 call: LINK_BATCH_SIZE, but at least 1 and at most the contract's 500 (a larger
    setting must not fail every date)."""
    return max(1, min(int(config["LINK_BATCH_SIZE"]), MAX_BATCH))


def postpone_sweep(request_ids, seconds):
    """Keep the sweeper off these requests for the next seconds: someone works on them, or their
    next step waits that long."""
    LinkRequest.update(next_check_at=utcnow() + timedelta(seconds=seconds)) \
        .where(LinkRequest.id.in_(request_ids)).execute()


def mark_enqueued(request_ids, stall_after):
    """Note that the requests were handed to the workers; the sweeper waits stall_after seconds."""
    now = utcnow()
    ids = list(dict.fromkeys(request_ids))
    for start in range(0, len(ids), CHUNK):
        LinkRequest.update(enqueued_at=now, next_check_at=now + timedelta(seconds=stall_after)) \
            .where(LinkRequest.id.in_(ids[start:start + CHUNK])).execute()


def stalled_requests(limit=500):
    """Unfinished requests nobody has touched in time (lost job, dead worker, Redis was down)."""
    return list(LinkRequest.select(LinkRequest.id)
                .where(LinkRequest.finished_at.is_null(), LinkRequest.next_check_at <= utcnow())
                .order_by(LinkRequest.next_check_at).limit(limit))


def next_steps(request_ids, config, submit_in=None):
    """Decide each request's next step from what is left: submit queued dates (now, or after
    submit_in seconds), poll submitted ones, or finish. Returns {request id: NextStep}."""
    counts = {}
    if request_ids:
        for request_id, state, count in (LinkAttempt.select(LinkAttempt.request, LinkAttempt.state,
                                                            fn.COUNT(LinkAttempt.id))
                                         .where(LinkAttempt.request.in_(request_ids))
                                         .group_by(LinkAttempt.request, LinkAttempt.state).tuples()):
            counts.setdefault(request_id, {})[state] = count
    steps, finished, waits = {}, [], {}
    for request_id in request_ids:
        step = steps[request_id] = step_for(counts.get(request_id, {}), config, submit_in)
        if step.ended:
            finished.append(request_id)
        else:
            waits.setdefault(first_wait(step), []).append(request_id)
    if finished:
        LinkRequest.update(finished_at=utcnow()).where(LinkRequest.id.in_(finished),
                                                       LinkRequest.finished_at.is_null()).execute()
    for wait, ids in waits.items():
        postpone_sweep(ids, wait + config["LINK_STALL_AFTER"])
    return steps


def _queued_attempts(request_ids):
    return list(LinkAttempt
                .select(LinkAttempt, DailyLog, Participation, Activity, Site)
                .join(DailyLog).join(Participation).join(Activity).join(Site)
                .where(LinkAttempt.request.in_(request_ids), LinkAttempt.state == AttemptState.QUEUED)
                .order_by(LinkAttempt.id))


def _record(attempt, name, rrn):
    """The contract's record of one attempt (docs/1365_CONTRACT.md)."""
    log = attempt.daily_log
    activity = log.participation.activity
    return {"ref": attempt.ref, "name": name, "rrn": rrn, "site": activity.site.name,
            "activity": activity.title, "date": log.date.isoformat(),
            "start": log.start.strftime("%H:%M"), "end": hours.format_end(log.end),
            "minutes": log.minutes}


def _volunteer_of(attempt):
    return attempt.daily_log.participation.volunteer_id


def _set_aside(queued, rrns):
    """Attempts that cannot go: 본인인증 was reset after the request (their dates go back to waiting
    for a new 연계신청), or no key opens the stored RRN (they fail with 99). Returns the sendable ones."""
    reset = [a for a in queued if rrns[_volunteer_of(a)][1] is None]
    if reset:
        with db.atomic():
            LinkAttempt.update(state=AttemptState.CANCELLED).where(LinkAttempt.id.in_([a.id for a in reset])).execute()
            DailyLog.update(link_state=DateState.UNSENT, updated_at=utcnow()) \
                .where(DailyLog.id.in_([a.daily_log_id for a in reset]),
                       DailyLog.link_state == DateState.PENDING).execute()
            version.bump_logs([a.daily_log_id for a in reset])
    unreadable = [a for a in queued if rrns[_volunteer_of(a)][1] == ""]
    if unreadable:
        record_answer([a.id for a in unreadable], [a.daily_log_id for a in unreadable], RETRY_CODE,
                      "stored RRN cannot be decrypted (RRN_KEYS)", DateState.FAILED)
    return [a for a in queued if rrns[_volunteer_of(a)][1]]


def _network_failure(batch, config, exc):
    """Count a failed send: seconds before the retry, or None when the dates failed (last try, 99)."""
    with db.atomic():
        LinkAttempt.update(errors=LinkAttempt.errors + 1) \
            .where(LinkAttempt.id.in_([a.id for a in batch])).execute()
        worst = max(a.errors + 1 for a in batch)
        if worst >= config["LINK_MAX_TRIES"]:
            record_answer([a.id for a in batch], [a.daily_log_id for a in batch], RETRY_CODE, str(exc),
                          DateState.FAILED)
            return None
    return backoff(config["LINK_RETRY_BASE"], worst)


def _accepted(batch, accepted, rejected, config):
    """Note what 1365 accepted of a batch; what it rejected is tried again (or fails)."""
    with db.atomic():
        ok = [a.id for a in batch if a.ref in accepted]
        if ok:
            LinkAttempt.update(state=AttemptState.SUBMITTED, submitted_at=utcnow()) \
                .where(LinkAttempt.id.in_(ok), LinkAttempt.state == AttemptState.QUEUED).execute()
        bad = [a for a in batch if a.ref in rejected]
        if bad:
            retry_or_fail(bad, config, "rejected: " + rejected[bad[0].ref])


def submit_batch(request_ids, portal, vault, config):
    """Send the queued dates of the requests to 1365, in batches of up to LINK_BATCH_SIZE records
    across requests (each volunteer's RRN decrypted once); returns {request id: NextStep}."""
    live = [r.id for r in LinkRequest.select(LinkRequest.id)
            .where(LinkRequest.id.in_(list(request_ids)), LinkRequest.finished_at.is_null())]
    queued = _queued_attempts(live) if live else []
    if not queued:
        return next_steps(live, config)
    postpone_sweep(live, config["LINK_STALL_AFTER"])
    requests_of = {}
    for attempt in queued:
        requests_of.setdefault(_volunteer_of(attempt), set()).add(attempt.request_id)
    rrns = identities.rrns_for_sending(requests_of, vault)
    sendable = _set_aside(queued, rrns)
    size = batch_size(config)
    retry_in = None
    for start in range(0, len(sendable), size):
        batch = sendable[start:start + size]
        # Still at work: the sweeper must not take these requests up beside this job (it would
        # send the same dates at once and count their network errors twice).
        postpone_sweep(live, config["LINK_STALL_AFTER"] + config["PORTAL_TIMEOUT"])
        try:
            accepted, rejected = portal.submit([_record(a, *rrns[_volunteer_of(a)]) for a in batch])
        except Exception as exc:  # PortalError and anything the network throws: the rest waits too
            retry_in = _network_failure(batch, config, exc)
            break
        _accepted(batch, accepted, rejected, config)
    rrns.clear()
    return next_steps(live, config, submit_in=retry_in)


def poll_answers(request_ids, portal, config):
    """Fetch 1365's answers for the submitted dates of the requests and apply them; returns
    {request id: NextStep} (a retry waits at least its backoff)."""
    ids = list(dict.fromkeys(request_ids))
    refs = [ref for (ref,) in LinkAttempt.select(LinkAttempt.ref)
            .where(LinkAttempt.request.in_(ids), LinkAttempt.state == AttemptState.SUBMITTED).tuples()]
    delays = {}
    for start in range(0, len(refs), RESULTS_PER_CALL):
        postpone_sweep(ids, config["LINK_STALL_AFTER"] + config["PORTAL_TIMEOUT"])
        try:
            answers = portal.results(refs[start:start + RESULTS_PER_CALL])
        except Exception:  # 1365 unreachable: ask again later
            return {i: NextStep(poll_in=config["LINK_POLL_INTERVAL"] * 2) for i in ids}
        for request_id, delay in apply_answers(ids, answers, config).items():
            delays[request_id] = min(delays.get(request_id, delay), delay)
    steps = next_steps(ids, config)
    for request_id, delay in delays.items():
        step = steps.get(request_id)
        if step is not None and step.submit_in is not None:
            step.submit_in = max(step.submit_in, delay)
    return steps
