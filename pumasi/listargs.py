"""Query parameters of list pages: ids, dates, and a filter's own parameters for its links."""
from .db import db_int
from .hours import LogError, parse_date


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


def known_args(pairs):
    """Query parameters of a filter, only those set: what links to the same list carry on (its
    pages, its refresh). A filter builds them from what it understood, never from the request's
    own parameters, whose names would otherwise reach url_for (`endpoint`, `_external`, …)."""
    return {name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in pairs.items() if value not in (None, "")}
