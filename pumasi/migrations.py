"""Schema creation and upgrades: a fresh database gets today's tables, an older one its migrations."""
from playhouse.migrate import SchemaMigrator

from .db import db
from .models import (MODELS, AccessChain, AccessRecord, AccessReview, Certificate, CertificateCheck, CertificateDate,
                     ConfigValue, Consent, ImportRun, KeyCheck, Notification, PasswordReset, PrivacyNotice,
                     SchemaVersion, Upload)

# Each later schema change is appended as (number, function(migrator)) using playhouse.migrate,
# and the models are changed to match. Never "delete your database".
def _operator_console(migrator):
    """3: notifications to members and settings changed in the operators' console."""
    db.create_tables([Notification, ConfigValue], safe=True)


def _session_version(migrator):
    """4: a session version per member, so that log-out ends copied session cookies too."""
    # Plain SQL that SQLite and PostgreSQL both run in place (playhouse would rebuild the SQLite
    # table to make the column NOT NULL, which the foreign keys pointing at member refuse).
    db.execute_sql("ALTER TABLE member ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0")


def _passwords(migrator):
    """5: passwords an operator reset: one-time links, and temporary passwords to be changed."""
    db.execute_sql("ALTER TABLE member ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE")
    db.create_tables([PasswordReset], safe=True)


def _endpoint_from_environment(migrator):
    """6: the 1365 endpoint and organisation code come only from the environment: values an
    operator saved for them in the console (ignored since) are dropped, and the audit log says so."""
    from .ops import audit
    keys = ("PORTAL_URL", "ORG_CODE")
    dropped = [f"{row.key}={row.value}" for row in ConfigValue.select().where(ConfigValue.key.in_(keys))]
    if dropped:
        ConfigValue.delete().where(ConfigValue.key.in_(keys)).execute()
        audit.record("settings.change", detail="콘솔 값 삭제(이제 환경 설정으로만 정함): " + ", ".join(dropped))


def _key_check(migrator):
    """7: the RRN keys' check value (sealed at the next start, see pumasi/identity/keycheck.py)."""
    db.create_tables([KeyCheck], safe=True)


class MigrationStopped(RuntimeError):
    """A migration found data it must not change by itself; nothing was changed, the message says what to do."""


def _username_keys(migrator):
    """8: user names compared after NFKC and case folding: a unique key column, filled for every member.

    Two members whose names are one after that (`vol1` and `VOL1`, or a full-width `ｖｏｌ１`) stop
    the migration with their names and ids: which one keeps the name is the operator's choice
    (`flask --app app rename-user OLD NEW`, then init-db again). The whole upgrade is one
    transaction, so nothing was changed."""
    from collections import defaultdict

    from .accounts import usernames
    by_key = defaultdict(list)
    for member_id, username in db.execute_sql("SELECT id, username FROM member ORDER BY id").fetchall():
        by_key[usernames.key(username)].append((member_id, username))
    clashes = [found for found in by_key.values() if len(found) > 1]
    if clashes:
        listed = "; ".join(", ".join(f"{name!r} (id {member_id})" for member_id, name in found) for found in clashes)
        raise MigrationStopped(
            "migration 8 stopped, nothing was changed: these members' user names are the same once case and "
            f"width are ignored: {listed}. Give all but one of each a new name with "
            "`flask --app app rename-user OLD NEW`, then run `flask --app app init-db` again.")
    db.execute_sql("ALTER TABLE member ADD COLUMN username_key VARCHAR(255) NOT NULL DEFAULT ''")
    for key, ((member_id, _),) in by_key.items():
        db.execute_sql(f"UPDATE member SET username_key = {db.param} WHERE id = {db.param}", (key, member_id))
    db.execute_sql("CREATE UNIQUE INDEX member_username_key ON member (username_key)")


def _held_uploads(migrator):
    """9: files a site uploaded for preview, held on the server until confirmed (records.uploads)."""
    db.create_tables([Upload], safe=True)


def _access_records(migrator):
    """10: access records (접속기록) and their chain's row (pumasi/ops/access.py)."""
    db.create_tables([AccessRecord, AccessChain], safe=True)


def _consents(migrator):
    """11: the consent a volunteer gives at 본인인증, with the 처리방침 version they were shown."""
    db.create_tables([Consent], safe=True)


def _certificates(migrator):
    """12: issued 확인서 (number, code, what each said), the dates each holds, and each verification."""
    db.create_tables([Certificate, CertificateDate, CertificateCheck], safe=True)


def _alerts(migrator):
    """13: alerts the workers' sweep raises and clears (pumasi.ops.alerts)."""
    from .models import Alert
    db.create_tables([Alert], safe=True)


def _page_version(migrator):
    """14: a version per member of what their 활동내역 shows (pumasi.linkage.version)."""
    db.execute_sql("ALTER TABLE member ADD COLUMN page_version INTEGER NOT NULL DEFAULT 0")


def _invitations(migrator):
    """15: one-time tokens have a purpose: a password reset, or an invitation (accounts.invitations).
    (A database older than 5 got the table from migration 5, made from today's model: column there.)"""
    if "purpose" not in {column.name for column in db.get_columns("password_reset")}:
        db.execute_sql("ALTER TABLE password_reset ADD COLUMN purpose VARCHAR(10) NOT NULL DEFAULT 'reset'")


def _access_reviews(migrator):
    """16: the monthly review of the access records, signed off per month (pumasi/ops/access_review.py)."""
    db.create_tables([AccessReview], safe=True)


def _entry_requests(migrator):
    """17: 입력 요청, a volunteer's ask to their site for the daily logs of a participation."""
    from .models import EntryRequest
    db.create_tables([EntryRequest], safe=True)


def _imports(migrator):
    """18: a member's birth date, and the imports operators run (pumasi.transfer)."""
    db.execute_sql("ALTER TABLE member ADD COLUMN birth_date DATE")
    db.create_tables([ImportRun], safe=True)


def _privacy_notices(migrator):
    """19: the text of each 처리방침 version someone agreed to (pumasi.ops.privacy.archived)."""
    db.create_tables([PrivacyNotice], safe=True)


def _signups(migrator):
    """20: self sign-up (회원가입): sign-ups waiting for approval (the birth date came with 18)."""
    from .models import Signup
    db.create_tables([Signup], safe=True)



def _chart_indexes(migrator):
    """21: the indexes the operators' charts read (pumasi/models/core.py, after LinkAttempt)."""
    from .models import DailyLog, LinkAttempt
    DailyLog._schema.create_indexes(safe=True)
    LinkAttempt._schema.create_indexes(safe=True)


def _participation_activity(migrator):
    """22: participation's (id, activity) index, from which the failures by site join (pumasi/ops/charts.py)."""
    from .models import Participation
    Participation._schema.create_indexes(safe=True)


def _import_jobs(migrator):
    """23: the job an import run waits on, so that the sweep can tell a run whose worker died. (A
    database older than 18 got import_run as the model is now, these columns included.)"""
    from playhouse.migrate import migrate
    present = {column.name for column in db.get_columns("import_run")}
    for name, sql in (("job", "VARCHAR(20) NOT NULL DEFAULT ''"), ("job_id", "VARCHAR(64) NOT NULL DEFAULT ''")):
        if name not in present:
            db.execute_sql(f"ALTER TABLE import_run ADD COLUMN {name} {sql}")
    if "job_queued_at" not in present:
        migrate(migrator.add_column("import_run", "job_queued_at", ImportRun.job_queued_at))


MIGRATIONS = [(3, _operator_console), (4, _session_version), (5, _passwords), (6, _endpoint_from_environment),
              (7, _key_check), (8, _username_keys), (9, _held_uploads),
              (10, _access_records), (11, _consents), (12, _certificates), (13, _alerts),
              (14, _page_version), (15, _invitations),
              (16, _access_reviews), (17, _entry_requests),
              (18, _imports), (19, _privacy_notices), (20, _signups), (21, _chart_indexes),
              (22, _participation_activity), (23, _import_jobs)]

LATEST = max((number for number, _ in MIGRATIONS), default=1)


def current_version():
    """The schema version of the database, or 0 when it has no schema yet."""
    if not SchemaVersion.table_exists():
        return 0
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


def upgrade():
    """Create or upgrade the schema; safe to run any number of times. Returns (before, after)."""
    with db.atomic():
        before = current_version()
        if before == 0:
            db.create_tables(MODELS, safe=True)
            SchemaVersion.create(version=LATEST)
            return before, LATEST
        migrator = SchemaMigrator.from_database(db.obj)
        for number, migrate in MIGRATIONS:
            if number > before:
                migrate(migrator)
                SchemaVersion.create(version=number)
    return before, current_version()
