"""The peewee database: one deferred proxy, initialised from a URL by the app factory."""
import contextlib
import os
import re
import stat
import time

from peewee import DatabaseProxy, SqliteDatabase
from playhouse.db_url import connect, parse
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

db = DatabaseProxy()

DB_INT_MAX = 2**31 - 1  # the largest id or number an INTEGER column holds (both databases)
POOL_SIZE = 5  # connections per process at most unless DB_POOL_SIZE says otherwise (pumasi/settings.py)
# secure_delete: deleted rows are overwritten with zeros (a deleted 주민등록번호 must not stay in the
# file, see pumasi/erasure.py).
SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10000, "synchronous": "normal",
                  "secure_delete": 1}


class PooledPostgres(PooledPostgresqlDatabase):
    """playhouse's pool, which checks every connection it hands out with a round trip (SELECT 1):
    here only one that has been idle for more than ALIVE_BYPASS seconds, as HikariCP does (its
    aliveBypassWindow). That round trip was one of the 활동내역 page's five statements. A connection
    used a moment ago is alive unless the server went away in that moment; then its first statement
    fails, the request gets the Korean 503 page, and the pool drops the connection (psycopg2 marks
    it closed)."""

    ALIVE_BYPASS = 1.0

    def __init__(self, *args, **kwargs):
        self._returned = {}  # connection key -> when it came back to the pool
        super().__init__(*args, **kwargs)

    def _close(self, conn, close_conn=False):
        self._returned[self.conn_key(conn)] = time.monotonic()
        super()._close(conn, close_conn)

    def _close_raw(self, conn):
        self._returned.pop(self.conn_key(conn), None)
        super()._close_raw(conn)

    def _is_closed(self, conn):
        returned = self._returned.get(self.conn_key(conn))
        if (returned is not None and time.monotonic() - returned < self.ALIVE_BYPASS and not conn.closed
                and self._adapter.txn_status(conn) == self._adapter.txn_idle):
            return False
        return super()._is_closed(conn)


def db_int(value):
    """A request value as an id or number the database can hold (1..2**31-1); ValueError otherwise."""
    number = int(value)
    if not 0 < number <= DB_INT_MAX:
        raise ValueError(value)
    return number


def _private_files(path):
    """The SQLite file readable by its owner only (SQLite gives its -wal and -shm the file's mode),
    created so before SQLite makes it, and tightened if an older start left it readable by others."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path, path + "-wal", path + "-shm"):
        try:
            mode = os.stat(name).st_mode
            if mode & 0o077:
                os.chmod(name, stat.S_IMODE(mode) & 0o700)
        except FileNotFoundError:
            pass


def unique_columns(exc):
    """The columns of the unique constraint an IntegrityError broke, e.g. {"username_key"} or
    {"activity_id", "volunteer_id"}; an empty set when it was another kind of integrity error.

    The same question on both databases: SQLite says "UNIQUE constraint failed: member.username_key",
    PostgreSQL "duplicate key value violates unique constraint …" with "Key (username_key)=(…)"."""
    text = " ".join(str(arg) for arg in (exc.args or ())) + " " + str(exc.__cause__ or "")
    sqlite = re.search(r"UNIQUE constraint failed: ([\w., ]+)", text)
    if sqlite:
        return {column.strip().split(".")[-1] for column in sqlite.group(1).split(",")}
    postgres = re.search(r"duplicate key value violates unique constraint.*?Key \(([^)]*)\)=", text, re.S)
    if postgres:
        return {column.strip().strip('"') for column in postgres.group(1).split(",")}
    return set()


def open_database(url, pool_size=POOL_SIZE):
    """Build a database from a URL (sqlite:///path or postgresql://…) and bind the proxy to it."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
            _private_files(path)
            # Pooled too: opening a connection and setting its pragmas took 0.26 ms of every request
            # (docs/BENCHMARKS.md). The pool hands a connection to one thread at a time, hence
            # check_same_thread=False; `timeout` is the pool's wait, busy_timeout the lock wait.
            database = PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, max_connections=pool_size,
                                            stale_timeout=300, timeout=10, check_same_thread=False)
        else:
            database = SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10)
    elif re.match(r"postgres(ql)?://", url):
        # Pooled: a new PostgreSQL connection per request costs more than the whole 활동내역 page
        # (docs/BENCHMARKS.md). close() at teardown returns the connection to the pool.
        database = PooledPostgres(**parse(re.sub(r"^postgres(ql)?://", "postgresql://", url)),
                                  max_connections=pool_size, stale_timeout=300, timeout=10)
    else:
        database = connect(url)
    db.initialize(database)
    return database


def init_app(app):
    """Bind the database to the app: one connection per request (a view marked connects_itself
    opens its own)."""
    from flask import request

    open_database(app.config["DATABASE_URL"], app.config["DB_POOL_SIZE"])

    @app.before_request
    def _connect():
        if not getattr(app.view_functions.get(request.endpoint), "connects_itself", False):
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


@contextlib.contextmanager
def exclusive_transaction(name):
    """A transaction that runs alone among those of the same name on PostgreSQL (the next one waits
    for it to end: an advisory lock on the name, held until the transaction ends). On SQLite a plain
    one: it reads without waiting, and a second writer fails on its first write ("database is
    locked", an OperationalError) instead of waiting; the caller takes that as a clash."""
    with db.atomic() as transaction:
        if not isinstance(db.obj, SqliteDatabase):
            db.execute_sql(f"SELECT pg_advisory_xact_lock(hashtext({db.param}))", (name,))
        yield transaction


def lock_rows(query):
    """The query with FOR UPDATE where the database has it (SQLite locks the whole database)."""
    return query if isinstance(db.obj, SqliteDatabase) else query.for_update()
