"""Access records (접속기록, 개인정보의 안전성 확보조치 기준 제8조): who touched whose personal data,
when, from where and how; each record chained to the one before by a keyed hash (pumasi.ops.access)."""
from peewee import CharField, DateTimeField, IntegerField, TextField

from .core import BaseModel


class AccessRecord(BaseModel):
    """One touch of personal data by a staff account, the worker or a command. No foreign keys: a
    removed member must not change a record (that would break its hash)."""

    seq = IntegerField(unique=True)  # its place in the chain: 1, 2, 3, … without gaps
    at = DateTimeField(index=True)
    actor_id = IntegerField(null=True)  # the staff member; None for the worker or a command
    actor_name = CharField(max_length=60)  # their user name, or "worker" / "cli"
    actor_role = CharField(max_length=10, default="")
    subjects = TextField(default="")  # ids of the members whose data it is, comma-separated
    action = CharField(max_length=10, index=True)  # 조회, 수정, 삭제, 다운로드, 복호화
    what = TextField(default="")
    reason = TextField(default="")
    ip = CharField(max_length=45, default="")
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64)


class AccessChain(BaseModel):
    """The chain's one row (id 1): where it starts (after a purge) and its head, under its own keyed
    hash, so a removed last record or a removed first one is found too. Writers lock this row."""

    first_seq = IntegerField(default=1)
    first_prev = CharField(max_length=64)
    last_seq = IntegerField(default=0)
    last_hash = CharField(max_length=64)
    mac = CharField(max_length=64)


class AccessReview(BaseModel):
    """A month's access records reviewed (월 1회 이상 점검): the reviewer's note, who signed it off, when."""

    month = CharField(max_length=7, unique=True)  # YYYY-MM, in Korea's time
    note = TextField()
    signed_by_id = IntegerField(null=True)
    signed_by_name = CharField(max_length=60)
    signed_at = DateTimeField()
