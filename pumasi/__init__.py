"""pumasi: links volunteers' activity records into Korea's 1365 volunteer portal."""
import logging
import os
import secrets
import stat
import sys

import peewee
from flask import Flask, abort, current_app, g, make_response, render_template, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect

from . import db as database
from . import compress, inputs, keycheck, logmask, logs, proxies, ratelimit, settings
from .identity import Vault
from .portal1365 import endpoint_problem

log = logging.getLogger(__name__)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MAX_BODY = 5 * 1024 * 1024  # bytes of one request: the largest CSV a site uploads

csrf = CSRFProtect()
login_manager = LoginManager()


def private_umask():
    """What this process and its children create is for this service's user alone (umask 077): the
    entry points (app.py for gunicorn and `flask`, worker.py) call it before the app exists, so that
    SQLite's -wal and -shm, the embedded Redis's socket and log and the simulator's store are 0600.
    Not create_app: a process that only builds an app (a test run) keeps its own umask."""
    os.umask(0o077)


def private_folder(path):
    """Make path a folder for this service's user alone: 0700, and nothing in it readable by others
    (the instance folder holds password hashes, sealed RRNs, phone numbers and the development keys;
    an older start may have left it open)."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    for entry in [path, *(os.path.join(path, name) for name in os.listdir(path))]:
        try:
            mode = os.lstat(entry).st_mode
            if not stat.S_ISLNK(mode) and mode & 0o077:
                os.chmod(entry, stat.S_IMODE(mode) & 0o700)
        except OSError as exc:  # not ours (or gone meanwhile): say so, do not stop the start
            log.warning("could not make %s private: %s", entry, exc)


MIN_SECRET_BYTES = 32


def start_problem(app, message, error=RuntimeError):
    """A setting the service must not run with: raise (web, worker), or under the `flask` command
    line note it, so that `flask check` can report it and every other command refuses with it."""
    if not _loaded_by_flask_cli():
        raise error(message)
    app.extensions.setdefault("start_problems", []).append(message)


def _explicit(test_config):
    """The environment variables that are set (or given by test_config under their keys)."""
    given = {s.env for s in settings.SETTINGS if os.environ.get(s.env) not in (None, "")}
    return given | {s.env for s in settings.SETTINGS if s.key in (test_config or {})}


def _instance_secret(app, name, make):
    """Read a development secret from instance/, creating it (mode 0600) the first time."""
    path = os.path.join(app.instance_path, name)
    if not os.path.exists(path):
        log.warning("%s is not set: generating a development value into %s", name.upper(), path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(make())
    with open(path) as f:
        return f.read().strip()


def _configure(app, test_config):
    """Settings from the environment (or test_config), with derived defaults filled in."""
    config = settings.from_environ()
    config.update(test_config or {})
    app.config.update(config)
    instance = app.instance_path
    app.config["DATABASE_URL"] = config["DATABASE_URL"] or f"sqlite:///{os.path.join(instance, 'pumasi.db')}"
    app.config["PORTAL_URL"] = config["PORTAL_URL"] or f"http://127.0.0.1:{config['SIM1365_PORT']}"
    # Web, worker and command line refuse to start with an endpoint the RRNs must not go to.
    problem = endpoint_problem(app.config["PORTAL_URL"])
    if problem:
        start_problem(app, f"PUMASI_1365_URL {problem}")
    if not (app.config["PORTAL_API_KEY"] or "").isprintable() or not app.config["PORTAL_API_KEY"]:
        start_problem(app, "PUMASI_1365_API_KEY must be set, without control characters")
    app.config["SIM1365_DB"] = config["SIM1365_DB"] or os.path.join(instance, "sim1365.db")
    production = config["ENV"] == "production"
    for key, name, make in (("SECRET_KEY", "secret_key", lambda: secrets.token_hex(32)),
                            ("RRN_KEYS", "rrn_keys", Vault.generate_key)):
        if not app.config[key]:
            if production:
                start_problem(app, f"PUMASI_{key} must be set in production")
            else:
                app.config[key] = _instance_secret(app, name, make)
    secret = (app.config["SECRET_KEY"] or "").encode("utf-8")
    if production and secret and len(secret) < MIN_SECRET_BYTES:
        start_problem(app, f"PUMASI_SECRET_KEY has {len(secret)} bytes; production needs at least "
                           f"{MIN_SECRET_BYTES} (make one: python -c 'import secrets; print(secrets.token_hex(32))')")
    if production and settings.SETTING_BY_KEY["SESSION_COOKIE_SECURE"].env not in _explicit(test_config):
        app.config["SESSION_COOKIE_SECURE"] = True  # production is served over TLS
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


HSTS = "max-age=31536000"


def _security_headers(response):
    if request.endpoint != "static":
        # Pages and fragments carry personal data, and every page a CSRF token tied to the session
        # (the log-in page too): no browser or proxy keeps a copy. Static files keep their caching.
        response.headers["Cache-Control"] = "no-store"
    if current_app.config["SESSION_COOKIE_SECURE"]:  # served over TLS: browsers keep to HTTPS
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


# Every error a person can meet, in Korean: (status, title, what to do).
ERRORS = {
    CSRFError: (400, "요청이 만료되었습니다", "페이지를 새로 고친 뒤 다시 시도해 주세요."),
    400: (400, "잘못된 요청입니다", "입력한 내용을 확인해 주세요."),
    403: (403, "접근 권한이 없습니다", "이 페이지를 볼 수 있는 권한이 없습니다."),
    404: (404, "페이지를 찾을 수 없습니다", "주소를 확인해 주세요."),
    405: (405, "허용되지 않는 요청입니다", "주소를 확인해 주세요."),
    409: (409, "처리할 수 없는 요청입니다", "대상의 현재 상태에서는 할 수 없는 작업입니다."),
    429: (429, "요청이 너무 많습니다", "잠시 후 다시 시도해 주세요."),
    503: (503, "일시적으로 처리할 수 없습니다", "지금은 요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."),
    500: (500, "일시적인 오류가 발생했습니다", "잠시 후 다시 시도해 주세요. 계속되면 기술지원으로 문의해 주세요."),
}


DISCARD_AT_MOST = 2 * MAX_BODY  # nginx lets through at most 6 MB (deploy/nginx/pumasi.conf)


def _discard_unread_body():
    """Read and drop what is left of a refused request's body, up to DISCARD_AT_MOST bytes.

    werkzeug refuses an overlong body without reading it; gunicorn then closes the connection with
    the body still unread, the kernel answers the proxy's remaining bytes with a reset, and nginx,
    still sending, turns the Korean 413 into a 502 (seen in 2 of 7 loaded runs of test_proxy).
    """
    stream, left = request.environ.get("wsgi.input"), DISCARD_AT_MOST
    if stream is None:
        return
    try:
        while left > 0 and stream.read(min(left, 65536)):
            left -= 65536
    except (OSError, ValueError):  # the client went away: nothing left to answer
        pass


def _error_pages(app):
    def page(status, title, message):
        from .htmx import is_fragment_request, modal
        if is_fragment_request():  # a notice in the modal, not a whole page inside a fragment
            return modal("_notice_modal.html", status=status, title=title, message=message)
        return render_template("error.html", status=status, title=title, message=message), status

    for error, (status, title, message) in ERRORS.items():
        app.register_error_handler(error, lambda exc, s=status, t=title, m=message: page(s, t, m))

    from .views import BadInput

    @app.errorhandler(BadInput)
    def bad_input(exc):
        return page(422, "입력할 수 없는 문자가 있습니다", f"'{inputs.label(exc.field)}'에 {inputs.CONTROL_MESSAGE}")

    @app.errorhandler(413)
    def too_large(exc):
        _discard_unread_body()
        # Only a body over MAX_BODY, or a multipart form of more parts than werkzeug allows, gets
        # here (a long text field reaches its form, see MAX_FORM_MEMORY_SIZE). Browsers send files
        # as multipart and text forms urlencoded: which one it was tells a file from a text.
        if request.content_length is not None and request.content_length <= MAX_BODY:
            return page(413, "입력 항목이 너무 많습니다", "한 번에 보낼 수 있는 항목 수를 넘었습니다. 나누어 다시 시도해 주세요.")
        if request.mimetype == "multipart/form-data":
            return page(413, "파일이 너무 큽니다", "5MB 이하의 파일만 올릴 수 있습니다.")
        return page(413, "입력한 내용이 너무 깁니다",
                    "입력한 글이 너무 길어 받을 수 없습니다 (모두 합쳐 5MB까지). 내용을 줄여 다시 시도해 주세요.")

    @app.errorhandler(peewee.IntegrityError)
    def already_saved(exc):
        # A unique key met by two requests at once that no form turned into its own message (the
        # forms do: 아이디, 활동처 이름, a volunteer already in an activity): nothing was saved.
        log.warning("integrity error (%s): %s", type(exc).__name__, str(exc).splitlines()[0][:200])
        return page(409, "이미 처리된 요청입니다", "같은 내용이 방금 저장되었습니다. 화면을 새로 고쳐 확인해 주세요.")

    @app.errorhandler(peewee.OperationalError)
    @app.errorhandler(peewee.InterfaceError)
    def database_unavailable(exc):
        # Locked (SQLite) or unreachable for a moment: the transaction rolled back, nothing was
        # saved half. The page must not need the database itself: loading the member would.
        log.warning("database unavailable (%s): %s", type(exc).__name__, str(exc)[:200])
        if "_login_user" not in g:
            g._login_user = login_manager.anonymous_user()
        response = make_response(page(503, "일시적으로 처리할 수 없습니다",
                                       "지금은 요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."))
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response



def _without_server_header():
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


def _loaded_by_flask_cli():
    """Whether the `flask` command line is loading the app (its commands then refuse, see cli.py)."""
    import click
    from flask.cli import FlaskGroup
    context = click.get_current_context(silent=True)
    return context is not None and isinstance(context.find_root().command, FlaskGroup)


def check_keys(app):
    """Refuse to start when PUMASI_RRN_KEYS cannot open the database's key check value.

    The web (gunicorn) and the worker stop here with the message. Under the `flask` command line the
    app loads, and every command but `check`, `backup` and `restore` refuses instead (pumasi/cli.py).
    A database unreachable at start is checked at the first request (web) or before working (worker).
    """
    try:
        with database.db.connection_context():
            keycheck.verify(app.extensions["rrn_vault"])
        app.extensions.pop("key_check_pending", None)
    except keycheck.KeyCheckError as exc:
        app.extensions["key_check_error"] = str(exc)
        if not _loaded_by_flask_cli():  # (the command line says it as its error)
            log.critical("%s", exc)
        start_problem(app, str(exc), keycheck.KeyCheckError)
    except (peewee.OperationalError, peewee.InterfaceError) as exc:
        log.warning("database unreachable at start (%s): the RRN key check waits for it", str(exc)[:200])
        app.extensions["key_check_pending"] = True


def _fit_to_serve(app):
    """Before each request: none is served under settings the service must not run with (`flask run`
    with a start problem, or RRN keys whose check waited for a database away at start)."""
    if app.extensions.get("key_check_pending"):
        try:
            check_keys(app)
        except keycheck.KeyCheckError:
            pass
    if app.extensions.get("key_check_error") or app.extensions.get("start_problems"):
        abort(503)


def create_app(test_config=None):
    """Build the web app: settings, database, log-in, CSRF, blueprints, CLI."""
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("PUMASI_INSTANCE_PATH") \
        or os.path.join(ROOT, "instance")
    logmask.install()
    app = Flask(__name__, instance_path=os.path.abspath(instance),
                template_folder=os.path.join(ROOT, "templates"), static_folder=os.path.join(ROOT, "static"))
    private_folder(app.instance_path)
    _configure(app, test_config)
    if not app.testing:  # tests keep pytest's own log capture
        logs.configure(app.config)

    logs.init_app(app)
    database.init_app(app)
    try:
        if app.config["RRN_KEYS"]:
            app.extensions["rrn_vault"] = Vault.from_setting(app.config["RRN_KEYS"])
    except ValueError as exc:
        start_problem(app, f"PUMASI_RRN_KEYS: {exc}")
    if "rrn_vault" in app.extensions:
        check_keys(app)
    app.before_request(lambda: _fit_to_serve(app))
    csrf.init_app(app)
    ratelimit.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "로그인이 필요합니다."

    from .models import Member

    @login_manager.user_loader
    def load_user(user_id):
        """The member of a session cookie, if it is still theirs (same session version) and active."""
        member_id, _, version = user_id.partition(":")
        if not (member_id.isdigit() and version.isdigit()):
            return None
        # By SQL: this runs on every request, and building the statement through the ORM cost
        # twice what the query does (docs/BENCHMARKS.md). Whether notifications wait to be shown
        # comes along (an index probe), so that pages need not ask for them when none do.
        found = list(Member.raw(
            "SELECT m.*, EXISTS (SELECT 1 FROM notification n WHERE n.member_id = m.id AND n.read_at IS NULL) "
            f"AS has_unread_notices FROM member m WHERE m.id = {database.db.param}", int(member_id)))
        if not found or not found[0].is_active or found[0].session_version != int(version):
            return None
        return found[0]

    from .views import BoundedIntConverter, account, admin, auth, health, help, mypage, refuse_bad_input, site
    app.url_map.converters["int"] = BoundedIntConverter
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(mypage.bp)
    app.register_blueprint(help.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(site.bp)
    app.register_blueprint(health.bp)
    app.before_request(refuse_bad_input)

    from . import cli
    cli.init_app(app)

    from .templating import init_app as init_templating
    init_templating(app)
    app.after_request(_security_headers)
    _without_server_header()
    compress.init_app(app)
    _error_pages(app)
    proxies.init_app(app)  # last: the outermost layer of the WSGI app
    return app
