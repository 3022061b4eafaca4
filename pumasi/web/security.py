"""The web's defences: CSRF tokens, ids in URLs bounded to what the database holds, no control
character in any request value (pumasi.inputs), session cookies and the request's size, and the
headers every response carries."""
import sys

from flask import current_app, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import UnprocessableEntity
from werkzeug.routing import IntegerConverter

from .. import inputs
from ..db import DB_INT_MAX
from ..identity.rrn import mask_in_text

csrf = CSRFProtect()

MAX_BODY = 5 * 1024 * 1024  # bytes of one request: the largest CSV a site uploads
HSTS = "max-age=31536000"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")


class BoundedIntConverter(IntegerConverter):
    """<int:…> in URLs, limited to what the database can hold (a larger one is a 404, not a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(url_map, *args, **kwargs)


class BadInput(UnprocessableEntity):
    """A request value holds what no input may (inputs.field_problem: a control character, an RRN in
    a field not for one); the field's name and the message are kept."""

    def __init__(self, field, message=inputs.CONTROL_MESSAGE):
        super().__init__(message)
        self.field, self.message = field, message


def reports_bad_input(view):
    """Mark a view whose form says itself, next to the field, that a value holds a character no
    input may (its form checks every value with pumasi.inputs): refuse_bad_input leaves the values
    of that form to it (the body of a POST, the query of a GET). Everything else of the request
    (the query of a POST, parameter names, uploaded file names) is checked all the same."""
    view.reports_bad_input = True
    return view


def refuse_bad_input():
    """Before every request: a control character (or lone surrogate) in any query or form value, any
    parameter name or uploaded file name, or an RRN in a value of a field not for one, is refused
    with a Korean 422, before any of it reaches a query, unless the view's form reports it next to
    the field (reports_bad_input). An RRN in an uploaded file's name (홍길동_YYMMDD-NNNNNNN.csv) is
    masked before any view reads it: whatever keeps or shows the name never has it."""
    left_to_form = None
    if getattr(current_app.view_functions.get(request.endpoint), "reports_bad_input", False):
        left_to_form = request.form if request.method == "POST" else request.args
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if inputs.name_problem(name):
                raise BadInput(name)
            message = inputs.field_problem(name, value) if values is not left_to_form else None
            if message:
                raise BadInput(name, message)
    for name, upload in request.files.items(multi=True):
        if inputs.name_problem(name) or inputs.problem(upload.filename):
            raise BadInput(name)
        if upload.filename:
            upload.filename = mask_in_text(upload.filename)


def security_headers(response):
    """Headers of every response: nothing personal kept by a cache, HSTS behind TLS, CSP and others."""
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        # Pages and fragments carry personal data, and every page a CSRF token tied to the session
        # (the log-in page too): no browser or proxy keeps a copy. Static files keep their caching;
        # 활동내역 says otherwise: the browser keeps it privately and asks again (pumasi.web.live), and
        # log-out clears the browser's cache of the site (Clear-Site-Data).
        response.headers["Cache-Control"] = "no-store"
    if current_app.config["SESSION_COOKIE_SECURE"]:  # served over TLS: browsers keep to HTTPS
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def without_server_header():
    """Under gunicorn, stop its `Server: gunicorn` header (it has no setting for it; its maintainers
    declined one, benoitc/gunicorn#825): every response class it makes writes its default headers
    through this subclass. Nothing happens outside gunicorn (the CLI, the worker, the tests)."""
    wsgi = sys.modules.get("gunicorn.http.wsgi")
    if wsgi is None or getattr(wsgi.Response, "without_server_header", False):
        return

    class Response(wsgi.Response):
        without_server_header = True

        def default_headers(self):
            return [line for line in super().default_headers() if not line.lower().startswith("server:")]

    wsgi.Response = Response


def cookies_and_limits(app):
    """Session cookies HttpOnly and SameSite=Lax (Secure as the settings say), and the request limits."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=app.config["SESSION_COOKIE_SECURE"],
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=MAX_BODY,
        # A text field of a multipart form may be as long as the whole body (werkzeug's default is
        # 500 kB): an overlong field then reaches its form, which says which field is too long,
        # instead of a 413 that cannot. A urlencoded body is read whole anyway, up to MAX_BODY.
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
    )
