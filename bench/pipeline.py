"""2. The linkage pipeline: dates from 연계신청 to a final state against the simulator (zero delay) with
RQ workers, beside the naive one-job-per-date baseline; 4. the workers' memory."""
import time
from datetime import timedelta

from peewee import fn
from redis import Redis
from rq import Queue, Worker

from pumasi.clock import utcnow
from pumasi.db import db
from pumasi.jobs.tasks import enqueue_request
from pumasi.linkage.requests import request_linkage
from pumasi.linkage.state import DateState
from pumasi.models import DailyLog, LinkAttempt, LinkRequest, Member, Participation

from . import naive
from .procs import PYTHON, children, peak_rss_mb, wait_http
from .profile import Recorder

OPEN = (DateState.UNSENT, DateState.PENDING)  # every other state is final (succeeded, failed)


def start_simulator(world, workers):
    """The 1365 simulator under gunicorn, answering at once (PUMASI_SIM1365_DELAY=0)."""
    from .procs import free_port
    port = free_port()
    process = world.processes.start(
        "sim1365", [PYTHON, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                    "--control-socket", f"{world.tmp}/sim.ctl", "sim1365.app:create_app()"], world.env())
    world.sim_url = f"http://127.0.0.1:{port}"
    wait_http(world.sim_url + "/api/v1/health", process)
    return process


def start_workers(world, name, count, queue, **env):
    """`python worker.py` processes on a queue; returns them once each has registered with Redis."""
    processes = [world.processes.start(f"{name}{n}", [PYTHON, "worker.py"], world.env(PUMASI_QUEUE=queue, **env))
                 for n in range(count)]
    conn = Redis.from_url(world.redis_url)
    deadline = time.monotonic() + 60
    while len(Worker.all(queue=Queue(queue, connection=conn))) < count:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a worker exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not register in 60 s")
        time.sleep(0.05)
    return processes


def _participations(ids):
    for start in range(0, len(ids), 500):
        yield from (Participation.select(Participation, Member).join(Member)
                    .where(Participation.id.in_(ids[start:start + 500])).order_by(Participation.id))


def _open_dates(ids):
    """How many dates of these participations are not final yet (few rows: link_state is indexed)."""
    low, high = min(ids), max(ids)
    if Participation.select().where(Participation.id.between(low, high)).count() == len(ids):
        # The participations were inserted together: their ids are one range.
        return (DailyLog.select().where(DailyLog.link_state.in_(OPEN),
                                        DailyLog.participation.between(low, high)).count())
    return sum(DailyLog.select().where(DailyLog.participation.in_(ids[start:start + 5000]),
                                       DailyLog.link_state.in_(OPEN)).count()
               for start in range(0, len(ids), 5000))


def _codes(ids):
    """{"state/code": dates} of these participations."""
    found = {}
    for start in range(0, len(ids), 5000):
        query = (DailyLog.select(DailyLog.link_state, DailyLog.result_code, fn.COUNT(DailyLog.id))
                 .where(DailyLog.participation.in_(ids[start:start + 5000]))
                 .group_by(DailyLog.link_state, DailyLog.result_code).tuples())
        for state, code, count in query:
            found[f"{state}/{code}"] = found.get(f"{state}/{code}", 0) + count
    return found


def _queued_attempts(request_ids):
    """How many of these requests' dates wait to be sent (progress before any date is final)."""
    low, high = min(request_ids), max(request_ids)
    return LinkAttempt.select().where(LinkAttempt.state == "queued", LinkAttempt.request.between(low, high)).count()


def wait_final(ids, request_ids, total, timeout, stall=120):
    """Seconds until every date is final (polled every 0.25 s); raises after timeout, or when
    neither a date settles nor a date is sent for `stall` seconds."""
    start = time.monotonic()
    last, last_change = None, start
    while True:
        progress = (_open_dates(ids), _queued_attempts(request_ids))
        now = time.monotonic()
        if progress[0] == 0:
            return now - start
        if progress != last:
            last, last_change = progress, now
        if now - start > timeout or now - last_change > stall:
            raise TimeoutError(f"{progress[0]} of {total} dates still open after {now - start:.0f} s")
        time.sleep(0.25)


def _issue(app, ids, enqueue):
    """연계신청 for each participation as the web does; returns (seconds, requests made, dates)."""
    made, dates = [], 0
    start = time.monotonic()
    with app.app_context(), db.connection_context():
        for participation in _participations(ids):
            request = request_linkage(participation, participation.volunteer)
            made.append(request.id)
            enqueue(request.id)
    seconds = time.monotonic() - start
    with app.app_context(), db.connection_context():
        for chunk in range(0, len(made), 5000):
            dates += LinkAttempt.select().where(LinkAttempt.request.in_(made[chunk:chunk + 5000])).count()
    return seconds, made, dates


def _rss(processes):
    return [peak_rss_mb(p.pid) for p in processes]


def _phase(world, app, name, queue, ids, enqueue, timeout, count, profile=False, **worker_env):
    """Issue the 연계신청s with no worker running, then start the workers and time them to the end."""
    issue_seconds, requests, dates = _issue(app, ids, enqueue)
    workers = start_workers(world, name, count, queue, **worker_env)
    recorder = Recorder(world.processes, world.tmp, name, [w.pid for w in workers]) if profile else None
    with app.app_context(), db.connection_context():
        try:
            seconds = wait_final(ids, requests, dates, timeout)
            error = None
        except TimeoutError as exc:
            seconds, error = None, str(exc)
        codes = _codes(ids)
    if recorder:
        recorder.stop()
        print(f"py-spy, {name} workers (share of samples with the function on the stack):\n{recorder.summary()}",
              flush=True)
    rss = _rss(workers)
    failed_jobs = Queue(queue, connection=Redis.from_url(world.redis_url)).failed_job_registry.count
    for process in workers:
        world.processes.stop(process)
    return {"requests": len(requests), "dates": dates, "issue_seconds": issue_seconds,
            "issue_dates_per_s": dates / issue_seconds if issue_seconds else None,
            "seconds": seconds, "dates_per_s": dates / seconds if seconds else None,
            "end_to_end_dates_per_s": dates / (seconds + issue_seconds) if seconds else None,
            "codes": codes, "failed_jobs": failed_jobs, "worker_rss_mb": rss, "error": error}


def run(world, pipe_ids, naive_ids, timeout, workers, sim_workers, profile=False):
    """The naive baseline first (a small sample), then the pipeline, on the same simulator."""
    sim = start_simulator(world, sim_workers)
    app = world.app()
    app.config["PORTAL_URL"] = world.sim_url
    naive_queue = Queue(world.queue + "-naive", connection=Redis.from_url(world.redis_url))

    def enqueue_naive(request_id):
        # Only the naive jobs take these requests up: the sweeper must not (it would send them the
        # pipeline's way), so they look checked far into the future.
        LinkRequest.update(next_check_at=utcnow() + timedelta(days=1)).where(LinkRequest.id == request_id).execute()
        for attempt in LinkAttempt.select(LinkAttempt.id).where(LinkAttempt.request == request_id):
            naive_queue.enqueue(naive.JOB, attempt.id, job_timeout=600, result_ttl=0, failure_ttl=86400)

    result = {"naive": _phase(world, app, "naive", naive_queue.name, naive_ids, enqueue_naive, timeout, workers, profile,
                              PUMASI_LINK_SWEEP_INTERVAL=3600)}
    result["pipeline"] = _phase(world, app, "worker", world.queue, pipe_ids,
                                lambda request_id: enqueue_request(app, request_id), timeout, workers,
                                profile)
    result["sim_rss_mb"] = [peak_rss_mb(pid) for pid in children(sim.pid)]
    world.processes.stop(sim)
    if result["naive"]["dates_per_s"] and result["pipeline"]["dates_per_s"]:
        result["ratio"] = result["pipeline"]["dates_per_s"] / result["naive"]["dates_per_s"]
    return result
