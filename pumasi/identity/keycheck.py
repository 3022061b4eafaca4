"""The RRN keys' check: a value sealed with PUMASI_RRN_KEYS and kept in the database.

Without it, a process started with lost or wrong keys runs as if nothing were wrong, and every
linkage then fails with 99 because no stored 주민등록번호 can be decrypted. With it, the web, the
worker and the command line refuse to start, naming the setting. The first start on a database seals
the value (only if the keys open the RRNs already stored there); `flask rrn rotate-key` re-seals it
under the new first key.
"""
from ..db import db
from ..clock import utcnow
from ..models import AccessRecord, Identity, KeyCheck
from ..ops import access

SETTING = "PUMASI_RRN_KEYS"
MESSAGE = (f"{SETTING} cannot open this database's key check value: the configured RRN keys are not the "
           f"ones its 주민등록번호 were sealed with, and every linkage would fail. Set {SETTING} to the keys "
           "in use (newest first; keep the old key until `flask --app app rrn rotate-key` has run).")
STORED_MESSAGE = (f"{SETTING} cannot open the 주민등록번호 stored in this database (identity {{id}}): the "
                  f"keys are not the ones they were sealed with. Set {SETTING} to the keys in use.")
CHECK_ID = 1
_SAMPLE = 3  # stored RRNs tried before the first seal: the oldest and the newest few


class KeyCheckError(RuntimeError):
    """The configured RRN keys cannot open the database's check value (or its stored RRNs)."""


def _stored_tokens():
    """{identity id: (member id, token)} of the oldest and the newest few stored RRNs."""
    fields = (Identity.id, Identity.member, Identity.rrn_token)
    oldest = Identity.select(*fields).order_by(Identity.id).limit(_SAMPLE)
    newest = Identity.select(*fields).order_by(Identity.id.desc()).limit(_SAMPLE)
    return {identity.id: (identity.member_id, identity.rrn_token) for identity in [*oldest, *newest]}


def _record_opened(member_ids):
    """The RRNs opened to test the keys are decryptions: access records (once the table is there)."""
    if member_ids and AccessRecord.table_exists():
        access.record_access("startup", sorted(set(member_ids)), "복호화",
                             "RRN 키 확인(키 확인 값 최초 봉인 전, 저장된 주민등록번호가 열리는지)")


def verify(vault):
    """Open the check value with the vault, sealing it first if the database has none yet.

    Returns "no schema" (nothing to check before `init-db`), "sealed" (first start) or "ok";
    raises KeyCheckError when the keys cannot open it.
    """
    if not KeyCheck.table_exists():
        return "no schema"
    row = KeyCheck.get_or_none(KeyCheck.id == CHECK_ID)
    outcome = "ok"
    if row is None:
        stored = _stored_tokens()
        for identity_id, (_, token) in stored.items():
            if not vault.can_open(token):
                raise KeyCheckError(STORED_MESSAGE.format(id=identity_id))
        _record_opened([member_id for member_id, _ in stored.values()])
        # Two processes starting at once: one seal wins, both check it.
        KeyCheck.insert(id=CHECK_ID, token=vault.seal_check()).on_conflict_ignore().execute()
        row = KeyCheck.get_by_id(CHECK_ID)
        outcome = "sealed"
    if not vault.opens_check(row.token):
        raise KeyCheckError(MESSAGE)
    return outcome


def reseal(vault):
    """Seal the check value again under the vault's first key (after a key rotation)."""
    token = vault.seal_check()
    with db.atomic():
        if not KeyCheck.update(token=token, sealed_at=utcnow()).where(KeyCheck.id == CHECK_ID).execute():
            KeyCheck.insert(id=CHECK_ID, token=token).on_conflict_ignore().execute()
