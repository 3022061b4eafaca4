"""The worker: an RQ worker (with its scheduler) that runs the jobs inside the app, and the sweeper.

`python worker.py` builds the app once, checks the RRN keys, starts the sweeper and works the queue;
when Redis goes away it waits for it and starts working again by itself. The jobs (pumasi.jobs.tasks)
use the app this worker holds and never build one. A plain RQ worker runs them with the class here,
`rq worker -w pumasi.worker.AppWorker --url … --with-scheduler pumasi`; it lacks the sweeper, which
`flask --app app linkage sweep` then provides (README).
"""
import logging
import math
import os
import signal
import sys
import threading
import time

from redis import RedisError
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.worker import WorkerStatus

from . import create_app
from .instance import private_umask
from .jobs.connection import connection, get_queue
from .jobs.sweeper import sweep_forever
from .identity.keycheck import KeyCheckError
from .startup import check_keys

log = logging.getLogger("pumasi.worker")

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_the_worker():
    """Make every process this worker forks (RQ's scheduler runs in one) get SIGTERM when the worker
    dies, even by SIGKILL: otherwise the scheduler lives on as an orphan, beating and holding the
    queue's scheduler lock. SIGTERM lets it stop as RQ stops it (the lock released). Linux only;
    elsewhere the unit's cgroup (KillMode) or the supervisor must do it."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    worker = os.getpid()

    def in_child():
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != worker:  # the worker died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    os.register_at_fork(after_in_child=in_child)


class AppWorker(SimpleWorker):
    """RQ's SimpleWorker (jobs run in its own process) working inside the app: the one given, or one
    built once when it starts working (so that `rq worker -w pumasi.worker.AppWorker` runs the jobs)."""

    def __init__(self, *args, app=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app

    def work(self, *args, **kwargs):
        if self.app is None:
            self.app = create_app()
        with self.app.app_context():
            return super().work(*args, **kwargs)


class Worker(AppWorker):
    """The worker of `python worker.py`: it remembers a stop signal even when Redis is gone as it
    comes (RQ's own handler writes to Redis, fails, and the signal would be lost: the worker waited
    for Redis until killed), and registers itself again with a Redis that came back empty."""

    # RQ retries a lost Redis after 1, 2, 4 … up to 60 seconds: a worker would stay idle up to a
    # minute after Redis is back. As _wait_for_redis: at most 5 seconds.
    max_connection_wait_time = 5.0

    def __init__(self, *args, stop, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop = stop

    def request_stop(self, signum, frame):
        self.stop.set()
        super().request_stop(signum, frame)

    def heartbeat(self, *args, **kwargs):
        # RQ's dequeue loop retries a lost Redis forever (a heartbeat first, each round), and the
        # StopRequested its signal handler raises can be swallowed on the way (seen: raised inside
        # one of its log calls, which logging catches). So each round looks at the flag too; a job
        # under way is left to finish (warm shutdown).
        if self.stop.is_set() and self.get_state() != WorkerStatus.BUSY:
            raise StopRequested()
        if not self.connection.exists(self.key):
            # Redis came back empty (restarted without persistence) while this worker rode the
            # outage out: without its registration nobody (/healthz, the operators' monitor, RQ's
            # Worker.all) would know it is there.
            log.warning("Redis lost this worker's registration: registering again")
            self.register_birth()
        return super().heartbeat(*args, **kwargs)


def _wait_for_redis(app, stop):
    """Block until Redis answers (or stop is set); True when it does."""
    delay = 0.2
    while not stop.is_set():
        try:
            connection(app).ping()
            return True
        except (RedisError, OSError):
            stop.wait(delay)
            delay = min(delay * 2, 5.0)
    return False


EX_CONFIG = 78  # sysexits.h: a configuration error (the unit file does not restart on it)


def _refuse(problem):
    print(f"worker not started: {problem}", file=sys.stderr, flush=True)
    sys.exit(EX_CONFIG)


def _keys_checked(app, stop):
    """Wait for the RRN key check that a database away at start postponed; False if it fails."""
    delay = 0.5
    while app.extensions.get("key_check_pending") and not stop.is_set():
        stop.wait(delay)
        delay = min(delay * 2, 10.0)
        try:
            check_keys(app)
        except KeyCheckError:
            return False
    return not app.extensions.get("key_check_error")


def _work(app, stop, burst):
    """Work the queue until stopped, or --burst found it empty; start again when Redis went away
    under the worker (its scheduler went with it) and is back."""
    # RQ's maintenance (which also takes over the scheduler lock of a dead worker, see
    # release_dead_scheduler) runs every sweep interval, not every 10 minutes; an idle worker
    # wakes up for it (RQ blocks on the queue for worker_ttl - 15 seconds).
    maintenance = max(int(math.ceil(app.config["LINK_SWEEP_INTERVAL"])), 1)
    while _wait_for_redis(app, stop):
        worker = Worker([get_queue(app)], connection=connection(app), app=app, stop=stop,
                        maintenance_interval=maintenance, worker_ttl=maintenance + 15)
        try:
            log.info("working queue %s (pid %d)", app.config["QUEUE_NAME"], os.getpid())
            # No logging_level: RQ keeps the level of pumasi.logs (its per-job lines say less than
            # the job's own one).
            worker.work(burst=burst, with_scheduler=True, logging_level=None)
            return  # stopped by a signal, or --burst found the queue empty
        except (RedisError, OSError) as exc:
            if stop.is_set():  # asked to stop, and Redis went away meanwhile
                return
            log.warning("Redis unreachable (%s): waiting for it, then working again", exc)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            time.sleep(0.5)


def main(argv):
    """Work the linkage queue until stopped (or until empty with --burst)."""
    private_umask()
    try:
        app = create_app()
    except KeyCheckError as exc:
        _refuse(exc)
    _die_with_the_worker()
    stop = threading.Event()
    if not _keys_checked(app, stop):
        _refuse(app.extensions["key_check_error"])
    threading.Thread(target=sweep_forever, args=(app, stop), daemon=True, name="sweeper").start()
    try:
        _work(app, stop, "--burst" in argv)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()


if __name__ == "__main__":
    main(sys.argv[1:])
