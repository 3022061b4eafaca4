"""Linkage to 1365: the derived states, requests, sending, applying answers, retries, sweeping.

Plain Python over the models: no Flask, no RQ. The jobs call `submit_batch`, `poll_answers` and
`sweep`; each returns what should happen next so the caller can schedule it.
"""
import uuid
from dataclasses import dataclass
from datetime import timedelta

from peewee import JOIN, fn

from . import audit, erasure
from .db import db, lock_rows, locked_transaction
from .models import (FAILED, PENDING, SUCCEEDED, UNSENT, Activity, AuditLog, DailyLog, Identity, LinkAttempt,
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


# Where the dates of some participations stand, summed per participation in one statement. Plain
# SQL: it runs for every 활동내역 page, every row a volunteer's screen polls, and every request a
# linkage job ends; through the ORM, building the statement cost more than running it
# (docs/BENCHMARKS.md).
_SUMMARY_SQL = f"""
SELECT participation_id, COALESCE(SUM(minutes), 0), COUNT(*),
       SUM(CASE WHEN link_state = '{PENDING}' THEN 1 ELSE 0 END),
       SUM(CASE WHEN link_state = '{FAILED}' THEN 1 ELSE 0 END),
       SUM(CASE WHEN link_state = '{UNSENT}' THEN 1 ELSE 0 END)
FROM daily_log WHERE participation_id IN ({{ids}}) GROUP BY participation_id
"""


def _summaries(legacy):
    """{participation id: Summary} for {participation id: legacy_linked}."""
    result = {pid: Summary(legacy=bool(old)) for pid, old in legacy.items()}
    if result:
        sql = _SUMMARY_SQL.format(ids=", ".join([db.param] * len(result)))
        for pid, minutes, total, pending, failed, unsent in db.execute_sql(sql, list(result)).fetchall():
            summary = result[pid]
            summary.minutes, summary.total = int(minutes), int(total)
            summary.pending, summary.failed, summary.unsent = int(pending), int(failed), int(unsent)
    return result


def summaries(participations):
    """Summaries for many participations in one query: {participation id: Summary}."""
    return _summaries({p.id: p.legacy_linked for p in participations})


def summary(participation):
    """The Summary of one participation."""
    return summaries([participation])[participation.id]


@dataclass(frozen=True)
class Row:
    """One row of 활동내역: a participation with its activity, site and Summary."""

    id: int
    legacy_linked: bool
    category: str
    title: str
    location: str
    site_name: str
    start_date: object
    end_date: object
    summary: Summary

    @property
    def state(self):
        return self.summary.state

    @property
    def minutes(self):
        return self.summary.minutes


# A page of one volunteer's participations, newest first, with their activities and sites and the
# volunteer's count (an uncorrelated subquery: run once). Plain SQL for the reason above; the page
# and its summaries are two statements because joined into one, the planner sums every daily log
# of the table instead of looking up the page's twenty (measured: 1.6 against 0.9 ms).
_ROWS_SQL = """
SELECT p.id, p.legacy_linked, a.category, a.title, a.location, s.name, a.start_date, a.end_date,
       (SELECT COUNT(*) FROM participation WHERE volunteer_id = {param})
FROM participation p JOIN activity a ON a.id = p.activity_id JOIN site s ON s.id = a.site_id
WHERE p.volunteer_id = {param}{extra}
ORDER BY a.start_date DESC, a.id DESC, p.id DESC
LIMIT {param} OFFSET {param}
"""
_rows_sql = {}  # (placeholder, one participation?) -> SQL


def _rows(volunteer, limit, offset, participation_id=None):
    """(the volunteer's participations in all, [Row]) of one page, or of one participation of theirs."""
    param, one = db.param, participation_id is not None
    sql = _rows_sql.get((param, one))
    if sql is None:
        sql = _rows_sql[(param, one)] = _ROWS_SQL.format(param=param, extra=f" AND p.id = {param}" if one else "")
    found = db.execute_sql(sql, [volunteer, volunteer] + ([participation_id] if one else []) + [limit, offset])
    found = found.fetchall()
    if not found:
        return 0, []
    sums = _summaries({line[0]: line[1] for line in found})
    day = Activity.start_date.python_value  # SQLite gives dates back as text
    rows = [Row(pid, bool(legacy), category, title, location, site, day(start), day(end), sums[pid])
            for pid, legacy, category, title, location, site, start, end, _ in found]
    return found[0][-1], rows


def volunteer_page(volunteer, page, size):
    """One page of a volunteer's participations, newest first: (total, [Row])."""
    total, rows = _rows(volunteer, size, (page - 1) * size)
    if not rows and page > 1:  # past the last page: the count alone
        total = Participation.select().where(Participation.volunteer == volunteer).count()
    return total, rows


def volunteer_row(volunteer, participation_id):
    """The Row of one of the volunteer's participations, or None."""
    _, rows = _rows(volunteer, 1, 0, participation_id)
    return rows[0] if rows else None


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


def mark_enqueued(request_ids, stall_after):
    """Note that the requests were handed to the workers; the sweeper waits stall_after seconds."""
    now = utcnow()
    ids = _request_ids(request_ids)
    for start in range(0, len(ids), 500):
        LinkRequest.update(enqueued_at=now, next_check_at=now + timedelta(seconds=stall_after)) \
            .where(LinkRequest.id.in_(ids[start:start + 500])).execute()


@dataclass
class Next:
    """What the job runner should schedule after a step: a submit, a poll (after seconds), or none."""

    submit_in: float = None
    poll_in: float = None


def _request_ids(request_ids):
    return [request_ids] if isinstance(request_ids, int) else list(dict.fromkeys(request_ids))


def _one_or_all(request_ids, steps):
    """A single request gets its Next; a list of requests gets {request id: Next}."""
    return steps.get(request_ids, Next()) if isinstance(request_ids, int) else steps


def _attempts(request_ids, state):
    return list(LinkAttempt
                .select(LinkAttempt, DailyLog, Participation, Activity, Site)
                .join(DailyLog).join(Participation).join(Activity).join(Site)
                .where(LinkAttempt.request.in_(request_ids), LinkAttempt.state == state)
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
    changed = 0
    for start in range(0, len(attempt_ids), 500):
        changed += (LinkAttempt.update(state="answered", code=code, message=message[:300], answered_at=now)
                    .where(LinkAttempt.id.in_(attempt_ids[start:start + 500]),
                           LinkAttempt.state.in_(["queued", "submitted"]))
                    .execute())
    for start in range(0, len(log_ids), 500):
        DailyLog.update(link_state=final_state, result_code=code, updated_at=now) \
            .where(DailyLog.id.in_(log_ids[start:start + 500]), DailyLog.link_state == PENDING).execute()
    return changed


def _retry_or_fail(attempts, config, message):
    """Code 99 (or a rejection): a fresh try of each date under a new ref, or failure at the last try.

    Returns {request id: tries so far} of the dates tried again (for the backoff).
    """
    now = utcnow()
    # Tries are counted within each request: a 재연계 (a new request) gets the system's retries
    # again, however many tries the date had before.
    tries = {(request_id, log_id): count for request_id, log_id, count in
             LinkAttempt.select(LinkAttempt.request, LinkAttempt.daily_log, fn.COUNT(LinkAttempt.id))
             .where(LinkAttempt.request.in_({a.request_id for a in attempts}),
                    LinkAttempt.daily_log.in_([a.daily_log_id for a in attempts]))
             .group_by(LinkAttempt.request, LinkAttempt.daily_log).tuples()}
    again, final, retried = [], [], {}
    for attempt in attempts:
        count = tries.get((attempt.request_id, attempt.daily_log_id), 1)
        (again if count < config["LINK_MAX_TRIES"] else final).append(attempt)
        if count < config["LINK_MAX_TRIES"]:
            retried[attempt.request_id] = max(retried.get(attempt.request_id, 0), count)
    for attempt in again:
        moved = (LinkAttempt.update(state="answered", code=RETRY_CODE, message=message[:300], answered_at=now)
                 .where(LinkAttempt.id == attempt.id, LinkAttempt.state.in_(["queued", "submitted"]))
                 .execute())
        if moved:
            LinkAttempt.create(daily_log=attempt.daily_log_id, request=attempt.request_id, ref=uuid.uuid4().hex,
                               try_no=attempt.try_no + 1, created_at=now)
    if final:
        _settle([a.id for a in final], [a.daily_log_id for a in final], RETRY_CODE, message, FAILED)
    return retried


def _volunteer_rrns(attempts, vault):
    """Decrypt each volunteer's RRN once for sending (the one place it is decrypted), audited.

    Returns {volunteer id: (name, rrn)}: rrn is None after 본인인증 초기화, and "" when no key opens it.
    """
    requests_of = {}
    for attempt in attempts:
        requests_of.setdefault(attempt.daily_log.participation.volunteer_id, set()).add(attempt.request_id)
    names = dict(Member.select(Member.id, Member.name).where(Member.id.in_(list(requests_of))).tuples())
    tokens = dict(Identity.select(Identity.member, Identity.rrn_token)
                  .where(Identity.member.in_(list(requests_of))).tuples())
    found, opened = {}, []
    for volunteer_id in requests_of:
        token = tokens.get(volunteer_id)
        if token is None:
            found[volunteer_id] = (names.get(volunteer_id, ""), None)
            continue
        try:
            found[volunteer_id] = (names.get(volunteer_id, ""), vault.decrypt(token))
            opened.append(volunteer_id)
        except Exception:  # VaultError: the key that encrypted it is gone from RRN_KEYS
            found[volunteer_id] = (names.get(volunteer_id, ""), "")
    audit.record_many("rrn.decrypt", "Member", [
        (volunteer_id, "link request " + ", ".join(str(r) for r in sorted(requests_of[volunteer_id])))
        for volunteer_id in opened])
    undecryptable = [v for v, (_, rrn) in found.items() if rrn == ""]
    if undecryptable:
        audit.record_many("rrn.undecryptable", "Member",
                          [(volunteer_id, "no key in RRN_KEYS opens the stored RRN") for volunteer_id in undecryptable])
    return found


def submit_batch(request_ids, portal, vault, config):
    """Send the queued dates of one request (an id) or many (a list) to 1365, in batches of up to
    LINK_BATCH_SIZE records across requests; returns what to do next (a Next, or {id: Next})."""
    ids = _request_ids(request_ids)
    live = [r.id for r in LinkRequest.select(LinkRequest.id)
            .where(LinkRequest.id.in_(ids), LinkRequest.finished_at.is_null())]
    queued = _attempts(live, "queued") if live else []
    if not queued:
        return _one_or_all(request_ids, _after_steps(live, config))
    _touch(live, config["LINK_STALL_AFTER"])
    rrns = _volunteer_rrns(queued, vault)

    def rrn_of(attempt):
        return rrns[attempt.daily_log.participation.volunteer_id][1]

    reset = [a for a in queued if rrn_of(a) is None]
    if reset:
        # 본인인증 was reset after the request: the dates go back to waiting for a new 연계신청.
        with db.atomic():
            LinkAttempt.update(state="cancelled").where(LinkAttempt.id.in_([a.id for a in reset])).execute()
            DailyLog.update(link_state=UNSENT, updated_at=utcnow()) \
                .where(DailyLog.id.in_([a.daily_log_id for a in reset]), DailyLog.link_state == PENDING).execute()
    unreadable = [a for a in queued if rrn_of(a) == ""]
    if unreadable:
        _settle([a.id for a in unreadable], [a.daily_log_id for a in unreadable], RETRY_CODE,
                "stored RRN cannot be decrypted (RRN_KEYS)", FAILED)
    sendable = [a for a in queued if rrn_of(a)]
    # The contract takes at most 500 records a call: a larger setting must not fail every date.
    size = max(1, min(int(config["LINK_BATCH_SIZE"]), MAX_BATCH))
    retry_in = None
    for start in range(0, len(sendable), size):
        batch = sendable[start:start + size]
        # Still at work: the sweeper must not take these requests up beside this job (it would
        # send the same dates at once and count their network errors twice).
        _touch(live, config["LINK_STALL_AFTER"] + config["PORTAL_TIMEOUT"])
        try:
            accepted, rejected = portal.submit(
                [_record(a, rrns[a.daily_log.participation.volunteer_id][0], rrn_of(a)) for a in batch])
        except Exception as exc:  # PortalError and anything the network throws: the rest waits too
            retry_in = _network_failure(batch, config, exc)
            break
        with db.atomic():
            ok = [a.id for a in batch if a.ref in accepted]
            if ok:
                LinkAttempt.update(state="submitted", submitted_at=utcnow()) \
                    .where(LinkAttempt.id.in_(ok), LinkAttempt.state == "queued").execute()
            bad = [a for a in batch if a.ref in rejected]
            if bad:
                _retry_or_fail(bad, config, "rejected: " + rejected[bad[0].ref])
    rrns.clear()
    return _one_or_all(request_ids, _after_steps(live, config, submit_in=retry_in))


def _network_failure(batch, config, exc):
    """Count a failed send: seconds before the retry, or None when the dates failed (last try, 99)."""
    with db.atomic():
        LinkAttempt.update(errors=LinkAttempt.errors + 1) \
            .where(LinkAttempt.id.in_([a.id for a in batch])).execute()
        worst = max(a.errors + 1 for a in batch)
        if worst >= config["LINK_MAX_TRIES"]:
            _settle([a.id for a in batch], [a.daily_log_id for a in batch], RETRY_CODE, str(exc), FAILED)
            return None
    return _backoff(config["LINK_RETRY_BASE"], worst)


def apply_answers(request_ids, answers, config):
    """Apply 1365's per-date answers {ref: (status, code, message)} to the requests' attempts.

    Returns {request id: seconds before its dates answered 99 are sent again}.
    """
    submitted = {a.ref: a for a in LinkAttempt.select()
                 .where(LinkAttempt.request.in_(_request_ids(request_ids)), LinkAttempt.state == "submitted")}
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
    delays = {}
    with db.atomic():
        for (code, message), attempts in settled.items():
            _settle([a.id for a in attempts], [a.daily_log_id for a in attempts], code, message,
                    SUCCEEDED if code in SUCCESS_CODES else FAILED)
        if unknown:
            # 1365 has no record of these: send the same refs again (idempotent on 1365's side).
            LinkAttempt.update(state="queued").where(LinkAttempt.id.in_([a.id for a in unknown])).execute()
            delays.update({a.request_id: 0.0 for a in unknown})
        for attempt, message in retry:
            for request_id, tries in _retry_or_fail([attempt], config, message).items():
                delay = _backoff(config["LINK_RETRY_BASE"], tries)
                delays[request_id] = min(delays.get(request_id, delay), delay)
    return delays if not isinstance(request_ids, int) else delays.get(request_ids)


def poll_answers(request_ids, portal, config):
    """Fetch 1365's answers for the submitted dates of one request or many and apply them."""
    ids = _request_ids(request_ids)
    refs = [ref for (ref,) in LinkAttempt.select(LinkAttempt.ref)
            .where(LinkAttempt.request.in_(ids), LinkAttempt.state == "submitted").tuples()]
    delays = {}
    for start in range(0, len(refs), 1000):
        _touch(ids, config["LINK_STALL_AFTER"] + config["PORTAL_TIMEOUT"])
        try:
            answers = portal.results(refs[start:start + 1000])
        except Exception:  # 1365 unreachable: ask again later
            return _one_or_all(request_ids, {i: Next(poll_in=config["LINK_POLL_INTERVAL"] * 2) for i in ids})
        for request_id, delay in apply_answers(ids, answers, config).items():
            delays[request_id] = min(delays.get(request_id, delay), delay)
    steps = _after_steps(ids, config)
    for request_id, delay in delays.items():
        step = steps.get(request_id)
        if step is not None and step.submit_in is not None:
            step.submit_in = max(step.submit_in, delay)
    return _one_or_all(request_ids, steps)


def _touch(request_ids, seconds):
    """Put off the sweeper for these requests: someone works on them for the next seconds."""
    LinkRequest.update(next_check_at=utcnow() + timedelta(seconds=seconds)) \
        .where(LinkRequest.id.in_(request_ids)).execute()


def _after_steps(request_ids, config, submit_in=None):
    """Decide each request's next step from what is left: submit queued dates (now, or after
    submit_in seconds), poll submitted ones, or finish. Returns {request id: Next}."""
    counts = {}
    if request_ids:
        for request_id, state, count in (LinkAttempt.select(LinkAttempt.request, LinkAttempt.state,
                                                            fn.COUNT(LinkAttempt.id))
                                         .where(LinkAttempt.request.in_(request_ids))
                                         .group_by(LinkAttempt.request, LinkAttempt.state).tuples()):
            counts.setdefault(request_id, {})[state] = count
    steps, finished, waits = {}, [], {}
    for request_id in request_ids:
        states = counts.get(request_id, {})
        step = Next(submit_in=(submit_in or 0.0) if states.get("queued") else None,
                    poll_in=config["LINK_POLL_INTERVAL"] if states.get("submitted") else None)
        steps[request_id] = step
        if step.submit_in is None and step.poll_in is None:
            finished.append(request_id)
        else:
            wait = min(x for x in (step.submit_in, step.poll_in) if x is not None)
            waits.setdefault(wait, []).append(request_id)
    now = utcnow()
    if finished:
        LinkRequest.update(finished_at=now).where(LinkRequest.id.in_(finished),
                                                  LinkRequest.finished_at.is_null()).execute()
    for wait, ids in waits.items():
        _touch(ids, wait + config["LINK_STALL_AFTER"])
    return steps


def stalled_requests(limit=500):
    """Unfinished requests nobody has touched in time (lost job, dead worker, Redis was down)."""
    return list(LinkRequest.select(LinkRequest.id)
                .where(LinkRequest.finished_at.is_null(), LinkRequest.next_check_at <= utcnow())
                .order_by(LinkRequest.next_check_at).limit(limit))


def reset_identity(volunteer, actor):
    """본인인증 초기화: delete the stored RRN, so the next request asks for it again."""
    with erasure.transaction() as erase:
        deleted = erase(Identity.member == volunteer)
        audit.record("identity.reset", actor=actor, target=volunteer)
    return deleted


def save_identity(volunteer, token, masked, actor):
    """Store a verified RRN (already encrypted) for the volunteer, replacing any earlier one.

    Two tabs verifying at once queue on the volunteer's row (their unique Identity would otherwise
    make the second a failed insert): the later one replaces the earlier."""
    with erasure.transaction() as erase:
        lock_rows(Member.select(Member.id).where(Member.id == volunteer.id)).first()
        erase(Identity.member == volunteer)
        identity = Identity.create(member=volunteer, rrn_token=token, rrn_masked=masked)
        audit.record("identity.verify", actor=actor, target=volunteer)
    return identity


ENDPOINT_ACTION = "portal.endpoint"


def note_endpoint(host):
    """Audit the 1365 host the dates go to when it is not the one last audited (the first use too);
    returns the host before it ('' for none), or None when nothing changed."""
    last = (AuditLog.select(AuditLog.detail).where(AuditLog.action == ENDPOINT_ACTION)
            .order_by(AuditLog.id.desc()).first())
    before = last.detail.split(" ", 1)[0] if last else ""
    if before == host:
        return None
    audit.record(ENDPOINT_ACTION, detail=f"{host} (이전: {before or '없음'})")
    return before


def participation_of(volunteer, participation_id):
    """The volunteer's own participation with that id, or None (never another person's)."""
    return (Participation.select(Participation, Activity, Site, Member)
            .join(Activity).join(Site)
            .switch(Participation).join(Member, JOIN.INNER, on=(Participation.volunteer == Member.id))
            .where(Participation.id == participation_id, Participation.volunteer == volunteer)
            .first())
