"""Alerts: a condition the workers' sweep (or /healthz) found, from when it was first seen to when it
cleared, and whether the operators were e-mailed of its start and of its end."""
from peewee import CharField, DateTimeField, TextField

from ..clock import utcnow
from .core import BaseModel


class Alert(BaseModel):
    """One episode of one condition (pumasi.ops.alerts.KINDS).

    A condition seen is a row with open_kind = kind (unique: one open episode per kind, whoever sees
    it); it becomes an alert (started_at) once it has lasted its grace time, and clears (cleared_at,
    open_kind NULL) when a check no longer sees it. A condition that cleared before it started leaves
    no row. started_mailed_at / cleared_mailed_at are claimed before the e-mails go, so several
    workers checking at once send one each."""

    kind = CharField(max_length=30, index=True)
    open_kind = CharField(max_length=30, null=True, unique=True)
    seen_at = DateTimeField(default=utcnow)
    started_at = DateTimeField(null=True, index=True)
    cleared_at = DateTimeField(null=True)
    checked_at = DateTimeField(default=utcnow)
    detail = TextField(default="")
    started_mailed_at = DateTimeField(null=True)
    cleared_mailed_at = DateTimeField(null=True)
