"""Query parameters of list pages: ids and dates read, the filters of the operators' lists read from
them, and a filter's own parameters for its links (pages, refresh). Links are built from what a
filter understood, never from the request's own parameters, whose names would otherwise reach
url_for (`endpoint`, `_external`, …)."""
from dataclasses import asdict

from ..db import db_int
from ..linkage.state import FAILURE_CODES
from ..ops.access_list import AccessFilter
from ..ops.audit import AuditFilter
from ..ops.monitor import FailureFilter
from ..records.hours import LogError, parse_date

# A filter's fields as the query parameters that carry them (the same name where not listed).
PARAMETERS = {FailureFilter: {"site_id": "site"}, AuditFilter: {}, AccessFilter: {}}


def int_arg(args, name):
    """A query parameter as an id or number the database can hold, else None."""
    try:
        return db_int(args.get(name))
    except (TypeError, ValueError):
        return None


def date_args(args, *names):
    """Dates from query parameters: ({name: date or None}, {name: Korean error})."""
    dates, errors = {}, {}
    for name in names:
        text = (args.get(name) or "").strip()
        try:
            dates[name] = parse_date(text) if text else None
        except LogError as exc:
            dates[name], errors[name] = None, exc.message
    return dates, errors


def date_field_values(args, *names):
    """What type=date inputs show again: a real date as YYYY-MM-DD, else nothing (such an input can
    hold nothing else, and the message beside it says what was wrong with what was typed)."""
    dates, _ = date_args(args, *names)
    return {name: dates[name].isoformat() if dates[name] else "" for name in names}


def _text(args, name, length):
    return (args.get(name) or "").strip()[:length]


def failure_filter(args):
    """The failing-dates filter a query string asks for, and {parameter: Korean error}."""
    code = int_arg(args, "code")
    dates, errors = date_args(args, "date_from", "date_to")
    return FailureFilter(code=code if code in FAILURE_CODES else None, site_id=int_arg(args, "site"),
                         activity=_text(args, "activity", 100), volunteer=_text(args, "volunteer", 50),
                         **dates), errors


def audit_filter(args):
    """The audit-log filter a query string asks for, and {parameter: Korean error}."""
    dates, errors = date_args(args, "date_from", "date_to")
    return AuditFilter(action=_text(args, "action", 40), actor=_text(args, "actor", 40),
                       target_type=_text(args, "target_type", 30), target_id=int_arg(args, "target_id"),
                       **dates), errors


def access_filter(args):
    """The access-record filter a query string asks for, and {parameter: Korean error}."""
    dates, errors = date_args(args, "date_from", "date_to")
    return AccessFilter(account=_text(args, "account", 60), member=_text(args, "member", 40),
                        action=_text(args, "action", 10), **dates), errors


def filter_args(found):
    """A filter as the query parameters of its links: only those set."""
    names = PARAMETERS[type(found)]
    return {names.get(name, name): value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in asdict(found).items() if value not in (None, "")}
