"""`flask check`: whether this instance is set up as production needs, one item per line, ok or failing.

Read by an operator after install and after every change of the environment file; the command exits
non-zero when an item fails.
"""
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis
from peewee import DatabaseError, InterfaceError, SqliteDatabase

from sim1365 import settings as simulator

from .. import migrations
from ..clock import today_kst
from ..db import db
from ..identity import keycheck
from ..jobs.status import queue_report
from ..portal import adapter
from ..portal.endpoint import endpoint_problem, loopback_address
from ..startup import MIN_SECRET_BYTES
from . import access_check, rrn_check

# Connections kept free for the command line (`flask …`, a backup) beside the service's own.
COMMAND_CONNECTIONS = 2
# A worker's connections at most: the job's and the sweeper's.
WORKER_CONNECTIONS = 2


@dataclass
class Item:
    """One checked item: its name, whether it holds, and a line that says what was found."""

    name: str
    ok: bool
    detail: str


def _environment(config):
    if config["ENV"] == "production":
        return Item("environment", True, "PUMASI_ENV=production")
    return Item("environment", False, f"PUMASI_ENV is {config['ENV']!r}: set production (it enforces the "
                                      "secret key's length and makes cookies Secure by default)")


def _secret_key(config):
    secret = (config.get("SECRET_KEY") or "").encode("utf-8")
    if not secret:
        return Item("secret key", False, "PUMASI_SECRET_KEY is not set")
    if len(secret) < MIN_SECRET_BYTES:
        return Item("secret key", False, f"PUMASI_SECRET_KEY has {len(secret)} bytes, at least "
                                         f"{MIN_SECRET_BYTES} needed (python -c 'import secrets; "
                                         "print(secrets.token_hex(32))')")
    return Item("secret key", True, f"{len(secret)} bytes")


def _rrn_keys(app):
    problem = app.extensions.get("key_check_error")
    if "rrn_vault" not in app.extensions:
        return Item("RRN keys", False, "PUMASI_RRN_KEYS is not set or malformed")
    if problem is None:
        try:
            with db.connection_context():
                outcome = keycheck.verify(app.extensions["rrn_vault"])
        except keycheck.KeyCheckError as exc:
            problem = str(exc)
        except (DatabaseError, InterfaceError) as exc:
            return Item("RRN keys", False, f"not checked: the database is unreachable ({type(exc).__name__})")
        else:
            if outcome == "no schema":
                return Item("RRN keys", False, "not checked: no schema yet (run flask --app app init-db)")
            return Item("RRN keys", True, "PUMASI_RRN_KEYS open the database's key check value")
    return Item("RRN keys", False, problem)


def _cookies(config):
    if config["SESSION_COOKIE_SECURE"]:
        return Item("cookies", True, "Secure (sent over HTTPS only)")
    return Item("cookies", False, "not Secure: set PUMASI_COOKIE_SECURE=1 (or PUMASI_ENV=production) "
                                  "behind TLS")


def _proxies(config):
    count = int(config.get("PROXIES") or 0)
    if count >= 1:
        return Item("proxies", True, f"PUMASI_PROXIES={count}: the client's address comes from "
                                     "X-Forwarded-For")
    return Item("proxies", False, "PUMASI_PROXIES is 0: behind nginx set 1, or every client has "
                                  "nginx's address (one log-in budget for everyone)")


def _redis(config):
    url = config.get("REDIS_URL")
    if not url:
        return Item("Redis", False, "REDIS_URL is not set (the embedded Redis is for make run)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except (redis.RedisError, OSError) as exc:
        return Item("Redis", False, f"{_host(url)} does not answer: {exc}")
    return Item("Redis", True, f"{_host(url)} answers")


def _host(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path if parts.scheme == 'unix' else ''}"


def _endpoint(config):
    url = config["PORTAL_URL"]
    problem = endpoint_problem(url)
    if problem:
        return Item("1365 endpoint", False, f"PUMASI_1365_URL {problem}")
    parts = urlsplit(url)
    if parts.scheme == "http" and loopback_address(parts.hostname):
        return Item("1365 endpoint", True, f"{_host(url)}: the local simulator (loopback), not the real 1365")
    return Item("1365 endpoint", True, f"{_host(url)} over https")


def _api_key(config):
    key = config.get("PORTAL_API_KEY") or ""
    if not key or not key.isprintable():
        return Item("1365 API key", False, "PUMASI_1365_API_KEY must be set, without control characters")
    if key == simulator.API_KEY:
        return Item("1365 API key", True, f"the simulator's key ({simulator.API_KEY})")
    return Item("1365 API key", True, "set")


def _portal_answers(config):
    try:
        ok, detail = adapter.load(config).health()
    except ValueError as exc:  # the adapter cannot be loaded
        return Item("1365 answers", False, f"PUMASI_1365_ADAPTER: {exc}")
    return Item("1365 answers", bool(ok), f"{_host(config['PORTAL_URL'])}: {detail}")


def _database():
    try:
        with db.connection_context():
            version = migrations.current_version()
            kind = "SQLite" if isinstance(db.obj, SqliteDatabase) else \
                "PostgreSQL " + db.execute_sql("SHOW server_version").fetchone()[0].split()[0]
    except (DatabaseError, InterfaceError) as exc:
        return Item("database", False, f"unreachable: {str(exc).strip()[:200]}")
    if version != migrations.LATEST:
        return Item("database", False, f"{kind}, schema {version} of {migrations.LATEST}: run flask --app app init-db")
    return Item("database", True, f"{kind}, schema {version}")


def _connections(config, web_processes, web_threads, workers):
    pool = config["DB_POOL_SIZE"]
    items = []
    if pool < web_threads:
        items.append(Item("connection pool", False, f"PUMASI_DB_POOL_SIZE={pool} is below PUMASI_WEB_THREADS="
                                                    f"{web_threads}: a request would wait for a connection"))
    else:
        items.append(Item("connection pool", True, f"{pool} per process, for {web_threads} threads"))
    # What the pools let the service open at most: each process up to its pool (a web process never
    # needs more than its threads, a worker more than two), plus room for the command line.
    web = web_processes * min(pool, web_threads)
    work = workers * min(pool, WORKER_CONNECTIONS)
    need = web + work + COMMAND_CONNECTIONS
    sum_text = (f"{web_processes} web processes × {min(pool, web_threads)} + {workers} workers × "
                f"{min(pool, WORKER_CONNECTIONS)} + {COMMAND_CONNECTIONS} for commands = {need}")
    try:
        with db.connection_context():
            if isinstance(db.obj, SqliteDatabase):
                items.append(Item("connections", True, f"{sum_text}; SQLite has no connection limit"))
                return items
            limit = int(db.execute_sql("SHOW max_connections").fetchone()[0])
            reserved = int(db.execute_sql("SHOW superuser_reserved_connections").fetchone()[0])
            others = db.execute_sql("SELECT count(*) FROM pg_stat_activity WHERE datname IS DISTINCT FROM "
                                    "current_database() AND backend_type = 'client backend'").fetchone()[0]
    except (DatabaseError, InterfaceError) as exc:
        return items + [Item("connections", False, f"not checked: the database is unreachable ({type(exc).__name__})")]
    usable = limit - reserved
    line = f"{sum_text} of max_connections {limit} ({reserved} reserved for superusers"
    line += f", {others} in use by other databases now)" if others else ")"
    if need + others > usable:
        items.append(Item("connections", False, line + ": too many; lower PUMASI_WEB_PROCESSES, "
                                                      "PUMASI_DB_POOL_SIZE or raise max_connections"))
    else:
        items.append(Item("connections", True, line))
    return items


def _workers_seen(app, workers):
    report = queue_report(app)
    if not report["redis"]:
        return Item("workers", False, "not checked: Redis unreachable")
    seen = len(report["workers"])
    if seen > workers:
        return Item("workers", False, f"{seen} workers run on the queue, PUMASI_WORKERS says {workers}: "
                                      "the connection sum above counts too few")
    return Item("workers", True, f"{seen} running on the queue (PUMASI_WORKERS={workers})")


def run(app, web_processes=None, web_threads=None, workers=None):
    """Every item, in the order an operator fixes them."""
    config = app.config
    web_processes = web_processes if web_processes is not None else config["WEB_PROCESSES"]
    web_threads = web_threads if web_threads is not None else config["WEB_THREADS"]
    workers = workers if workers is not None else config["WORKERS"]
    items = [_environment(config), _secret_key(config), _database(), _rrn_keys(app), _cookies(config),
             _proxies(config), _redis(config)]
    if items[-1].ok:
        items.append(_workers_seen(app, workers))
    items += [_endpoint(config), _api_key(config)]
    if items[-2].ok and items[-1].ok:
        items.append(_portal_answers(config))
    items += _connections(config, web_processes, web_threads, workers)
    items += [Item(*item) for item in access_check.items(config, today_kst())]
    items.append(Item(*rrn_check.item()))
    return items
