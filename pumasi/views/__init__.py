"""The blueprints, one per audience."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from werkzeug.routing import IntegerConverter

from ..db import DB_INT_MAX, db_int  # noqa: F401 (views read ids from requests with db_int)


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


class BoundedIntConverter(IntegerConverter):
    """<int:…> in URLs, limited to what the database can hold (a larger one is a 404, not a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(url_map, *args, **kwargs)
