"""The blueprints, one per audience."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from werkzeug.routing import IntegerConverter


def role_required(*roles):
    """Only logged-in members of these roles may enter; others get 403."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


DB_INT_MAX = 2**31 - 1


def db_int(value):
    """A request value as an id or number the database can hold (1..2**31-1); ValueError otherwise."""
    number = int(value)
    if not 0 < number <= DB_INT_MAX:
        raise ValueError(value)
    return number


class BoundedIntConverter(IntegerConverter):
    """<int:…> in URLs, limited to what the database can hold (a larger one is a 404, not a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(url_map, *args, **kwargs)
