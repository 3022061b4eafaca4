"""tests/schema.py: a database reused by the next test is what a new one would be (every table
empty, ids from 1, the same schema), and one whose schema a test changed is built again."""
import sqlite3

import helpers
import schema
from pumasi import demo, migrations
from pumasi.db import db, open_database
from pumasi.models import Member, SchemaVersion


def _state(url):
    """(fingerprint, {table: rows}, schema versions, the id a new member gets) of the database."""
    database = open_database(url)
    try:
        with db.connection_context():
            rows = {m._meta.table_name: m.select().count() for m in migrations.MODELS}
            versions = [v for (v,) in SchemaVersion.select(SchemaVersion.version).tuples()]
            with db.atomic() as transaction:
                new_id = Member.create(username="probe", password_hash="x", name="x", role="volunteer").id
                transaction.rollback()
            shape = db.execute_sql(schema.FINGERPRINT).fetchone()[0] if url.startswith("postgres") else None
            return shape, rows, versions, new_id
    finally:
        database.close_all()


def test_a_postgres_database_is_emptied_or_built_again(pg_database, tmp_path, redis_url):
    if pg_database is None:
        helpers.missing("PostgreSQL is not reachable at 127.0.0.1:5432 (set PUMASI_TEST_PG)")
    schema._pristine.pop(pg_database, None)
    schema.fresh_schema(pg_database)  # built (nothing known of this database yet)
    new = _state(pg_database)
    assert set(new[1].values()) == {0, 1} and new[1]["schema_version"] == 1 and new[2] == [migrations.LATEST] and new[3] == 1
    app = helpers.build_app(tmp_path, pg_database, redis_url)
    with app.app_context(), db.connection_context():
        demo.seed(sim_db=app.config["SIM1365_DB"])
        assert Member.select().count() > 1
    db.close()
    schema.fresh_schema(pg_database)  # emptied
    assert _state(pg_database) == new
    database = open_database(pg_database)
    with db.connection_context():
        db.execute_sql("ALTER TABLE member DROP COLUMN birth_date")
    database.close_all()
    assert _state(pg_database)[0] != new[0]
    schema.fresh_schema(pg_database)  # built again: the column is back
    assert _state(pg_database) == new


def _sqlite_schema(path):
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master"))


def test_a_sqlite_database_is_a_copy_of_a_new_one(tmp_path):
    copied = tmp_path / "copied.db"
    schema.fresh_schema(f"sqlite:///{copied}")
    built = tmp_path / "built.db"
    database = open_database(f"sqlite:///{built}")
    with db.connection_context():
        migrations.upgrade()
    database.close_all()
    assert _sqlite_schema(copied) == _sqlite_schema(built)
    assert _state(f"sqlite:///{copied}")[1:] == _state(f"sqlite:///{built}")[1:]
    assert oct(copied.stat().st_mode & 0o777) == "0o600"


def test_an_existing_sqlite_file_is_built_again(tmp_path):
    path = tmp_path / "again.db"
    schema.fresh_schema(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE member DROP COLUMN birth_date")
        conn.execute("INSERT INTO schema_version (version) VALUES (99)")
    schema.fresh_schema(f"sqlite:///{path}")
    rows, versions, new_id = _state(f"sqlite:///{path}")[1:]
    assert set(rows.values()) == {0, 1} and rows["schema_version"] == 1 and versions == [migrations.LATEST]
    assert new_id == 1
    assert "birth_date" in {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(member)")}
