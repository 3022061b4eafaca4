"""The audit log: who did what to whom, when, from which address; an RRN never reaches it.

The client's address is the one the web layer sets for the request it serves (pumasi.web.proxies);
the worker and the command line have none."""
import contextvars
from dataclasses import dataclass
from datetime import timedelta

from ..clock import korean_day_start
from ..identity.rrn import mask_in_text
from ..models import AuditLog

client_address = contextvars.ContextVar("client_address", default="")


def record(action, actor=None, target=None, detail=""):
    """Write one audit entry. target is a model instance (its table and id are kept)."""
    return AuditLog.create(
        action=action,
        actor=actor,
        actor_name=actor.username if actor is not None else "system",
        target_type=type(target).__name__ if target is not None else "",
        target_id=target.id if target is not None else None,
        detail=mask_in_text(detail),
        ip=client_address.get(),
    )


def record_many(action, target_type, entries, actor=None):
    """Write many entries at once (the system's, or actor's): entries are (target id, detail) pairs.
    The client's address is kept whoever acts: a 비밀번호 찾기 link is the system's, asked for from
    an address that matters (the worker and the command line have none)."""
    ip = client_address.get()
    rows = [{"action": action, "actor": actor, "actor_name": actor.username if actor is not None else "system",
             "target_type": target_type, "target_id": target_id, "detail": mask_in_text(detail), "ip": ip}
            for target_id, detail in entries]
    for start in range(0, len(rows), 500):
        AuditLog.insert_many(rows[start:start + 500]).execute()


@dataclass
class AuditFilter:
    """Filters of the audit log (all optional): action (a prefix), actor, target, period."""

    action: str = ""
    actor: str = ""
    target_type: str = ""
    target_id: int = None
    date_from: object = None
    date_to: object = None

    def select(self):
        """The audit entries this filter lets through (a query, not yet ordered)."""
        query = AuditLog.select()
        if self.action:
            query = query.where(AuditLog.action.startswith(self.action))
        if self.actor:
            query = query.where(AuditLog.actor_name == self.actor)
        if self.target_type:
            query = query.where(AuditLog.target_type == self.target_type)
        if self.target_id is not None:
            query = query.where(AuditLog.target_id == self.target_id)
        if self.date_from:  # days in Korea's time, as the entries are shown
            query = query.where(AuditLog.at >= korean_day_start(self.date_from))
        if self.date_to:
            query = query.where(AuditLog.at < korean_day_start(self.date_to + timedelta(days=1)))
        return query


def page(filters, number, size):
    """One page of the entries a filter lets through, newest first: (total, entries)."""
    query = filters.select()
    return query.count(), list(query.order_by(AuditLog.id.desc()).paginate(number, size))


def actions():
    """Every action the log holds, for the filter's choices."""
    return [a for (a,) in AuditLog.select(AuditLog.action).distinct().order_by(AuditLog.action).tuples()]
