"""Linkage to 1365: the derived states, requests, sending, applying answers, retries, sweeping.

Plain Python over the models: no Flask, no RQ. The jobs call `submit_batch`, `poll_answers` and
`sweep`; each returns what should happen next so the caller can schedule it.
"""
import uuid
from dataclasses import dataclass
from datetime import timedelta

from peewee import JOIN, Case, fn

from . import audit
from .db import db, lock_rows, locked_transaction
from .models import (FAILED, PENDING, SUCCEEDED, UNSENT, Activity, DailyLog, Identity, LinkAttempt,
                     LinkRequest, Member, Participation, Site, utcnow)

REQUEST, LINKING, DONE, FAILURE = "request", "linking", "done", "failed"

SUCCESS_CODES = (300, 400)
MAX_BATCH = 500  # records per submission (docs/1365_CONTRACT.md)
RETRY_CODE = 99
MESSAGES = {
    99: "시스템 오류 입니다. {phone} 로 문의 주시기 바랍니다.",
    100: "1365 에 아이디가 존재하지 않습니다. 1365 계정 확인 후 재연계 해주시기 바랍니다.",
    200: "1365 연계동의를 되어있지 않거나, {org} 연계 본인인증 주민등록번호와 1365 주민등록번호가 일치 하지 "
         "않습니다. 1365 연계동의 확인 후 본인인증 초기화하고 연계신청 해주시기 바랍니다.",
    300: "연계 성공",
    400: "연계 성공(중복)",
}


class NoDailyLogs(Exception):
    """The participation has no daily logs: a site must enter them first."""


class IdentityRequired(Exception):
    """The volunteer has no verified RRN yet (본인인증)."""


def derive_state(total, pending, failed, unsent, legacy=False):
    """The participation's state from its dates' counts (DESIGN.md)."""
    if pending:
        return LINKING
    if failed:
        return FAILURE
    if (unsent and not legacy) or (total == 0 and not legacy):
        return REQUEST
    return DONE


@dataclass
class Summary:
    """What the 활동내역 row shows of a participation: hours and link state."""

    minutes: int = 0
    total: int = 0
    pending: int = 0
    failed: int = 0
    unsent: int = 0
    legacy: bool = False

    @property
    def state(self):
        return derive_state(self.total, self.pending, self.failed, self.unsent, self.legacy)


def _count_state(state):
    return fn.SUM(Case(None, [(DailyLog.link_state == state, 1)], 0))


def summaries(participations):
    """Summaries for many participations in one query: {participation id: Summary}."""
    result = {p.id: Summary(legacy=p.legacy_linked) for p in participations}
    if not result:
        return result
    query = (DailyLog
             .select(DailyLog.participation_id.alias("pid"), fn.SUM(DailyLog.minutes).alias("minutes"),
                     fn.COUNT(DailyLog.id).alias("total"), _count_state(PENDING).alias("pending"),
                     _count_state(FAILED).alias("failed"), _count_state(UNSENT).alias("unsent"))
             .where(DailyLog.participation_id.in_(list(result)))
             .group_by(DailyLog.participation_id)
             .dicts())
    for row in query:
        summary = result[row["pid"]]
        for name in ("minutes", "total", "pending", "failed", "unsent"):
            setattr(summary, name, int(row[name] or 0))
    return result


def summary(participation):
    """The Summary of one participation."""
    return summaries([participation])[participation.id]


def volunteer_page(volunteer, page, size):
    """One page of a volunteer's participations, newest first: (total, [(participation, Summary)])."""
    base = Participation.select().where(Participation.volunteer == volunteer)
    total = base.count()
    rows = list(Participation
                .select(Participation, Activity, Site)
                .join(Activity).join(Site)
                .where(Participation.volunteer == volunteer)
                .order_by(Activity.start_date.desc(), Activity.id.desc(), Participation.id.desc())
                .paginate(page, size))
    found = summaries(rows)
    return total, [(p, found[p.id]) for p in rows]


def date_rows(participation):
    """The per-date table of the result modal: [(DailyLog, last LinkAttempt or None)], by date."""
    logs = list(participation.daily_logs.order_by(DailyLog.date, DailyLog.start))
    last = {}
    if logs:
        attempts = (LinkAttempt.select()
                    .where(LinkAttempt.daily_log.in_([log.id for log in logs]))
                    .order_by(LinkAttempt.id))
        for attempt in attempts:
            last[attempt.daily_log_id] = attempt
    return [(log, last.get(log.id)) for log in logs]


def message_for(code, config):
    """The Korean message the volunteer reads for a result code (the guide's wording)."""
    return MESSAGES.get(code, "").format(phone=config["SUPPORT_PHONE"], org=config["ORG_NAME"])


def request_linkage(participation, actor, kind="request", require_identity=True, log_ids=None):
    """Queue every date of the participation not yet succeeded (or only log_ids of them); None when
    nothing is to be sent.

    One transaction: the dates become pending and a request with one attempt per date is written,
    so two clicks, two tabs or two devices make one request. The caller enqueues it after commit.
    """
    volunteer = participation.volunteer
    with locked_transaction():
        # Lock the participation row so concurrent requests serialise (no-op lock on SQLite,
        # whose IMMEDIATE transaction already serialises writers).
        lock_rows(Participation.select(Participation.id).where(Participation.id == participation.id)).get()
        # Dates of a whole-period (legacy) linkage go per date only when an operator sends them.
        sendable = [FAILED] if participation.legacy_linked and kind != "support" else [UNSENT, FAILED]
        query = DailyLog.select(DailyLog.id).where(DailyLog.participation == participation,
                                                   DailyLog.link_state.in_(sendable))
        logs = list(query if log_ids is None else query.where(DailyLog.id.in_(list(log_ids))))
        if not logs:
            if not DailyLog.select().where(DailyLog.participation == participation).exists():
                raise NoDailyLogs()
            return None
        if require_identity and not Identity.select().where(Identity.member == volunteer).exists():
            raise IdentityRequired()
        now = utcnow()
        ids = [log.id for log in logs]
        DailyLog.update(link_state=PENDING, updated_at=now).where(DailyLog.id.in_(ids)).execute()
        request = LinkRequest.create(participation=participation, requested_by=actor, kind=kind,
                                     created_at=now, next_check_at=now)
        tries = dict(LinkAttempt.select(LinkAttempt.daily_log, fn.MAX(LinkAttempt.try_no))
                     .where(LinkAttempt.daily_log.in_(ids)).group_by(LinkAttempt.daily_log).tuples())
        LinkAttempt.insert_many(
            [{"daily_log": log_id, "request": request.id, "ref": uuid.uuid4().hex,
              "try_no": tries.get(log_id, 0) + 1, "created_at": now} for log_id in ids]).execute()
        audit.record(f"link.{kind}", actor=actor, target=participation,
                     detail=f"request {request.id}, {len(ids)} dates")
    return request


def mark_enqueued(request_id, stall_after):
    """Note that a job for the request was put on the queue; the sweeper waits stall_after."""
    now = utcnow()
    LinkRequest.update(enqueued_at=now, next_check_at=now + timedelta(seconds=stall_after)) \
        .where(LinkRequest.id == request_id).execute()


@dataclass
class Next:
    """What the job runner should schedule after a step: a submit, a poll (after seconds), or none."""

    submit_in: float = None
    poll_in: float = None


def _attempts(request_id, state):
    return list(LinkAttempt
                .select(LinkAttempt, DailyLog, Participation, Activity, Site)
                .join(DailyLog).join(Participation).join(Activity).join(Site)
                .where(LinkAttempt.request == request_id, LinkAttempt.state == state)
                .order_by(LinkAttempt.id))


def _record(attempt, name, rrn):
    log = attempt.daily_log
    activity = log.participation.activity
    return {"ref": attempt.ref, "name": name, "rrn": rrn, "site": activity.site.name,
            "activity": activity.title, "date": log.date.isoformat(),
            "start": log.start.strftime("%H:%M"), "end": log.end.strftime("%H:%M"),
            "minutes": log.minutes}


def _backoff(base, tries):
    return min(base * (2 ** max(tries - 1, 0)), 3600.0)


def _settle(attempt_ids, log_ids, code, message, final_state):
    """Record an answer on attempts still submitted/queued and on their dates."""
    now = utcnow()
    changed = (LinkAttempt.update(state="answered", code=code, message=message[:300], answered_at=now)
               .where(LinkAttempt.id.in_(attempt_ids), LinkAttempt.state.in_(["queued", "submitted"]))
               .execute())
    DailyLog.update(link_state=final_state, result_code=code, updated_at=now) \
        .where(DailyLog.id.in_(log_ids), DailyLog.link_state == PENDING).execute()
    return changed


def _retry_or_fail(attempts, request_id, config, message):
    """Code 99 (or too many network errors): a fresh try of each date, or failure at the last try."""
    now = utcnow()
    # Tries are counted within this request: a 재연계 (a new request) gets the system's retries
    # again, however many tries the date had before.
    tries = dict(LinkAttempt.select(LinkAttempt.daily_log, fn.COUNT(LinkAttempt.id))
                 .where(LinkAttempt.request == request_id,
                        LinkAttempt.daily_log.in_([a.daily_log_id for a in attempts]))
                 .group_by(LinkAttempt.daily_log).tuples())
    again, final = [], []
    for attempt in attempts:
        (again if tries.get(attempt.daily_log_id, 1) < config["LINK_MAX_TRIES"] else final).append(attempt)
    for attempt in again:
        moved = (LinkAttempt.update(state="answered", code=RETRY_CODE, message=message[:300], answered_at=now)
                 .where(LinkAttempt.id == attempt.id, LinkAttempt.state.in_(["queued", "submitted"]))
                 .execute())
        if moved:
            LinkAttempt.create(daily_log=attempt.daily_log_id, request=request_id, ref=uuid.uuid4().hex,
                               try_no=attempt.try_no + 1, created_at=now)
    if final:
        _settle([a.id for a in final], [a.daily_log_id for a in final], RETRY_CODE, message, FAILED)
    return max((tries.get(a.daily_log_id, 1) for a in again), default=0)


def _volunteer_rrn(request, vault, config):
    """Decrypt the volunteer's RRN for sending (the one place it is decrypted), audited."""
    volunteer = request.participation.volunteer
    identity = Identity.get_or_none(Identity.member == volunteer)
    if identity is None:
        return volunteer, None
    rrn = vault.decrypt(identity.rrn_token)
    audit.record("rrn.decrypt", target=volunteer, detail=f"link request {request.id}")
    return volunteer, rrn


def submit_batch(request_id, portal, vault, config):
    """Send the request's queued dates to 1365 in batches; returns what to do next."""
    request = LinkRequest.get_or_none(LinkRequest.id == request_id)
    if request is None or request.finished_at is not None:
        return Next()
    queued = _attempts(request_id, "queued")
    if not queued:
        return _after_step(request_id, config)
    LinkRequest.update(next_check_at=utcnow() + timedelta(seconds=config["LINK_STALL_AFTER"])) \
        .where(LinkRequest.id == request_id).execute()
    volunteer, rrn = _volunteer_rrn(request, vault, config)
    if rrn is None:
        # 본인인증 was reset after the request: the dates go back to waiting for a new 연계신청.
        with db.atomic():
            LinkAttempt.update(state="cancelled").where(LinkAttempt.id.in_([a.id for a in queued])).execute()
            DailyLog.update(link_state=UNSENT, updated_at=utcnow()) \
                .where(DailyLog.id.in_([a.daily_log_id for a in queued]), DailyLog.link_state == PENDING).execute()
        return _after_step(request_id, config)
    # The contract takes at most 500 records a call: a larger setting must not fail every date.
    size = max(1, min(int(config["LINK_BATCH_SIZE"]), MAX_BATCH))
    for start in range(0, len(queued), size):
        batch = queued[start:start + size]
        try:
            accepted, rejected = portal.submit([_record(a, volunteer.name, rrn) for a in batch])
        except Exception as exc:  # PortalError and anything the network throws
            return _network_failure(request_id, batch, config, exc)
        with db.atomic():
            now = utcnow()
            ok = [a.id for a in batch if a.ref in accepted]
            if ok:
                LinkAttempt.update(state="submitted", submitted_at=now) \
                    .where(LinkAttempt.id.in_(ok), LinkAttempt.state == "queued").execute()
            bad = [a for a in batch if a.ref in rejected]
            if bad:
                _retry_or_fail(bad, request_id, config, "rejected: " + rejected[bad[0].ref])
    del rrn
    return _after_step(request_id, config)


def _network_failure(request_id, batch, config, exc):
    """Count a failed send; retry later with backoff, or fail the dates with 99 at the last try."""
    with db.atomic():
        LinkAttempt.update(errors=LinkAttempt.errors + 1) \
            .where(LinkAttempt.id.in_([a.id for a in batch])).execute()
        worst = max(a.errors + 1 for a in batch)
        if worst >= config["LINK_MAX_TRIES"]:
            _settle([a.id for a in batch], [a.daily_log_id for a in batch], RETRY_CODE, str(exc), FAILED)
            return _after_step(request_id, config)
        delay = _backoff(config["LINK_RETRY_BASE"], worst)
        LinkRequest.update(next_check_at=utcnow() + timedelta(seconds=delay + config["LINK_STALL_AFTER"])) \
            .where(LinkRequest.id == request_id).execute()
    return Next(submit_in=delay)


def apply_answers(request_id, answers, config):
    """Apply 1365's per-date answers {ref: (status, code, message)} to the request's attempts."""
    submitted = {a.ref: a for a in LinkAttempt.select().where(LinkAttempt.request == request_id,
                                                               LinkAttempt.state == "submitted")}
    retry_delay = None
    with db.atomic():
        for ref, (status, code, message) in answers.items():
            attempt = submitted.get(ref)
            if attempt is None:
                continue
            if status == "unknown":
                # 1365 has no record of it: send the same ref again (idempotent on 1365's side).
                LinkAttempt.update(state="queued").where(LinkAttempt.id == attempt.id).execute()
                retry_delay = 0.0
            elif status == "done" and code == RETRY_CODE:
                tries = _retry_or_fail([attempt], request_id, config, message or "")
                if tries:
                    delay = _backoff(config["LINK_RETRY_BASE"], tries)
                    retry_delay = delay if retry_delay is None else min(retry_delay, delay)
            elif status == "done":
                _settle([attempt.id], [attempt.daily_log_id], code, message or "",
                        SUCCEEDED if code in SUCCESS_CODES else FAILED)
    return retry_delay


def poll_answers(request_id, portal, config):
    """Fetch 1365's answers for the request's submitted dates and apply them; returns what next."""
    refs = [a.ref for a in LinkAttempt.select(LinkAttempt.ref)
            .where(LinkAttempt.request == request_id, LinkAttempt.state == "submitted")]
    retry_delay = None
    for start in range(0, len(refs), 1000):
        try:
            answers = portal.results(refs[start:start + 1000])
        except Exception:  # 1365 unreachable: ask again later
            return Next(poll_in=config["LINK_POLL_INTERVAL"] * 2)
        delay = apply_answers(request_id, answers, config)
        if delay is not None:
            retry_delay = delay if retry_delay is None else min(retry_delay, delay)
    step = _after_step(request_id, config)
    if retry_delay is not None and step.submit_in is not None:
        step.submit_in = max(step.submit_in, retry_delay)
    return step


def _after_step(request_id, config):
    """Decide the next step from what is left: submit queued dates, poll submitted ones, or finish."""
    states = dict(LinkAttempt.select(LinkAttempt.state, fn.COUNT(LinkAttempt.id))
                  .where(LinkAttempt.request == request_id).group_by(LinkAttempt.state).tuples())
    step = Next()
    if states.get("queued"):
        step.submit_in = 0.0
    if states.get("submitted"):
        step.poll_in = config["LINK_POLL_INTERVAL"]
    now = utcnow()
    if step.submit_in is None and step.poll_in is None:
        LinkRequest.update(finished_at=now).where(LinkRequest.id == request_id,
                                                  LinkRequest.finished_at.is_null()).execute()
    else:
        wait = min(x for x in (step.submit_in, step.poll_in) if x is not None)
        LinkRequest.update(next_check_at=now + timedelta(seconds=wait + config["LINK_STALL_AFTER"])) \
            .where(LinkRequest.id == request_id).execute()
    return step


def stalled_requests(limit=500):
    """Unfinished requests nobody has touched in time (lost job, dead worker, Redis was down)."""
    return list(LinkRequest.select(LinkRequest.id)
                .where(LinkRequest.finished_at.is_null(), LinkRequest.next_check_at <= utcnow())
                .order_by(LinkRequest.next_check_at).limit(limit))


def reset_identity(volunteer, actor, ip=""):
    """본인인증 초기화: delete the stored RRN, so the next request asks for it again."""
    with db.atomic():
        deleted = Identity.delete().where(Identity.member == volunteer).execute()
        audit.record("identity.reset", actor=actor, target=volunteer, ip=ip)
    return deleted


def save_identity(volunteer, token, masked, actor, ip=""):
    """Store a verified RRN (already encrypted) for the volunteer, replacing any earlier one."""
    with db.atomic():
        Identity.delete().where(Identity.member == volunteer).execute()
        identity = Identity.create(member=volunteer, rrn_token=token, rrn_masked=masked)
        audit.record("identity.verify", actor=actor, target=volunteer, ip=ip)
    return identity


def participation_of(volunteer, participation_id):
    """The volunteer's own participation with that id, or None (never another person's)."""
    return (Participation.select(Participation, Activity, Site, Member)
            .join(Activity).join(Site)
            .switch(Participation).join(Member, JOIN.INNER, on=(Participation.volunteer == Member.id))
            .where(Participation.id == participation_id, Participation.volunteer == volunteer)
            .first())
