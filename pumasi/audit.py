"""The audit log: who did what, when; an RRN never reaches it."""
import re

from .models import AuditLog

_DIGIT_RUN = re.compile(r"\d{6}-?\d{7}")


def record(action, actor=None, target=None, detail="", ip=""):
    """Write one audit entry. target is a model instance (its table and id are kept)."""
    return AuditLog.create(
        action=action,
        actor=actor,
        actor_name=actor.username if actor is not None else "system",
        target_type=type(target).__name__ if target is not None else "",
        target_id=target.id if target is not None else None,
        detail=_DIGIT_RUN.sub("[masked]", detail),
        ip=ip or "",
    )
