"""`flask check`'s items about the access records (접속기록): a chain key of their own, the chain
verifying and kept long enough, and last month's review signed off. Each is (name, ok, detail)."""
from peewee import DatabaseError, InterfaceError

from ..db import db
from ..models import AccessReview, Identity
from . import access
from .access_review import due, month_of

MIN_KEY_BYTES = 32


def _key(config):
    own = (config.get("ACCESS_RECORD_KEY") or "").encode("utf-8")
    if not own:
        return ("access record key", False, "PUMASI_ACCESS_RECORD_KEY is not set: the chain's key is derived from "
                "PUMASI_SECRET_KEY, and a new secret key would make `flask --app app audit verify` fail on every "
                f"older record; set one of its own ({MIN_KEY_BYTES}+ bytes) before the first record")
    if len(own) < MIN_KEY_BYTES:
        return ("access record key", False, f"PUMASI_ACCESS_RECORD_KEY has {len(own)} bytes, at least "
                                            f"{MIN_KEY_BYTES} needed")
    return ("access record key", True, f"{len(own)} bytes")


def _records(config):
    count, problems = access.verify()
    if problems:
        return ("access records", False, f"{len(problems)} problems in {count} records, the first: {problems[0]} "
                                         "(`flask --app app audit verify` lists them all)")
    years = config["ACCESS_RECORD_YEARS"]
    if years < access.MIN_YEARS and Identity.select().exists():
        return ("access records", False, f"PUMASI_ACCESS_RECORD_YEARS is {years}: RRNs are held, so at least "
                                         f"{access.MIN_YEARS}")
    return ("access records", True, f"{count} records verify; kept {years} years")


def _review(today):
    late = due(today)
    if late is not None:
        return ("access review", False, f"{late.key} is not signed off (운영관리 > 접속기록 점검; at least monthly)")
    last = month_of(today).previous()
    signed = AccessReview.get_or_none(AccessReview.month == last.key)
    if signed is None:
        return ("access review", True, "no access records before this month")
    return ("access review", True, f"{last.key} signed off by {signed.signed_by_name}")


def items(config, today):
    """The three items, or one failing item when the database cannot be read."""
    try:
        with db.connection_context():
            return [_key(config), _records(config), _review(today)]
    except (DatabaseError, InterfaceError) as exc:
        return [_key(config), ("access records", False, f"unreadable: {str(exc).strip()[:200]}")]
