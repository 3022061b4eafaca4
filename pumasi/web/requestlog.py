"""One log line per web request: method, route, status, time, member, client address."""
import logging
import time

from flask import g, request

from .proxies import client_address

log = logging.getLogger("pumasi.request")


def _started():
    g._request_started = time.perf_counter()


def _request_line(response):
    """Method, route (the URL rule, never the path with its ids, nor the query string or form),
    status, milliseconds, member id and client address. A monitor's healthy /healthz is left out:
    every 10 seconds it would be most of the log."""
    if request.endpoint == "health.healthz" and response.status_code == 200:
        return response
    started = g.get("_request_started")
    elapsed = (time.perf_counter() - started) * 1000 if started is not None else -1
    user = g.get("_login_user")  # only if the request loaded it: no query for the log's sake
    member = user.id if user is not None and user.is_authenticated else "-"
    route = request.url_rule.rule if request.url_rule is not None else "-"
    log.info("%s %s %d %.1fms member=%s ip=%s", request.method, route, response.status_code, elapsed,
             member, client_address() or "-")
    return response


def init_app(app):
    """Log one line per request (registered first, so the time includes the database connection)."""
    app.before_request(_started)
    app.after_request(_request_line)
