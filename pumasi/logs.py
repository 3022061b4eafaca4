"""Logging, configured once per process the same way for the web, the worker and the command line:
standard output (journald and containers read it) or a rotating file, every record through the RRN
mask; and one line per web request."""
import logging
import logging.config
import time

from flask import g, request

from .proxies import client_address

FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"

log = logging.getLogger("pumasi.request")


_configured = []


def configure(config):
    """Send every record (the app's, RQ's, peewee's, …) through the RRN mask to standard output, or
    to LOG_FILE rotated at LOG_FILE_MB (several processes may write the same file: the handler
    locks it to write and to rotate). Once per process: a second app (a job's) changes nothing."""
    if _configured:
        return
    _configured.append(True)
    if config.get("LOG_FILE"):
        handler = {"class": "concurrent_log_handler.ConcurrentRotatingFileHandler",
                   "filename": config["LOG_FILE"], "maxBytes": int(config["LOG_FILE_MB"] * 1024 * 1024),
                   "backupCount": config["LOG_FILE_KEEP"], "encoding": "utf-8"}
    else:
        handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    handler.update(formatter="line", filters=["rrn"])
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"rrn": {"()": "pumasi.logmask.MaskFilter"}},
        "formatters": {"line": {"format": FORMAT}},
        "handlers": {"main": handler},
        "root": {"level": config["LOG_LEVEL"].upper(), "handlers": ["main"]},
        # RQ's three lines per job say less than the worker's own one (pumasi.jobs); its warnings
        # and errors (a failed job's traceback) still show.
        "loggers": {"rq.worker": {"level": "WARNING"}, "rq.job": {"level": "WARNING"},
                    "urllib3": {"level": "WARNING"}},
    })


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
