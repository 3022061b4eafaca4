"""입력 요청: a volunteer asking their site to enter the daily logs of a participation that has none."""
from peewee import DateTimeField, ForeignKeyField, IntegerField

from ..clock import utcnow
from .core import BaseModel, Member, Participation


class EntryRequest(BaseModel):
    """One ask, open until the site enters a date for that participation (records.entry_requests).

    open_participation is the participation's id while the ask is open and NULL once it closed:
    unique, so there is one open ask per participation however many presses or tabs."""

    participation = ForeignKeyField(Participation, backref="entry_requests", on_delete="CASCADE")
    requested_by = ForeignKeyField(Member, null=True, on_delete="SET NULL", backref="+")
    open_participation = IntegerField(null=True, unique=True)
    created_at = DateTimeField(default=utcnow, index=True)
    closed_at = DateTimeField(null=True)
    # When the site's managers were e-mailed of it (the daily e-mail of the new ones).
    mailed_at = DateTimeField(null=True, index=True)
