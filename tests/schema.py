"""A fresh, empty schema for each test's app, without building it each time.

Creating every table and index was most of a test's set-up (measured at load 11-13 per app: 1.2-1.4 s
of CREATE TABLE on PostgreSQL after 0.1-0.6 s of DROP TABLE; TRUNCATE of every table 0.8-1.1 s, its
new files and fsyncs; 0.07-0.2 s of CREATE TABLE on SQLite). So:

- SQLite: the schema is built once per process in a template file (as `migrations.upgrade()` builds
  it on an empty database), and each test's new database file is a copy of it.
- PostgreSQL: each process has its own database (conftest's pg_database). When its schema is still
  the one built here (a fingerprint of its columns, indexes, constraints and triggers, and the
  schema_version rows), the rows are deleted, children first, and every sequence restarts at 1
  (0.05-0.08 s); when a test changed the schema (the migration tests drop columns and tables), or
  the deletion fails, it is dropped and built again as before.

Either way the test starts from what `flask init-db` makes: every table empty, ids from 1, the schema
at migrations.LATEST (build_app runs `migrations.upgrade()` after this, which then has nothing to do).
"""
import atexit
import os
import shutil
import tempfile

from peewee import DatabaseError, sort_models

from pumasi import migrations
from pumasi.db import db, open_database
from pumasi.models import SchemaVersion

# One line per column, index, constraint and trigger of the current schema, hashed.
FINGERPRINT = """
SELECT md5(coalesce(string_agg(part, E'\\n' ORDER BY part), '')) FROM (
  SELECT concat_ws(' ', 'column', table_name, column_name, ordinal_position, data_type, is_nullable,
                   column_default) AS part
    FROM information_schema.columns WHERE table_schema = current_schema()
  UNION ALL SELECT concat_ws(' ', 'index', indexdef) FROM pg_indexes WHERE schemaname = current_schema()
  UNION ALL SELECT concat_ws(' ', 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
  UNION ALL SELECT concat_ws(' ', 'trigger', tgrelid::regclass::text, tgname) FROM pg_trigger WHERE NOT tgisinternal
) AS parts"""

RESTART_SEQUENCES = ("SELECT setval(oid::regclass, 1, false) FROM pg_class"
                     " WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace")

_pristine = {}  # PostgreSQL URL -> the fingerprint of the schema built there
_template = {}  # "path" -> this process's SQLite file with the schema and nothing else


def fresh_schema(database_url):
    """Leave the database at database_url with the whole schema and no rows."""
    if database_url.startswith("sqlite:///"):
        path = database_url[len("sqlite:///"):]
        if not os.path.exists(path):
            _copy_template(path)
            return
    database = open_database(database_url)
    try:
        with db.connection_context():
            if database_url.startswith("sqlite"):
                _rebuild(cascade=False)
            elif not _emptied(database_url):
                _rebuild(cascade=True)
                _pristine[database_url] = db.execute_sql(FINGERPRINT).fetchone()[0]
    finally:
        database.close_all()


def _rebuild(cascade):
    db.drop_tables(migrations.MODELS, safe=True, cascade=cascade)
    migrations.upgrade()


def _emptied(database_url):
    """Delete every row when the schema is still the one built here; False when it is not."""
    if db.execute_sql(FINGERPRINT).fetchone()[0] != _pristine.get(database_url):
        return False
    if [v for (v,) in SchemaVersion.select(SchemaVersion.version).tuples()] != [migrations.LATEST]:
        return False
    children_first = reversed(sort_models(migrations.MODELS))
    try:
        with db.atomic():
            db.execute_sql("; ".join(f'DELETE FROM "{m._meta.table_name}"' for m in children_first))
            db.execute_sql(RESTART_SEQUENCES)
            SchemaVersion.create(version=migrations.LATEST)  # as upgrade() leaves a new database
    except DatabaseError:
        return False
    return True


def _copy_template(path):
    if "path" not in _template:
        folder = tempfile.mkdtemp(prefix="pumasi-schema-")
        atexit.register(shutil.rmtree, folder, True)
        template = os.path.join(folder, "template.db")
        database = open_database(f"sqlite:///{template}")
        with db.connection_context():
            migrations.upgrade()
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
        database.close_all()
        _template["path"] = template
    os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
    shutil.copyfile(_template["path"], path)
    os.chmod(path, 0o600)
