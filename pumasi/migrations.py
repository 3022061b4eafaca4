"""Schema creation and upgrades: a fresh database gets today's tables, an older one its migrations."""
from playhouse.migrate import SchemaMigrator

from .db import db
from .models import MODELS, ConfigValue, KeyCheck, Notification, PasswordReset, SchemaVersion

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
    from . import audit
    keys = ("PORTAL_URL", "ORG_CODE")
    dropped = [f"{row.key}={row.value}" for row in ConfigValue.select().where(ConfigValue.key.in_(keys))]
    if dropped:
        ConfigValue.delete().where(ConfigValue.key.in_(keys)).execute()
        audit.record("settings.change", detail="콘솔 값 삭제(이제 환경 설정으로만 정함): " + ", ".join(dropped))


def _key_check(migrator):
    """7: the RRN keys' check value (sealed at the next start, see pumasi/keycheck.py)."""
    db.create_tables([KeyCheck], safe=True)


MIGRATIONS = [(3, _operator_console), (4, _session_version), (5, _passwords), (6, _endpoint_from_environment),
              (7, _key_check)]

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
