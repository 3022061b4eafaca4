"""확인서: the volunteer's certificate of chosen activities, issued with a number and a code that
anyone can check on the public verification page; what it said is kept as issued (a snapshot)."""
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from peewee import IntegrityError

from ..clock import utcnow
from ..db import db, lock_rows, locked_transaction
from ..identity import store as identities
from ..identity.rrn import mask_in_text
from ..linkage.reads import summaries
from ..linkage.state import date_label
from ..models import Activity, Certificate, CertificateCheck, CertificateDate, DailyLog, Member, Participation
from ..records import hours
from . import audit

# The code's letters: no 0/O, 1/I, so that it can be typed from paper. 16 of 32 letters: 80 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 16
NUMBER_PATTERN = re.compile(r"^\d{4}-\d{6}$")
STATE_WORDS = {"valid": "유효", "superseded": "정정됨", "revoked": "취소됨"}
_CENTURY = {"1": 1900, "2": 1900, "5": 1900, "6": 1900, "3": 2000, "4": 2000, "7": 2000, "8": 2000,
            "9": 1800, "0": 1800}


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
        "birth": birth_date(identity.rrn_masked) if identity else "",
    }


def birth_date(masked):
    """'900101-1******' -> '1990-01-01': the birth date a verified RRN's masked form tells."""
    century = _CENTURY.get(masked[7:8]) if masked and len(masked) >= 8 else None
    if century is None:
        return ""
    return f"{century + int(masked[:2])}-{masked[2:4]}-{masked[4:6]}"


def _date_entry(log, legacy):
    return {"date": log.date.isoformat(), "start": hours.format_clock(log.start), "end": hours.format_end(log.end),
            "minutes": log.minutes, "state": date_label(log.link_state, legacy), "code": log.result_code}


def snapshot(volunteer, participations, issued_on, org_name):
    """What a certificate of these participations says today, as plain data (stored as issued)."""
    built = build(volunteer.id, participations)
    activities = []
    for line in built["lines"]:
        activity = line.participation.activity
        activities.append({
            "category": activity.category, "title": activity.title, "site": activity.site.name,
            "location": activity.location, "start_date": activity.start_date.isoformat(),
            "end_date": activity.end_date.isoformat(), "minutes": line.summary.minutes,
            "dates": [_date_entry(log, line.participation.legacy_linked) for log in line.logs]})
    return {"org": org_name, "name": volunteer.name, "birth": built["birth"],
            "issued_on": issued_on.isoformat(), "activities": activities,
            "total_minutes": built["total_minutes"], "total_days": built["total_days"]}, built


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def shown_code(code):
    """ABCDEFGHJKLMNPQR -> ABCD-EFGH-JKLM-NPQR, as printed."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def clean_code(text):
    """A typed code as stored (dashes and spaces dropped, upper case); None when it cannot be one."""
    code = re.sub(r"[\s-]", "", text or "").upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def content_hash(content):
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _next_serial(year):
    last = Certificate.select(Certificate.serial).where(Certificate.year == year).order_by(
        Certificate.serial.desc()).first()
    return (last.serial if last else 0) + 1


def _create(volunteer, actor, content, issued_on):
    """The certificate row under the year's next number. Two issuing at once may pick the same
    number: the unique (year, serial) refuses the second, which takes the next (in a savepoint)."""
    for _ in range(20):
        serial = _next_serial(issued_on.year)
        number = f"{issued_on.year}-{serial:06d}"
        content = dict(content, number=number)
        try:
            with db.atomic():
                return Certificate.create(
                    year=issued_on.year, serial=serial, number=number, code=new_code(), member=volunteer,
                    issued_by=actor, name=volunteer.name, issued_on=issued_on,
                    activity_count=len(content["activities"]), day_count=content["total_days"],
                    total_minutes=content["total_minutes"], content=json.dumps(content, ensure_ascii=False),
                    content_hash=content_hash(content))
        except IntegrityError:
            continue
    raise RuntimeError("no certificate number could be taken")


def already_issued(volunteer, content):
    """The volunteer's valid certificate that says exactly this (its number aside), or None."""
    same_totals = (Certificate.select().where(
        Certificate.member == volunteer.id, Certificate.issued_on == content["issued_on"],
        Certificate.total_minutes == content["total_minutes"], Certificate.day_count == content["total_days"],
        Certificate.activity_count == len(content["activities"]), Certificate.superseded_at.is_null(),
        Certificate.revoked_at.is_null()).order_by(Certificate.id))
    for certificate in same_totals:
        said = content_of(certificate)
        said.pop("number", None)
        if said == content:
            return certificate
    return None


def issue(volunteer, participations, actor, issued_on, org_name):
    """Store a certificate of the participations (all the volunteer's own) and return it; the dates
    it holds are remembered, so that correcting one marks it 정정됨 (records.revocation). When a
    valid certificate already says the same (a double click, a reloaded POST, the operator pressing
    for them), that one is returned: one number per content."""
    with locked_transaction():
        # The volunteer is locked first (as daily-log writers do): two presses at once are taken
        # one after the other, and the second finds the first's certificate. Then the dates: a
        # correction at the same moment waits, then finds this certificate holding the date and
        # marks it 정정됨 (SQLite: the whole database is locked).
        lock_rows(Member.select(Member.id).where(Member.id == volunteer.id)).first()
        list(lock_rows(DailyLog.select(DailyLog.id).where(
            DailyLog.participation.in_([p.id for p in participations]))))
        content, built = snapshot(volunteer, participations, issued_on, org_name)
        found = already_issued(volunteer, content)
        if found is not None:
            return found
        certificate = _create(volunteer, actor, content, issued_on)
        held = [{"certificate": certificate.id, "daily_log": log.id} for line in built["lines"] for log in line.logs]
        if held:
            CertificateDate.insert_many(held).execute()
        audit.record("certificate.issue", actor=actor, target=certificate,
                     detail=f"{certificate.number} ({volunteer.name}, 활동 {certificate.activity_count}건)")
    return certificate


def state(cert):
    """valid, superseded (a date it holds was corrected or deleted) or revoked (by an operator)."""
    if cert.revoked_at is not None:
        return "revoked"
    return "superseded" if cert.superseded_at is not None else "valid"


def content_of(certificate):
    return json.loads(certificate.content)


def mask_name(name):
    """김민준 -> 김*준, 이서 -> 이*, 남궁민수 -> 남**수: the first and last letters of a longer name."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def check(code, number=None, via="link"):
    """The certificate with this code (and number, when typed), or None; every look-up is recorded.
    A wrong number and a wrong code look the same to the caller."""
    cleaned = clean_code(code)
    found = None
    if cleaned and (number is None or NUMBER_PATTERN.match(number)):
        query = Certificate.select().where(Certificate.code == cleaned)
        if number is not None:
            query = query.where(Certificate.number == number)
        found = query.first()
    CertificateCheck.create(certificate=found, found=found is not None, via=via,
                            ip=audit.client_address.get()[:45])
    return found


def drop_old_checks(days, now):
    """Delete the verification look-ups (each with the checker's address) older than days; how many."""
    return CertificateCheck.delete().where(CertificateCheck.at < now - timedelta(days=days)).execute()


def issued_to(member_id):
    """The member's certificates, newest first."""
    return list(Certificate.select().where(Certificate.member == member_id).order_by(Certificate.id.desc()))


def of_member(member_id, certificate_id):
    """The member's certificate of that id, or None (someone else's is None too)."""
    return Certificate.get_or_none(Certificate.id == certificate_id, Certificate.member == member_id)


def search(text, page, size):
    """Operators' list: (total, certificates of the page), newest first; text finds a number, or a
    volunteer's name or 아이디."""
    query = Certificate.select(Certificate, Member).join(Member, on=(Certificate.member == Member.id))
    if text:
        query = query.where((Certificate.number == text) | Certificate.name.contains(text)
                            | Member.username.contains(text))
    return query.count(), list(query.order_by(Certificate.id.desc()).paginate(page, size))


def revoke(cert, actor, reason):
    """취소: an operator withdraws a certificate (the verification page then says 취소됨); audited."""
    with db.atomic():
        done = (Certificate.update(revoked_at=utcnow(), revoked_by=actor, revoked_reason=mask_in_text(reason[:200]))
                .where(Certificate.id == cert.id, Certificate.revoked_at.is_null()).execute())
        if done:
            audit.record("certificate.revoke", actor=actor, target=cert, detail=f"{cert.number}; 사유: {reason}")
    return bool(done)


def participations_of(member_id):
    """The volunteer's participations, newest activity first (what an operator may issue one of)."""
    return list(Participation.select(Participation, Activity).join(Activity)
                .where(Participation.volunteer == member_id).order_by(Activity.start_date.desc(), Participation.id))
