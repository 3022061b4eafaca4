"""The core data: members, sites, activities, participations, daily logs, identity, linkage and audit."""
import secrets

from peewee import (SQL, BlobField, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    Model, TextField, TimeField)
from werkzeug.security import check_password_hash, generate_password_hash

from ..accounts import usernames
from ..clock import utcnow
from ..db import db
from ..linkage.state import AttemptState, DateState, RequestKind

ROLES = ("volunteer", "site", "operator")


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Site(BaseModel):
    """An activity site (활동처)."""

    name = CharField(max_length=100, unique=True)
    phone = CharField(max_length=30, default="")
    created_at = DateTimeField(default=utcnow)


class Member(BaseModel):
    """A person who logs in: a volunteer, a site manager or an operator (flask-login's user: is_active,
    is_authenticated, is_anonymous, get_id)."""

    is_authenticated = True
    is_anonymous = False

    username = CharField(max_length=40, unique=True)
    # The name as names are compared (usernames.key: NFKC and case folding), kept by save(): the
    # database refuses a second `VOL1` beside `vol1`, or a full-width look-alike.
    username_key = CharField(max_length=255, unique=True)
    password_hash = CharField(max_length=255)
    name = CharField(max_length=50)
    role = CharField(max_length=10, index=True)
    phone = CharField(max_length=30, default="")
    email = CharField(max_length=120, default="")
    birth_date = DateField(null=True)
    # A site manager's site; a volunteer's own site (소속), when an import gave one.
    site = ForeignKeyField(Site, null=True, backref="managers", on_delete="SET NULL")
    active = BooleanField(default=True)
    removed_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    # Part of the id kept in the session cookie: log-out bumps it, so a copied cookie stops working.
    session_version = IntegerField(default=0)
    # Set by an operator's temporary password: every page leads to 비밀번호 변경 until it is changed.
    must_change_password = BooleanField(default=False)
    # The version of what the member's 활동내역 shows (pumasi.linkage.version): bumped in the same
    # transaction as every change to it; the page's ETag and its poll compare it.
    page_version = IntegerField(default=0)

    @property
    def is_active(self):
        return self.active and self.removed_at is None

    @staticmethod
    def named(text):
        """The condition that finds the member called text, however its case or width is written."""
        return Member.username_key == usernames.key(text)

    def save(self, *args, **kwargs):
        self.username_key = usernames.key(self.username)
        return super().save(*args, **kwargs)

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    def end_sessions(self):
        """Make every session cookie issued to this member so far worthless."""
        Member.update(session_version=Member.session_version + 1).where(Member.id == self.id).execute()

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def logs_in(member, password):
        """True when member (or None) is an active member with this password. One password-hash
        check whatever member is: an unknown name, an inactive or removed member (whose hash is
        "!") cost the same as a wrong password, so log-in timing does not tell which names exist."""
        usable = member is not None and member.is_active and "$" in member.password_hash
        matches = check_password_hash(member.password_hash if usable else _dummy_hash(), password)
        return usable and matches


_dummy = []


def _dummy_hash():
    """A hash of a random password made as set_password makes them (same method and cost)."""
    if not _dummy:
        _dummy.append(generate_password_hash(secrets.token_urlsafe(16)))
    return _dummy[0]


class Activity(BaseModel):
    """A volunteer programme (봉사활동) run by a site."""

    site = ForeignKeyField(Site, backref="activities", on_delete="RESTRICT")
    category = CharField(max_length=20)
    title = CharField(max_length=200)
    location = CharField(max_length=100, default="")
    start_date = DateField(index=True)
    end_date = DateField()
    created_at = DateTimeField(default=utcnow)


class Participation(BaseModel):
    """One volunteer in one activity (a row of 활동내역)."""

    activity = ForeignKeyField(Activity, backref="participations", on_delete="RESTRICT")
    volunteer = ForeignKeyField(Member, backref="participations", on_delete="RESTRICT")
    # Linked to 1365 the old whole-period way: shows 연계완료 until an operator links it per date.
    legacy_linked = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("activity", "volunteer"), True),)


class DailyLog(BaseModel):
    """One date of one participation (상세봉사내역), and where it stands with 1365."""

    participation = ForeignKeyField(Participation, backref="daily_logs", on_delete="RESTRICT")
    date = DateField()
    start = TimeField(formats=["%H:%M:%S", "%H:%M"])
    end = TimeField(formats=["%H:%M:%S", "%H:%M"])
    minutes = IntegerField()
    link_state = CharField(max_length=10, default=DateState.UNSENT, index=True)
    result_code = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("participation", "date"), False),)

    @property
    def editable(self):
        """Whether a site may still change or delete it: 1365 neither holds it nor is being sent it."""
        return self.link_state in DateState.EDITABLE


class Identity(BaseModel):
    """A volunteer's verified RRN (본인인증), encrypted; only the masked form is ever shown."""

    member = ForeignKeyField(Member, unique=True, backref="identities", on_delete="CASCADE")
    rrn_token = TextField()
    rrn_masked = CharField(max_length=14)
    verified_at = DateTimeField(default=utcnow)


class LinkRequest(BaseModel):
    """One ask to send dates of a participation to 1365 (연계신청, 재연계, or an operator's)."""

    participation = ForeignKeyField(Participation, backref="link_requests", on_delete="RESTRICT")
    requested_by = ForeignKeyField(Member, null=True, on_delete="SET NULL")
    kind = CharField(max_length=10, default=RequestKind.REQUEST)
    created_at = DateTimeField(default=utcnow)
    # When a job last took it up or should next; the sweeper re-queues what stalls.
    next_check_at = DateTimeField(default=utcnow, index=True)
    enqueued_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True, index=True)


class LinkAttempt(BaseModel):
    """One try of one date at 1365, under a unique ref; 1365's answer when it comes."""

    daily_log = ForeignKeyField(DailyLog, backref="attempts", on_delete="CASCADE")
    request = ForeignKeyField(LinkRequest, backref="attempts", on_delete="CASCADE")
    ref = CharField(max_length=64, unique=True)
    try_no = IntegerField(default=1)
    # queued -> submitted -> answered (or cancelled); errors counts failed network tries of this ref.
    state = CharField(max_length=10, default=AttemptState.QUEUED, index=True)
    errors = IntegerField(default=0)
    code = IntegerField(null=True)
    message = CharField(max_length=300, null=True)
    created_at = DateTimeField(default=utcnow)
    submitted_at = DateTimeField(null=True)
    answered_at = DateTimeField(null=True)


# What the operators' charts read (pumasi/ops/charts.py), without scanning every date: the answered
# dates by when they were answered, the failing ones by participation, the answered attempts by when
# (partial and covering, so PostgreSQL answers from the index alone; migration 21).
DailyLog.add_index(DailyLog.index(DailyLog.updated_at, DailyLog.result_code, name="daily_log_answered",
                                  where=SQL(f"link_state IN ('{DateState.SUCCEEDED}', '{DateState.FAILED}')")))
DailyLog.add_index(DailyLog.index(DailyLog.participation, DailyLog.result_code, name="daily_log_failing",
                                  where=SQL(f"link_state = '{DateState.FAILED}'")))
LinkAttempt.add_index(LinkAttempt.index(LinkAttempt.answered_at, LinkAttempt.code, LinkAttempt.request,
                                        name="link_attempt_answered", where=SQL("code IS NOT NULL")))
# The failures by site reach each date's activity from participation's index alone (migration 22).
Participation.add_index(Participation.index(Participation.id, Participation.activity, name="participation_activity"))


class AuditLog(BaseModel):
    """Who did what to whom, when; never an RRN."""

    at = DateTimeField(default=utcnow, index=True)
    actor = ForeignKeyField(Member, null=True, on_delete="SET NULL", backref="+")
    actor_name = CharField(max_length=60, default="")
    action = CharField(max_length=40, index=True)
    target_type = CharField(max_length=30, default="")
    target_id = IntegerField(null=True)
    detail = TextField(default="")
    ip = CharField(max_length=45, default="")


class Notification(BaseModel):
    """A message to a member (a linkage that ended), shown on their next visit and e-mailed."""

    member = ForeignKeyField(Member, backref="notifications", on_delete="CASCADE")
    participation = ForeignKeyField(Participation, null=True, on_delete="SET NULL")
    # The request whose end this tells of: one notification per request, however many jobs see it end.
    request = ForeignKeyField(LinkRequest, null=True, unique=True, on_delete="SET NULL")
    title = CharField(max_length=200)
    body = TextField(default="")
    created_at = DateTimeField(default=utcnow, index=True)
    read_at = DateTimeField(null=True)
    emailed_at = DateTimeField(null=True)


class PasswordReset(BaseModel):
    """A one-time token that lets a member set their password; only its hash is kept. purpose: "reset"
    (an operator's link, or the member's own 비밀번호 찾기) or "invite" (an invitation: an e-mailed
    link, or a printed code entered with the 아이디)."""

    member = ForeignKeyField(Member, backref="password_resets", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    purpose = CharField(max_length=10, default="reset")
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    created_by = ForeignKeyField(Member, null=True, on_delete="SET NULL", backref="+")


class ConfigValue(BaseModel):
    """A setting changed by an operator in the console; it overrides the environment."""

    key = CharField(max_length=40, unique=True)
    value = TextField()
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(Member, null=True, on_delete="SET NULL", backref="+")


class KeyCheck(BaseModel):
    """One value sealed with the RRN keys: a process whose keys cannot open it refuses to start."""

    token = TextField()
    sealed_at = DateTimeField(default=utcnow)


class Upload(BaseModel):
    """A file a site manager uploaded for preview, held until confirmed or expired (records.uploads)."""

    token_hash = CharField(max_length=64, unique=True)
    member = ForeignKeyField(Member, on_delete="CASCADE", backref="+")
    activity = ForeignKeyField(Activity, on_delete="CASCADE", backref="+")
    filename = CharField(max_length=255, default="")
    data = BlobField()
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(index=True)


class SchemaVersion(BaseModel):
    """The applied migration number."""

    version = IntegerField()

