"""The peewee database: one deferred proxy, initialised from a URL by the app factory."""
import os
import re

from peewee import DatabaseProxy, SqliteDatabase
from playhouse.db_url import connect

db = DatabaseProxy()

POOL_SIZE = 20  # PostgreSQL connections per process at most (threads of a web worker, a worker's jobs)
SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10000, "synchronous": "normal"}


def open_database(url):
    """Build a database from a URL (sqlite:///path or postgresql://…) and bind the proxy to it."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        database = SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10)
    elif re.match(r"postgres(ql)?://", url):
        # Pooled: a new PostgreSQL connection per request costs more than the whole 활동내역 page
        # (docs/BENCHMARKS.md). close() at teardown returns the connection to the pool.
        database = connect(re.sub(r"^postgres(ql)?://", "postgresql+pool://", url),
                           max_connections=POOL_SIZE, stale_timeout=300, timeout=10)
    else:
        database = connect(url)
    db.initialize(database)
    return database


def init_app(app):
    """Bind the database to the app: one connection per request."""
    open_database(app.config["DATABASE_URL"])

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()


def locked_transaction():
    """A transaction that takes the write lock at once on SQLite (so concurrent writers queue up
    instead of failing on upgrade), and a plain one elsewhere (rows are locked FOR UPDATE)."""
    if isinstance(db.obj, SqliteDatabase):
        return db.atomic(lock_type="IMMEDIATE")
    return db.atomic()


def lock_rows(query):
    """The query with FOR UPDATE where the database has it (SQLite locks the whole database)."""
    return query if isinstance(db.obj, SqliteDatabase) else query.for_update()
