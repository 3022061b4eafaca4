"""The blueprints, one per audience."""
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user, login_required
from werkzeug.exceptions import UnprocessableEntity
from werkzeug.routing import IntegerConverter

from .. import inputs
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


class BadInput(UnprocessableEntity):
    """A request value holds a character no input may (inputs.problem); the field's name is kept."""

    def __init__(self, field):
        super().__init__(inputs.CONTROL_MESSAGE)
        self.field = field


def reports_bad_input(view):
    """Mark a view whose form says itself, next to the field, that a value holds a character no
    input may (its form checks every value with pumasi.inputs): refuse_bad_input leaves the values
    of that form to it (the body of a POST, the query of a GET). Everything else of the request
    (the query of a POST, parameter names, uploaded file names) is checked all the same."""
    view.reports_bad_input = True
    return view


def refuse_bad_input():
    """Before every request: a control character (or lone surrogate) in any query or form value, any
    parameter name or uploaded file name is refused with a Korean 422, before any of it reaches a
    query, unless the view's form reports it next to the field (reports_bad_input)."""
    left_to_form = None
    if getattr(current_app.view_functions.get(request.endpoint), "reports_bad_input", False):
        left_to_form = request.form if request.method == "POST" else request.args
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if inputs.name_problem(name) or (
                    values is not left_to_form and inputs.problem(value, name in inputs.MULTILINE)):
                raise BadInput(name)
    for name, upload in request.files.items(multi=True):
        if inputs.name_problem(name) or inputs.problem(upload.filename):
            raise BadInput(name)
