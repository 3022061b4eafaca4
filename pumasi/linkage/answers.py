"""1365's answers applied to the attempts and their dates: a final code settles a date (300 and 400
succeed, 100 and 200 fail); 99, a rejection or a network failure is tried again under a new ref with
a growing backoff until LINK_MAX_TRIES, then stays 99."""
import uuid

from peewee import fn

from ..clock import utcnow
from ..db import db
from ..models import DailyLog, LinkAttempt
from . import version
from .state import RETRY_CODE, SUCCESS_CODES, AttemptState, DateState

CHUNK = 500  # ids per IN (…) list


def backoff(base, tries):
    """Seconds before the next try after this many: base, doubling each try, at most an hour."""
    return min(base * (2 ** max(tries - 1, 0)), 3600.0)


def record_answer(attempt_ids, log_ids, code, message, date_state):
    """Record 1365's answer on attempts still open and on their pending dates; returns how many
    attempts it answered."""
    now = utcnow()
    changed = 0
    with db.atomic():
        for start in range(0, len(attempt_ids), CHUNK):
            changed += (LinkAttempt.update(state=AttemptState.ANSWERED, code=code, message=message[:300],
                                           answered_at=now)
                        .where(LinkAttempt.id.in_(attempt_ids[start:start + CHUNK]),
                               LinkAttempt.state.in_(AttemptState.OPEN))
                        .execute())
        moved = 0
        for start in range(0, len(log_ids), CHUNK):
            moved += DailyLog.update(link_state=date_state, result_code=code, updated_at=now) \
                .where(DailyLog.id.in_(log_ids[start:start + CHUNK]),
                       DailyLog.link_state == DateState.PENDING).execute()
        if moved:
            version.bump_logs(log_ids)
    return changed


def _tries_so_far(attempts):
    """{(request id, daily log id): tries}: tries are counted within each request, so a 재연계 (a new
    request) gets the system's retries again, however many tries the date had before."""
    return {(request_id, log_id): count for request_id, log_id, count in
            LinkAttempt.select(LinkAttempt.request, LinkAttempt.daily_log, fn.COUNT(LinkAttempt.id))
            .where(LinkAttempt.request.in_({a.request_id for a in attempts}),
                   LinkAttempt.daily_log.in_([a.daily_log_id for a in attempts]))
            .group_by(LinkAttempt.request, LinkAttempt.daily_log).tuples()}


def retry_or_fail(attempts, config, message):
    """Code 99 (or a rejection): a fresh try of each date under a new ref, or failure at the last try.

    Returns {request id: tries so far} of the dates tried again (for the backoff).
    """
    now = utcnow()
    tries = _tries_so_far(attempts)
    final, retried = [], {}
    for attempt in attempts:
        count = tries.get((attempt.request_id, attempt.daily_log_id), 1)
        if count >= config["LINK_MAX_TRIES"]:
            final.append(attempt)
            continue
        retried[attempt.request_id] = max(retried.get(attempt.request_id, 0), count)
        moved = (LinkAttempt.update(state=AttemptState.ANSWERED, code=RETRY_CODE, message=message[:300],
                                    answered_at=now)
                 .where(LinkAttempt.id == attempt.id, LinkAttempt.state.in_(AttemptState.OPEN)).execute())
        if moved:
            LinkAttempt.create(daily_log=attempt.daily_log_id, request=attempt.request_id, ref=uuid.uuid4().hex,
                               try_no=attempt.try_no + 1, created_at=now)
    if final:
        record_answer([a.id for a in final], [a.daily_log_id for a in final], RETRY_CODE, message, DateState.FAILED)
    return retried


def _sorted_answers(submitted, answers):
    """1365's answers of the submitted attempts, by what they call for: (settled {(code, message):
    [attempt]}, unknown to 1365 [attempt], to retry [(attempt, message)])."""
    settled, unknown, retry = {}, [], []
    for ref, (status, code, message) in answers.items():
        attempt = submitted.get(ref)
        if attempt is None:
            continue
        if status == "unknown":
            unknown.append(attempt)
        elif status == "done" and code == RETRY_CODE:
            retry.append((attempt, message or ""))
        elif status == "done":
            settled.setdefault((code, message or ""), []).append(attempt)
    return settled, unknown, retry


def apply_answers(request_ids, answers, config):
    """Apply 1365's per-date answers {ref: (status, code, message)} to the requests' attempts.

    Returns {request id: seconds before its dates answered 99 or unknown are sent again}.
    """
    submitted = {a.ref: a for a in LinkAttempt.select()
                 .where(LinkAttempt.request.in_(request_ids), LinkAttempt.state == AttemptState.SUBMITTED)}
    settled, unknown, retry = _sorted_answers(submitted, answers)
    delays = {}
    with db.atomic():
        for (code, message), attempts in settled.items():
            record_answer([a.id for a in attempts], [a.daily_log_id for a in attempts], code, message,
                          DateState.SUCCEEDED if code in SUCCESS_CODES else DateState.FAILED)
        if unknown:
            # 1365 has no record of these: send the same refs again (idempotent on 1365's side).
            LinkAttempt.update(state=AttemptState.QUEUED).where(LinkAttempt.id.in_([a.id for a in unknown])).execute()
            delays.update({a.request_id: 0.0 for a in unknown})
        for attempt, message in retry:
            for request_id, tries in retry_or_fail([attempt], config, message).items():
                delay = backoff(config["LINK_RETRY_BASE"], tries)
                delays[request_id] = min(delays.get(request_id, delay), delay)
    return delays
