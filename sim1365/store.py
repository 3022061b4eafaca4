"""The simulator's store: one SQLite file, its tables, and the secret its RRN hashes are keyed with."""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import sqlite3
import sys
import threading

from sim1365 import settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, user_id TEXT NOT NULL UNIQUE, birth7 TEXT NOT NULL,
    rrn_hash TEXT NOT NULL, rrn_masked TEXT NOT NULL, consent INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS accounts_name_birth7 ON accounts (name, birth7);
CREATE TABLE IF NOT EXISTS submissions (
    ref TEXT PRIMARY KEY, account_id INTEGER, name TEXT, birth7 TEXT, site TEXT, activity TEXT,
    date TEXT, "start" TEXT, "end" TEXT, minutes INTEGER, code INTEGER, message TEXT,
    received_at REAL NOT NULL, release_at REAL NOT NULL, times_received INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS recorded (
    account_id INTEGER NOT NULL, site TEXT NOT NULL, date TEXT NOT NULL, "start" TEXT NOT NULL,
    "end" TEXT NOT NULL, ref TEXT NOT NULL, UNIQUE (account_id, site, date, "start", "end"));
CREATE TABLE IF NOT EXISTS faults (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
HASH_SCHEME = "hmac-sha256"

_ready: set[str] = set()
_ready_lock = threading.Lock()
_secrets: dict[tuple[str, str], bytes] = {}


class Store(sqlite3.Connection):
    """A connection to a store that holds the store's secret: the HMAC key of its RRN hashes."""

    secret = b""


def secret_path(path: str) -> str:
    """Where a store's secret is kept when PUMASI_SIM1365_SECRET does not give one: beside the store."""
    return path + ".secret"


def _generated_secret(path: str) -> bytes:
    """The secret in <store>.secret, generated once (mode 0600; created whole, so two processes
    starting at once read the same)."""
    key_path = secret_path(path)
    if not os.path.exists(key_path):
        temporary = f"{key_path}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(temporary, key_path)
        except FileExistsError:
            pass  # another process made it first: theirs is the one
        finally:
            os.unlink(temporary)
    with open(key_path, "rb") as f:
        value = f.read().strip()
    if not value:
        raise RuntimeError(f"the simulator's secret {key_path} is empty: delete it to have a new one made")
    return value


def _secret(path: str) -> bytes:
    """The store's HMAC key: PUMASI_SIM1365_SECRET, else one generated into <store>.secret."""
    configured = settings.environment(settings.SECRET_ENV) or ""
    if (path, configured) not in _secrets:
        _secrets[(path, configured)] = configured.encode() if configured else _generated_secret(path)
    return _secrets[(path, configured)]


def rrn_hash(conn, rrn: str) -> str:
    """The keyed hash of an RRN (HMAC-SHA256 under the store's secret): without the secret, the
    store's hashes cannot be tried against the 10^6 RRNs that share its first 7 digits."""
    return hmac.new(conn.secret, rrn.encode(), hashlib.sha256).hexdigest()


def _upgrade_hashes(conn) -> None:
    """A store made before keyed hashes kept salted SHA-256 of each RRN beside its first 7 digits:
    10^6 tries reverse one. Those cannot become keyed hashes (the store never held the RRNs), so
    they are erased, from the file too (secure_delete, a truncated WAL): those accounts answer 200
    until added again (add-account; `flask seed-demo` re-adds the demo's)."""
    if conn.execute("SELECT value FROM meta WHERE key = 'hash'").fetchone():
        return
    with transaction(conn):
        if conn.execute("SELECT value FROM meta WHERE key = 'hash'").fetchone():
            return
        erased = [row[0] for row in conn.execute("SELECT user_id FROM accounts WHERE rrn_hash != '' ORDER BY id")]
        conn.execute("UPDATE accounts SET rrn_hash = ''")
        conn.execute("DELETE FROM meta WHERE key = 'salt'")
        conn.execute("INSERT INTO meta (key, value) VALUES ('hash', ?)", (HASH_SCHEME,))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if erased:
        print(f"1365 simulator: unkeyed RRN hashes of {len(erased)} accounts erased; add them again "
              f"(add-account) to match: {', '.join(erased)}", file=sys.stderr)


def open_store(path: str | None = None) -> Store:
    """Open the store (creating its tables on first use); the caller closes the connection."""
    path = settings.store_path(path)
    fresh = path not in _ready or not os.path.exists(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, factory=Store)
    conn.secret = _secret(path)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA secure_delete = ON")  # replaced hashes leave no copy in the file's free pages
    if fresh:
        with _ready_lock:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA)
            _upgrade_hashes(conn)
            _ready.add(path)
    return conn


@contextlib.contextmanager
def connected(path):
    """Yield a fresh connection to the store and close it afterwards."""
    conn = open_store(path)
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def transaction(conn):
    """Run a block inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
