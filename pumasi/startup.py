"""What a process refuses to start with: settings the service must not run with (an endpoint the RRNs
must not go to, a missing or short key in production, an adapter that cannot be loaded) and RRN keys
that cannot open the database's key check value.

The web (gunicorn) and the worker stop with the message. Under the `flask` command line the app loads
and every command but `check`, `backup` and `restore` refuses instead (pumasi.cli), so that
`flask check` can report it. A database unreachable at start is checked at the first request (web)
or before working (worker).
"""
import logging
import secrets

import click
import peewee
from flask import abort
from flask.cli import FlaskGroup

from . import settings
from .db import db
from .identity import keycheck
from .identity.vault import Vault
from .instance import development_secret
from .portal.adapter import adapter_class
from .portal.endpoint import endpoint_problem

log = logging.getLogger(__name__)

MIN_SECRET_BYTES = 32


def loaded_by_flask_cli():
    """Whether the `flask` command line is loading the app (its commands then refuse, see cli)."""
    context = click.get_current_context(silent=True)
    return context is not None and isinstance(context.find_root().command, FlaskGroup)


def start_problem(app, message, error=RuntimeError):
    """A setting the service must not run with: raise (web, worker), or under the `flask` command
    line note it, so that `flask check` can report it and every other command refuses with it."""
    if not loaded_by_flask_cli():
        raise error(message)
    app.extensions.setdefault("start_problems", []).append(message)


def _portal_problems(config):
    problem = endpoint_problem(config["PORTAL_URL"])
    if problem:
        yield f"PUMASI_1365_URL {problem}"
    if not (config["PORTAL_API_KEY"] or "").isprintable() or not config["PORTAL_API_KEY"]:
        yield "PUMASI_1365_API_KEY must be set, without control characters"
    try:
        adapter_class(config["PORTAL_ADAPTER"])
    except ValueError as exc:
        yield f"PUMASI_1365_ADAPTER: {exc}"


def _secrets(app, production):
    """The session key and the RRN keys: from the environment, else (development only) generated
    into the instance folder."""
    for key, name, make in (("SECRET_KEY", "secret_key", lambda: secrets.token_hex(32)),
                            ("RRN_KEYS", "rrn_keys", Vault.generate_key)):
        if app.config[key]:
            continue
        if production:
            start_problem(app, f"PUMASI_{key} must be set in production")
        else:
            app.config[key] = development_secret(app.instance_path, name, make)
    secret = (app.config["SECRET_KEY"] or "").encode("utf-8")
    if production and secret and len(secret) < MIN_SECRET_BYTES:
        start_problem(app, f"PUMASI_SECRET_KEY has {len(secret)} bytes; production needs at least "
                           f"{MIN_SECRET_BYTES} (make one: python -c 'import secrets; print(secrets.token_hex(32))')")


def check_settings(app, test_config):
    """Refuse (or note) settings the service must not run with; fill in the development secrets,
    and in production send cookies only over TLS unless PUMASI_COOKIE_SECURE says otherwise."""
    for problem in _portal_problems(app.config):
        start_problem(app, problem)
    production = app.config["ENV"] == "production"
    _secrets(app, production)
    if production and settings.SETTING_BY_KEY["SESSION_COOKIE_SECURE"].env not in settings.explicitly_set(test_config):
        app.config["SESSION_COOKIE_SECURE"] = True  # production is served over TLS


def open_vault(app):
    """The RRN vault of PUMASI_RRN_KEYS (app.extensions["rrn_vault"]), its keys checked."""
    try:
        if app.config["RRN_KEYS"]:
            app.extensions["rrn_vault"] = Vault.from_setting(app.config["RRN_KEYS"])
    except ValueError as exc:
        start_problem(app, f"PUMASI_RRN_KEYS: {exc}")
    if "rrn_vault" in app.extensions:
        check_keys(app)


def check_keys(app):
    """Refuse to start when PUMASI_RRN_KEYS cannot open the database's key check value."""
    try:
        with db.connection_context():
            keycheck.verify(app.extensions["rrn_vault"])
        app.extensions.pop("key_check_pending", None)
    except keycheck.KeyCheckError as exc:
        app.extensions["key_check_error"] = str(exc)
        if not loaded_by_flask_cli():  # (the command line says it as its error)
            log.critical("%s", exc)
        start_problem(app, str(exc), keycheck.KeyCheckError)
    except (peewee.OperationalError, peewee.InterfaceError) as exc:
        log.warning("database unreachable at start (%s): the RRN key check waits for it", str(exc)[:200])
        app.extensions["key_check_pending"] = True


def fit_to_serve(app):
    """Before each request: none is served under settings the service must not run with (`flask run`
    with a start problem, or RRN keys whose check waited for a database away at start)."""
    if app.extensions.get("key_check_pending"):
        try:
            check_keys(app)
        except keycheck.KeyCheckError:
            pass
    if app.extensions.get("key_check_error") or app.extensions.get("start_problems"):
        abort(503)
