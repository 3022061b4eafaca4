"""Self sign-up (회원가입): a volunteer's own account waiting for approval, and who decided."""
from peewee import CharField, DateTimeField, ForeignKeyField

from ..clock import utcnow
from .core import BaseModel, Member, Site


class Signup(BaseModel):
    """A volunteer who created their own account; while state is "pending" the member is inactive
    and only an operator (or, with approval "site", the chosen site's managers) may approve it."""

    member = ForeignKeyField(Member, unique=True, backref="+", on_delete="CASCADE")
    # The approval asked when they signed up: none, operator or site (settings SIGNUP_APPROVAL).
    approval = CharField(max_length=10)
    site = ForeignKeyField(Site, null=True, backref="+", on_delete="SET NULL")
    state = CharField(max_length=10, default="pending", index=True)  # pending, approved
    created_at = DateTimeField(default=utcnow)
    decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(Member, null=True, backref="+", on_delete="SET NULL")
