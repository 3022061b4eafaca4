"""The RRN keys' check: a value sealed with PUMASI_RRN_KEYS and kept in the database.

Without it, a process started with lost or wrong keys runs as if nothing were wrong, and every
linkage then fails with 99 because no stored 주민등록번호 can be decrypted. With it, the web, the
worker and the command line refuse to start, naming the setting. The first start on a database seals
the value (only if the keys open the RRNs already stored there); `flask rrn rotate-key` re-seals it
under the new first key.
"""
from ..db import db
from ..clock import utcnow
from ..models import Identity, KeyCheck

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
    oldest = Identity.select(Identity.id, Identity.rrn_token).order_by(Identity.id).limit(_SAMPLE)
    newest = Identity.select(Identity.id, Identity.rrn_token).order_by(Identity.id.desc()).limit(_SAMPLE)
    return {identity.id: identity.rrn_token for identity in [*oldest, *newest]}


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
        for identity_id, token in _stored_tokens().items():
            if not vault.can_open(token):
                raise KeyCheckError(STORED_MESSAGE.format(id=identity_id))
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
