"""The audit log: who did what, when; an RRN never reaches it."""
import re
from dataclasses import dataclass
from datetime import datetime

from .listargs import date_args, int_arg, known_args
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


@dataclass
class AuditFilter:
    """Filters of the audit log (all optional): action (a prefix), actor, target, period."""

    action: str = ""
    actor: str = ""
    target_type: str = ""
    target_id: int = None
    date_from: object = None
    date_to: object = None

    @classmethod
    def from_args(cls, args):
        """The filter a query string asks for, and {parameter: Korean error} for what could not be read."""
        dates, errors = date_args(args, "date_from", "date_to")
        return cls(action=(args.get("action") or "").strip()[:40], actor=(args.get("actor") or "").strip()[:40],
                   target_type=(args.get("target_type") or "").strip()[:30],
                   target_id=int_arg(args, "target_id"), **dates), errors

    def query_args(self):
        """The filter as query parameters (see listargs.known_args)."""
        return known_args({"action": self.action, "actor": self.actor, "target_type": self.target_type,
                           "target_id": self.target_id, "date_from": self.date_from, "date_to": self.date_to})

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
        if self.date_from:
            query = query.where(AuditLog.at >= datetime.combine(self.date_from, datetime.min.time()))
        if self.date_to:
            query = query.where(AuditLog.at < datetime.combine(self.date_to, datetime.max.time()))
        return query
