"""Logging, configured once per process the same way for the web, the worker and the command line:
standard output (journald and containers read it) or a rotating file, every record through the RRN
mask (pumasi.ops.logmask). The web's one line per request is pumasi.web.requestlog."""
import logging.config

FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"

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
        "filters": {"rrn": {"()": "pumasi.ops.logmask.MaskFilter"}},
        "formatters": {"line": {"format": FORMAT}},
        "handlers": {"main": handler},
        "root": {"level": config["LOG_LEVEL"].upper(), "handlers": ["main"]},
        # RQ's three lines per job say less than the worker's own one (pumasi.jobs.tasks); its warnings
        # and errors (a failed job's traceback) still show.
        "loggers": {"rq.worker": {"level": "WARNING"}, "rq.job": {"level": "WARNING"},
                    "urllib3": {"level": "WARNING"}},
    })
