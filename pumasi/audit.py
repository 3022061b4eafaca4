"""The audit log: who did what, when; an RRN never reaches it."""
import re

from .models import AuditLog
from .proxies import client_address

_DIGIT_RUN = re.compile(r"\d{6}-?\d{7}")


def record(action, actor=None, target=None, detail=""):
    """Write one audit entry. target is a model instance (its table and id are kept); the address is
    the client's of the current request ('' in the worker and the command line)."""
    return AuditLog.create(
        action=action,
        actor=actor,
        actor_name=actor.username if actor is not None else "system",
        target_type=type(target).__name__ if target is not None else "",
        target_id=target.id if target is not None else None,
        detail=_DIGIT_RUN.sub("[masked]", detail),
        ip=client_address(),
    )


def record_many(action, target_type, entries):
    """Write many system entries at once: entries are (target id, detail) pairs."""
    rows = [{"action": action, "actor": None, "actor_name": "system", "target_type": target_type,
             "target_id": target_id, "detail": _DIGIT_RUN.sub("[masked]", detail), "ip": ""}
            for target_id, detail in entries]
    for start in range(0, len(rows), 500):
        AuditLog.insert_many(rows[start:start + 500]).execute()
