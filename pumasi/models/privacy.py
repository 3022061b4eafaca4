"""What the privacy law asks to keep about a volunteer's own data: the consent they gave."""
from peewee import CharField, DateTimeField, ForeignKeyField

from ..clock import utcnow
from .core import BaseModel, Member


class Consent(BaseModel):
    """A volunteer was shown the 개인정보 처리방침 (this version) and agreed, at 본인인증; kept after a
    reset or a new 본인인증 (each one adds a row), and shown back to them in 내 정보."""

    member = ForeignKeyField(Member, backref="consents", on_delete="CASCADE")
    notice_version = CharField(max_length=40)
    given_at = DateTimeField(default=utcnow)
