"""Deleting a stored 주민등록번호 so that it does not stay behind in the database files.

Every place that deletes an identity (본인인증 초기화, 탈퇴, a new 본인인증 replacing an old one) goes
through `transaction()`: the row's token is overwritten, then the row deleted; once the
transaction has committed, the files are scrubbed. SQLite runs with secure_delete (freed space is
zeroed, pumasi/db.py) and its write-ahead log is checkpointed and truncated, so no copy of the page
remains in pumasi.db or its -wal. PostgreSQL keeps old row versions (MVCC) until a vacuum, and a plain
vacuum leaves their bytes in the page's free space: the identity table is rewritten (VACUUM FULL, a
small table) so that its files no longer hold the token. What still remains there (WAL segments,
backups) is told in the README.
"""
import contextlib
import logging

from peewee import DatabaseError, SqliteDatabase

from ..db import db, locked_transaction
from ..models import Identity

log = logging.getLogger(__name__)

LOCK_TIMEOUT = "5s"  # the rewrite waits this long for the identity table, then leaves it to the next one


def _erase(condition):
    Identity.update(rrn_token="", rrn_masked="").where(condition).execute()
    return Identity.delete().where(condition).execute()


def scrub():
    """After the deleting transaction has committed: make the database files let go of the old pages."""
    if db.in_transaction():
        log.warning("identity erased inside an outer transaction: the database files are scrubbed later")
        return
    try:
        if isinstance(db.obj, SqliteDatabase):
            busy, _, _ = db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                log.warning("the write-ahead log could not be truncated now (a reader); the next erasure does it")
        else:
            db.execute_sql(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            try:
                db.execute_sql("VACUUM FULL identity")
            finally:
                db.execute_sql("RESET lock_timeout")
    except DatabaseError as exc:
        # The deletion itself has committed; only the scrubbing waits for the next erasure.
        log.warning("could not scrub the identity table after an erasure: %s", str(exc)[:200])


@contextlib.contextmanager
def transaction():
    """A transaction that yields erase(condition): overwrite, then delete, the identities matching
    condition (returns how many). Once it has committed, the files are scrubbed if any was erased."""
    erased = 0

    def erase(condition):
        nonlocal erased
        count = _erase(condition)
        erased += count
        return count

    with locked_transaction():  # a write from the start (SQLite: no deferred lock to upgrade)
        yield erase
    if erased:
        scrub()
