"""Access records (접속기록, 개인정보의 안전성 확보조치 기준 제8조): every touch of personal data by a
staff account, the worker or a command: account, time, source address, whose data, what was done.

Each record is chained to the one before it: its hash is HMAC-SHA256, under the access record key
(PUMASI_ACCESS_RECORD_KEY, else derived from PUMASI_SECRET_KEY), over the previous record's hash and
all its own fields. The chain's row (AccessChain) keeps where the chain starts and its head under the
same key, and writers lock it, so two writers cannot fork the chain (SQLite: the write lock;
PostgreSQL: the row lock). `verify` (`flask --app app audit verify`) names every record edited,
removed or inserted behind pumasi's back; `purge` deletes what is older than the retention and moves
the chain's start, so what is left still verifies."""
import hashlib
import hmac
import json
from dataclasses import dataclass

from ..clock import utcnow
from ..db import locked_transaction
from ..identity.rrn import mask_in_text
from ..models import AccessChain, AccessRecord, Member
from . import audit

ACTIONS = ("조회", "수정", "삭제", "다운로드", "복호화")
GENESIS = "0" * 64
_KEY_LABEL = b"pumasi access records v1"
_key = {}


def configure(config):
    """Take the key from the settings: PUMASI_ACCESS_RECORD_KEY, else one derived from the secret key."""
    own = config.get("ACCESS_RECORD_KEY")
    if own:
        _key["value"] = own.encode("utf-8")
    else:
        _key["value"] = hmac.new((config.get("SECRET_KEY") or "").encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()


def _mac(*parts):
    if "value" not in _key:
        raise RuntimeError("access records: no key configured (pumasi.ops.access.configure)")
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
    return hmac.new(_key["value"], text.encode("utf-8"), hashlib.sha256).hexdigest()


def _stamp(moment):
    return moment.isoformat(sep=" ", timespec="microseconds")


def record_hash(record):
    """The hash a record must carry: over the previous hash and every field of its own."""
    return _mac(record.prev_hash, record.seq, _stamp(record.at), record.actor_id, record.actor_name,
                record.actor_role, record.subjects, record.action, record.what, record.reason, record.ip)


def chain_mac(chain):
    return _mac("chain", chain.first_seq, chain.first_prev, chain.last_seq, chain.last_hash)


def _subject_ids(subject):
    if subject is None:
        return []
    if isinstance(subject, (Member, int)):
        subject = [subject]
    ids = []
    for one in subject:
        number = one.id if isinstance(one, Member) else int(one)
        if number not in ids:
            ids.append(number)
    return ids


def _actor(actor):
    """(id, name, role) of who acted: a Member, or a name such as "worker" or "cli"."""
    if isinstance(actor, Member):
        return actor.id, actor.username, actor.role
    return None, actor or "system", ""


def locked_chain():
    """The chain's row, locked for this transaction (created at the first record)."""
    if not AccessChain.update(last_seq=AccessChain.last_seq).where(AccessChain.id == 1).execute():
        AccessChain.insert(id=1, first_seq=1, first_prev=GENESIS, last_seq=0, last_hash=GENESIS,
                           mac="").on_conflict_ignore().execute()
        AccessChain.update(last_seq=AccessChain.last_seq).where(AccessChain.id == 1).execute()
    chain = AccessChain.get_by_id(1)
    if chain.last_seq == 0 and chain.mac == "":
        chain.mac = chain_mac(chain)
    return chain


def record_access(actor, subject, action, what="", reason=""):
    """Write one access record. actor: the staff Member, or a name ("worker", "cli") when the worker
    or a command acts; subject: the Member (or id) whose data it is, or several for a search; action:
    one of ACTIONS; what: what was seen or done; reason: the 사유 of a download."""
    if action not in ACTIONS:
        raise ValueError(f"access record action must be one of {ACTIONS}, not {action!r}")
    actor_id, actor_name, actor_role = _actor(actor)
    with locked_transaction():
        chain = locked_chain()
        record = AccessRecord(
            seq=chain.last_seq + 1, at=utcnow(), actor_id=actor_id, actor_name=actor_name[:60],
            actor_role=actor_role, subjects=",".join(str(i) for i in _subject_ids(subject)), action=action,
            what=mask_in_text(what or ""), reason=mask_in_text((reason or "").strip()),
            ip=audit.client_address.get()[:45], prev_hash=chain.last_hash)
        record.hash = record_hash(record)
        record.save(force_insert=True)
        chain.last_seq, chain.last_hash = record.seq, record.hash
        chain.mac = chain_mac(chain)
        chain.save()
    return record


def record_change(actor, member, action, what):
    """A change to a member's data by someone else (staff; a command when actor is None) is recorded;
    members changing their own data are not staff touching it."""
    if actor is not None and actor.id == member.id:
        return None
    return record_access(actor or "cli", member, action, what)


@dataclass
class Problem:
    """Something verify found: the record (its place in the chain, and its row id when it exists)."""

    seq: int
    record_id: int
    message: str

    def __str__(self):
        where = f"record #{self.seq}" + (f" (id {self.record_id})" if self.record_id is not None else "")
        return f"{where}: {self.message}"


def _check_record(record, chain, expected, prev, problems):
    """Problems of one record, read in chain order after the one whose hash was prev."""
    if record.seq < chain.first_seq:
        problems.append(Problem(record.seq, record.id, "before the chain's start: inserted, or left by a purge"))
        return
    if record.seq > chain.last_seq:
        problems.append(Problem(record.seq, record.id, "after the chain's last record: inserted"))
    elif record.seq > expected:
        problems.append(Problem(expected, None, f"missing: records #{expected}–#{record.seq - 1} were removed"
                                if record.seq - 1 > expected else "missing: removed"))
    elif record.prev_hash != prev:
        problems.append(Problem(record.seq, record.id, "does not follow the record before it: that one was "
                                "changed or replaced, or this one was inserted"))
    if not hmac.compare_digest(record.hash, record_hash(record)):
        problems.append(Problem(record.seq, record.id, "its fields do not match its hash: edited, or inserted "
                                "without the key"))


def head():
    """(the last record's place, its hash): what an operator may note to compare later."""
    chain = AccessChain.get_or_none(AccessChain.id == 1)
    return (chain.last_seq, chain.last_hash) if chain else (0, GENESIS)


def verify():
    """Check the whole chain: returns (records checked, [Problem]), the problems in chain order."""
    chain = AccessChain.get_or_none(AccessChain.id == 1)
    records = AccessRecord.select().order_by(AccessRecord.seq)
    if chain is None:
        return 0, [Problem(r.seq, r.id, "the chain's row is missing, so nothing can vouch for it")
                   for r in records.limit(1)]
    problems = []
    if not hmac.compare_digest(chain.mac, chain_mac(chain)):
        problems.append(Problem(chain.last_seq, None, "the chain's start and head were changed by hand"))
    expected, prev, count = chain.first_seq, chain.first_prev, 0
    for record in records.iterator():
        count += 1
        _check_record(record, chain, expected, prev, problems)
        if chain.first_seq <= record.seq <= chain.last_seq:
            expected, prev = record.seq + 1, record.hash
    if expected <= chain.last_seq:
        problems.append(Problem(expected, None, f"missing: records #{expected}–#{chain.last_seq} at the end were removed"
                                if chain.last_seq > expected else "missing: the last record was removed"))
    elif count and prev != chain.last_hash:
        problems.append(Problem(chain.last_seq, None, "the last record is not the one the chain's head names"))
    return count, problems


MIN_YEARS = 2  # 안전성 확보조치 기준 제8조: 고유식별정보를 처리하면 2년 이상


class PurgeRefused(Exception):
    """Purge would break the rules (a retention under two years while RRNs are held, a broken chain)."""


def years_before(moment, years):
    """The same moment `years` calendar years earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def purge(years, now, actor="cli"):
    """Delete the records older than `years` years before `now` (naive UTC) and move the chain's start
    past them; then record the purge itself. Refused under two years while any RRN is held, and when
    the chain does not verify (the purge would destroy the evidence). Returns how many were deleted."""
    from ..models import Identity
    if years < MIN_YEARS and Identity.select().exists():
        raise PurgeRefused(f"retention of {years} years refused: access records are kept at least "
                           f"{MIN_YEARS} years while RRNs are held")
    cutoff = years_before(now, years)
    with locked_transaction():
        chain = locked_chain()
        _, problems = verify()
        if problems:
            raise PurgeRefused("the access records do not verify; nothing was purged:\n"
                               + "\n".join(str(p) for p in problems))
        young = (AccessRecord.select(AccessRecord.seq).where(AccessRecord.at >= cutoff)
                 .order_by(AccessRecord.seq).first())
        keep_from = young.seq if young else chain.last_seq + 1
        if keep_from <= chain.first_seq:
            return 0
        last_gone = AccessRecord.get(AccessRecord.seq == keep_from - 1)
        deleted = AccessRecord.delete().where(AccessRecord.seq < keep_from).execute()
        chain.first_seq, chain.first_prev = keep_from, last_gone.hash
        chain.mac = chain_mac(chain)
        chain.save()
        record_access(actor, None, "삭제", what=f"접속기록 파기: {_stamp(cutoff)[:19]} UTC 이전 {deleted}건 "
                                              f"(#{keep_from - deleted}–#{keep_from - 1}, 보관 {years}년)")
    return deleted
