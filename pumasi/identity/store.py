"""본인인증 as it is stored: verifying (the RRN sealed, and masked for display), resetting, the one
decryption for sending to 1365, and key rotation. Each is audited; an RRN never reaches the audit log.
"""
from ..db import db, lock_rows
from ..linkage import version
from ..models import Consent, Identity, Member
from ..ops import access, audit, privacy
from . import erasure, keycheck
from .rrn import mask
from .vault import VaultError


def verify(volunteer, rrn, vault, actor, notice_version=None, notice_text=""):
    """Store a verified RRN (13 digits, already validated) for the volunteer: sealed with the vault's
    first key and masked for display, replacing any earlier one; with notice_version, the consent they
    gave to the 처리방침 of that version is recorded in the same transaction, and its text (notice_text)
    kept unless it already is.

    Two tabs verifying at once queue on the volunteer's row (their unique Identity would otherwise
    make the second a failed insert): the later one replaces the earlier."""
    with erasure.transaction() as erase:
        lock_rows(Member.select(Member.id).where(Member.id == volunteer.id)).first()
        erase(Identity.member == volunteer)
        identity = Identity.create(member=volunteer, rrn_token=vault.encrypt(rrn), rrn_masked=mask(rrn))
        if notice_version:
            privacy.record_consent(volunteer, notice_version, notice_text, given_at=identity.verified_at)
        audit.record("identity.verify", actor=actor, target=volunteer)
        version.bump_members([volunteer.id])
    return identity


def reset(volunteer, actor):
    """본인인증 초기화: delete the stored RRN, so the next request asks for it again."""
    with erasure.transaction() as erase:
        deleted = erase(Identity.member == volunteer)
        audit.record("identity.reset", actor=actor, target=volunteer)
        access.record_change(actor, volunteer, "삭제", "본인인증 초기화(주민등록번호 삭제)")
        version.bump_members([volunteer.id])
    return deleted


def of(volunteer_id):
    """The volunteer's Identity (masked RRN and when it was verified), or None."""
    return Identity.get_or_none(Identity.member == volunteer_id)


def consents(volunteer_id):
    """The consents the volunteer gave (the 처리방침 version shown, and when), newest first."""
    return list(Consent.select().where(Consent.member == volunteer_id).order_by(Consent.given_at.desc(),
                                                                                 Consent.id.desc()))


def verified(volunteer_id):
    """Whether the volunteer has a verified RRN."""
    return Identity.select().where(Identity.member == volunteer_id).exists()


def rrns_for_sending(requests_of, vault):
    """Decrypt each volunteer's RRN once for sending (the one place it is decrypted), audited.

    requests_of is {volunteer id: ids of the requests it is for}. Returns {volunteer id: (name, rrn)}:
    rrn is None after 본인인증 초기화, and "" when no key opens it.
    """
    names = dict(Member.select(Member.id, Member.name).where(Member.id.in_(list(requests_of))).tuples())
    tokens = dict(Identity.select(Identity.member, Identity.rrn_token)
                  .where(Identity.member.in_(list(requests_of))).tuples())
    found, opened = {}, []
    for volunteer_id in requests_of:
        token, rrn = tokens.get(volunteer_id), None
        if token is not None:
            try:
                rrn = vault.decrypt(token)
                opened.append(volunteer_id)
            except VaultError:  # the key that encrypted it is gone from RRN_KEYS
                rrn = ""
        found[volunteer_id] = (names.get(volunteer_id, ""), rrn)
    if opened:
        access.record_access("worker", opened, "복호화", what="1365 연계 전송: 연계 요청 " + ", ".join(
            str(r) for r in sorted({r for v in opened for r in requests_of[v]})))
    audit.record_many("rrn.decrypt", "Member", [
        (volunteer_id, "연계요청 " + ", ".join(f"#{r}" for r in sorted(requests_of[volunteer_id])))
        for volunteer_id in opened])
    undecryptable = [v for v, (_, rrn) in found.items() if rrn == ""]
    if undecryptable:
        audit.record_many("rrn.undecryptable", "Member",
                          [(volunteer_id, "no key in RRN_KEYS opens the stored RRN") for volunteer_id in undecryptable])
    return found


def rotate_all(vault):
    """Re-encrypt every stored RRN under the vault's first key, one transaction and one audit entry
    per identity (an interrupted run is simply run again), then seal the key check value again;
    returns how many were re-encrypted."""
    count = 0
    for identity in Identity.select(Identity.id, Identity.member, Identity.rrn_token):
        with db.atomic():
            Identity.update(rrn_token=vault.rotate(identity.rrn_token)).where(Identity.id == identity.id).execute()
            audit.record_many("rrn.rotate", "Member", [(identity.member_id,
                                                        "첫 번째 키로 다시 암호화 (명령줄)")])
            access.record_access("cli", identity.member_id, "복호화", what="키 교체(rrn rotate-key) 재암호화")
        count += 1
    keycheck.reseal(vault)
    audit.record("rrn.rotate", detail=f"본인인증 {count}건 다시 암호화, 키 확인값 다시 봉인")
    return count
