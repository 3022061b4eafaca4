"""Imports an operator runs (pumasi.transfer): the uploaded file, held until saved or expired, what its
preview found, the choices made, and where the run stands."""
from peewee import BlobField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..clock import utcnow
from .core import BaseModel, Member


class ImportRun(BaseModel):
    """One file of members, sites and activities, or participations, from upload to saved."""

    kind = CharField(max_length=20)
    created_by = ForeignKeyField(Member, null=True, on_delete="SET NULL", backref="+")
    filename = CharField(max_length=255, default="")
    data = BlobField(null=True)  # deleted once saved or expired (it holds names and phone numbers)
    # queued -> previewing -> previewed -> saving -> saved, or failed (a problem with the whole file,
    # or lines that are no longer good when saved: the preview says which)
    state = CharField(max_length=12, default="queued", index=True)
    problem = TextField(default="")
    preview = TextField(default="")  # JSON: counts and the lines to show (transfer.runs)
    choices = TextField(default="")  # JSON: {line number: "skip" | "update"} for duplicates
    result = TextField(default="")  # JSON: what was saved
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)
    finished_at = DateTimeField(null=True)
    lines = IntegerField(default=0)
    # The job queued for it last (transfer.runs.record_job): its step, RQ id and when; the workers'
    # sweep fails a working run whose job is gone (a killed worker), and 다시 시도 queues that step again.
    job = CharField(max_length=20, default="")
    job_id = CharField(max_length=64, default="")
    job_queued_at = DateTimeField(null=True)
