"""The app's Redis connection and its RQ queue."""
from datetime import timedelta

import redis
from rq import Queue

from .embedded import ensure_embedded

JOB_OPTIONS = {"job_timeout": 600, "result_ttl": 0, "failure_ttl": 86400}


def redis_url(app):
    """The Redis URL the app uses: REDIS_URL, or the embedded Redis."""
    return app.config["REDIS_URL"] or ensure_embedded(app.instance_path)


def connection(app, quick=False):
    """A Redis connection for this app (created once, on first use); quick: one that gives up after
    a second, for a health check that must not hang with a Redis that does."""
    name = "pumasi_redis_quick" if quick else "pumasi_redis"
    conn = app.extensions.get(name)
    if conn is None:
        connect, answer = (1, 1) if quick else (2, 5)
        conn = redis.Redis.from_url(redis_url(app), socket_connect_timeout=connect, socket_timeout=answer)
        app.extensions[name] = conn
    return conn


def get_queue(app):
    """The RQ queue that carries linkage jobs."""
    return Queue(app.config["QUEUE_NAME"], connection=connection(app))


def enqueue(app, function, argument=None, delay=None, job_id=None):
    """Queue one job (function: its dotted name) now, or after delay seconds (RQ's scheduler); job_id:
    the RQ id to give it (else RQ makes one)."""
    queue = get_queue(app)
    arguments = () if argument is None else (argument,)
    options = dict(JOB_OPTIONS, job_id=job_id) if job_id else JOB_OPTIONS
    if delay and delay > 0:
        queue.enqueue_in(timedelta(seconds=delay), function, *arguments, **options)
    else:
        queue.enqueue(function, *arguments, **options)
