"""The worker: the app's context around an RQ worker (with scheduler) and the stall sweeper.

Run `python worker.py` (or `python worker.py --burst`). A plain `rq worker --url … pumasi` also
runs the jobs; it only lacks the sweeper, which `flask --app app linkage sweep` then provides.
"""
import math
import sys
import threading

from rq import SimpleWorker

from pumasi import create_app
from pumasi.jobs import sweep_forever
from pumasi.queue import connection, get_queue


def main(argv):
    """Work the linkage queue until stopped (or until empty with --burst)."""
    app = create_app()
    stop = threading.Event()
    threading.Thread(target=sweep_forever, args=(app, stop), daemon=True, name="sweeper").start()
    with app.app_context():
        # RQ's maintenance (which also takes over the scheduler lock of a dead worker, see
        # release_dead_scheduler) runs every sweep interval, not every 10 minutes; an idle worker
        # wakes up for it (RQ blocks on the queue for worker_ttl - 15 seconds).
        maintenance = max(int(math.ceil(app.config["LINK_SWEEP_INTERVAL"])), 1)
        worker = SimpleWorker([get_queue(app)], connection=connection(app),
                              maintenance_interval=maintenance, worker_ttl=maintenance + 15)
        try:
            worker.work(burst="--burst" in argv, with_scheduler=True, logging_level="INFO")
        finally:
            stop.set()


if __name__ == "__main__":
    main(sys.argv[1:])
