"""Backups of the database: SQLite through its online backup API, PostgreSQL through pg_dump and
pg_restore (custom format). Plain Python: the `flask backup` and `flask restore` commands call it.

A backup holds the 주민등록번호 sealed, never the RRN keys (PUMASI_RRN_KEYS): keep the two apart.
"""
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from urllib.parse import unquote, urlsplit, urlunsplit

from ..models import MODELS

PG_TOOLS_MISSING = ("{tool} not found on PATH: install the PostgreSQL client tools of the server's major "
                    "version (Debian: apt-get install postgresql-client), or put them on PATH")
LOCK_TIMEOUT = "10s"  # restore waits this long for tables a running web or worker holds, then gives up


class BackupError(Exception):
    """A backup or restore that could not be made; the message says why."""


def _kind(database_url):
    if database_url.startswith("sqlite:///"):
        return "sqlite", database_url[len("sqlite:///"):]
    if re.match(r"postgres(ql)?://", database_url):
        return "postgresql", database_url
    raise BackupError(f"backups are made of SQLite and PostgreSQL databases, not {database_url.split(':')[0]}")


def _private_file(path):
    """Create (or empty) path readable by its owner only: a backup is as secret as the database."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(path, 0o600)


def _check_sqlite(connection, what):
    if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        raise BackupError(f"{what} fails SQLite's integrity check")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" not in tables:
        raise BackupError(f"{what} is not a pumasi database (no schema_version table)")


def _sqlite_backup(path, target):
    if not os.path.exists(path):
        raise BackupError(f"no database at {path}")
    partial = target + ".partial"
    _private_file(partial)
    try:
        source = sqlite3.connect(path, timeout=30)
        copy = sqlite3.connect(partial)
        try:
            _check_sqlite(source, path)
            source.backup(copy)  # online: readers and writers go on meanwhile
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            _check_sqlite(copy, "the copy")
        finally:
            copy.close()
            source.close()
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _sqlite_restore(source_path, path):
    try:
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {source_path}: {exc}") from None
    try:
        try:
            _check_sqlite(source, source_path)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source_path} is not a SQLite database ({exc})") from None
        os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
        if not os.path.exists(path):
            _private_file(path)
        target = sqlite3.connect(path, timeout=30)
        try:
            source.backup(target)  # replaces every page of the target, in one transaction
            target.execute("PRAGMA journal_mode=WAL")
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            target.close()
    finally:
        source.close()


def _pg_connection(database_url):
    """(URL without its password, environment with PGPASSWORD): no password on a command line."""
    parts = urlsplit(re.sub(r"^postgres(ql)?://", "postgresql://", database_url))
    env = dict(os.environ)
    netloc = parts.netloc
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}@{host}"
    return urlunsplit(parts._replace(netloc=netloc)), env


def _tool(name):
    found = shutil.which(name)
    if found is None:
        raise BackupError(PG_TOOLS_MISSING.format(tool=name))
    return found


def _run(argv, env, what):
    result = subprocess.run(argv, env=env, capture_output=True)
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise BackupError(f"{what} failed (exit {result.returncode}): {detail}")
    return result


def _pg_check_archive(path, env):
    listing = _run([_tool("pg_restore"), "--list", path], env, f"reading {path}").stdout.decode("utf-8", "replace")
    if not re.search(r"TABLE DATA \S+ schema_version ", listing):
        raise BackupError(f"{path} is not a backup of a pumasi database (no schema_version table)")


def _pg_backup(database_url, target):
    url, env = _pg_connection(database_url)
    partial = target + ".partial"
    _private_file(partial)
    try:
        _run([_tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={url}"], env, "pg_dump")
        _pg_check_archive(partial, env)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _pg_restore(source_path, database_url):
    url, env = _pg_connection(database_url)
    _pg_check_archive(source_path, env)
    psql = _tool("psql")
    tables = ", ".join(f'"{model._meta.table_name}"' for model in MODELS)
    # The archive as SQL first (a damaged archive stops here, before anything changed), then psql runs
    # it after dropping today's tables, all in one transaction: a restore that fails half-way leaves
    # the database as it was.
    with tempfile.TemporaryDirectory(prefix="pumasi-restore-") as folder:  # 0700: the SQL holds sealed RRNs
        script = os.path.join(folder, "restore.sql")
        _private_file(script)
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              f"--file={script}", source_path], env, "pg_restore")
        _run([psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
              f"--dbname={url}", f"--command=SET lock_timeout = '{LOCK_TIMEOUT}'",
              f"--command=DROP TABLE IF EXISTS {tables} CASCADE", f"--file={script}"], env, "psql")


def backup(database_url, target):
    """Write a backup of the database to target (mode 0600); returns what kind it is."""
    kind, where = _kind(database_url)
    target = os.path.abspath(target)
    if kind == "sqlite":
        _sqlite_backup(where, target)
    else:
        _pg_backup(where, target)
    return kind


def restore(database_url, source):
    """Replace the whole database with a backup's content; returns what kind it is."""
    kind, where = _kind(database_url)
    if not os.path.isfile(source):
        raise BackupError(f"no backup file at {source}")
    if kind == "sqlite":
        _sqlite_restore(os.path.abspath(source), where)
    else:
        _pg_restore(os.path.abspath(source), where)
    return kind
