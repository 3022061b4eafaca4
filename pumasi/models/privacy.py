"""What the privacy law asks to keep about a volunteer's own data: the consent they gave, and the
text of each 처리방침 version someone agreed to."""
from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from ..clock import utcnow
from .core import BaseModel, Member


class Consent(BaseModel):
    """A volunteer was shown the 개인정보 처리방침 (this version) and agreed, at 본인인증; kept after a
    reset or a new 본인인증 (each one adds a row), and shown back to them in 내 정보."""

    member = ForeignKeyField(Member, backref="consents", on_delete="CASCADE")
    notice_version = CharField(max_length=40)
    given_at = DateTimeField(default=utcnow)


class PrivacyNotice(BaseModel):
    """The text of a 처리방침 version (pumasi.ops.privacy.text), kept from the first consent to it."""

    version = CharField(max_length=40, unique=True)
    content = TextField()
    first_agreed_at = DateTimeField(default=utcnow)
