"""확인서: each certificate issued (what it said, frozen), the dates it holds, and each verification."""
from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..clock import utcnow
from .core import BaseModel, DailyLog, Member


class Certificate(BaseModel):
    """One issued 확인서: its number (`2026-000123`, sequential per year), an unguessable code for the
    public verification page, and a snapshot of what it said (`content`, JSON) with its hash."""

    year = IntegerField()
    serial = IntegerField()
    number = CharField(max_length=20, unique=True)
    code = CharField(max_length=32, unique=True)
    member = ForeignKeyField(Member, backref="certificates", on_delete="RESTRICT")
    issued_by = ForeignKeyField(Member, null=True, on_delete="SET NULL", backref="+")
    name = CharField(max_length=50)
    issued_on = DateField()
    activity_count = IntegerField()
    day_count = IntegerField()
    total_minutes = IntegerField()
    content = TextField()
    content_hash = CharField(max_length=64)
    issued_at = DateTimeField(default=utcnow, index=True)
    # 정정됨: a date it holds was corrected or deleted afterwards (the volunteer may issue a new one).
    superseded_at = DateTimeField(null=True)
    superseded_reason = CharField(max_length=200, default="")
    # 취소됨: an operator revoked it.
    revoked_at = DateTimeField(null=True)
    revoked_by = ForeignKeyField(Member, null=True, on_delete="SET NULL", backref="+")
    revoked_reason = CharField(max_length=200, default="")

    class Meta:
        indexes = ((("year", "serial"), True),)

    @property
    def valid(self):
        return self.superseded_at is None and self.revoked_at is None


class CertificateDate(BaseModel):
    """A daily log a certificate holds: correcting or deleting it marks the certificate 정정됨."""

    certificate = ForeignKeyField(Certificate, backref="dates", on_delete="CASCADE")
    # Kept (null) when the daily log is deleted: the certificate's content still says what it was.
    daily_log = ForeignKeyField(DailyLog, null=True, on_delete="SET NULL", backref="+", index=True)


class CertificateCheck(BaseModel):
    """One look-up on the public verification page, found or not, and from where."""

    at = DateTimeField(default=utcnow, index=True)
    certificate = ForeignKeyField(Certificate, null=True, on_delete="CASCADE", backref="checks")
    found = BooleanField()
    via = CharField(max_length=10)  # "link" (the QR code's address) or "form" (number and code typed)
    ip = CharField(max_length=45, default="")
