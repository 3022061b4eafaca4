"""An import whose job is gone (its worker SIGKILLed in the middle of a preview or a save, the job
failed, or lost with the queue) does not stay 확인 중/저장 중 for ever: the workers' sweep fails it with
a Korean message that 다시 시도 is safe, and 다시 시도 takes the lost step up again. A save killed
halfway, inside its transaction, left nothing (both databases, real worker processes)."""
import sqlite3
import time
from datetime import timedelta

import psycopg2
from markupsafe import escape
from rq.job import Job

import helpers
from helpers import child_env, ctx
from pumasi.clock import utcnow
from pumasi.jobs import imports as import_jobs
from pumasi.jobs import sweeper
from pumasi.jobs.connection import connection, get_queue
from pumasi.models import AuditLog, ImportRun, Member
from pumasi.transfer import runs

HEADER = "아이디,이름,생년월일,연락처,이메일,구분,활동처\r\n"
COUNT = 8000


def _file():
    """COUNT new members, and vol1 (already here: a duplicate, updated when saved)."""
    rows = [f"dead{n:05d},사람{n},,010-{n // 10000 + 1000:04d}-{n % 10000:04d},,,\r\n" for n in range(COUNT)]
    return (HEADER + "".join(rows) + "vol1,김민준바뀜,,,,,\r\n").encode("utf-8")


def _wait(condition, seconds, message):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, message
        time.sleep(0.02)
    return found


def _run(app, run_id):
    with ctx(app):
        return ImportRun.get_by_id(run_id)


def _queued(app):
    with ctx(app):
        run = runs.start("members", "a.csv", (HEADER + "kim01,김하늘,,,,,\r\n").encode("utf-8"), None)
        assert import_jobs.queue(app, "preview_import", run.id)
        return ImportRun.get_by_id(run.id)


def test_the_sweep_fails_a_run_whose_job_is_gone_and_only_that(app, demo):
    """Judged by RQ: a job still waiting is left alone, a run queued a moment ago too; one whose job
    failed or is no longer known is failed (file kept, 다시 시도 offered); a run that moved on is not."""
    waiting, lost, failed, young = (_queued(app) for _ in range(4))
    conn = connection(app)
    Job.fetch(lost.job_id, connection=conn).delete()
    job = Job.fetch(failed.job_id, connection=conn)
    get_queue(app).remove(job)
    job.set_status("failed")
    with ctx(app):
        old = utcnow() - timedelta(seconds=app.config["LINK_STALL_AFTER"] + 1)
        ImportRun.update(job_queued_at=old).where(ImportRun.id != young.id).execute()
        Job.fetch(young.job_id, connection=conn).delete()
    sweeper.sweep(app)
    states = {run.id: _run(app, run.id) for run in (waiting, lost, failed, young)}
    assert [states[r.id].state for r in (waiting, lost, failed, young)] == ["queued", "failed", "failed", "queued"]
    for run in (lost, failed):
        assert states[run.id].problem == runs.ABANDONED["preview_import"] and states[run.id].data is not None
        assert runs.retry_job(states[run.id], held=True) == "preview_import"
        assert runs.retry_job(states[run.id], held=False) is None  # its file gone: nothing to take up
    with ctx(app):  # an old failure of another kind is not retried
        assert runs.retry_job(ImportRun(state="failed", problem=runs.GONE_MESSAGE, job="save_import"), True) is None


def _kill_when(processes, worker, condition, message):
    _wait(condition, 60, message)
    processes.kill(worker)


def _held_lock(app):
    """A write lock the save needs once it has checked every line: vol1's row on PostgreSQL (the job
    writes the new members first, then waits on it), the whole database on SQLite. Returns
    (what the job waits in: the statements waiting, or True on SQLite, which cannot tell; release)."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        return lambda: True, lambda: (conn.execute("ROLLBACK"), conn.close())
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM member WHERE username = 'vol1' FOR UPDATE")

    def waiting():
        """The table locks on member of the backend waiting for this one's row lock."""
        with conn.cursor() as cur:
            cur.execute("SELECT l.mode FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
                        "WHERE a.datname = current_database() AND pg_backend_pid() = ANY(pg_blocking_pids(a.pid)) "
                        "AND l.granted AND l.relation = 'member'::regclass")
            return [row[0] for row in cur.fetchall()]
    return waiting, lambda: (conn.rollback(), conn.close())


def test_a_worker_killed_in_a_preview_or_a_save(app, demo, processes, client, auth):
    with ctx(app):
        before = Member.select().count()
        run = runs.start("members", "많은회원.csv", _file(), Member.get(Member.username == "admin"))
    env = child_env(app)
    first = processes.start("worker1", [helpers.python(), "worker.py"], env)
    assert import_jobs.queue(app, "preview_import", run.id)
    # Killed while it reads the file (확인 중).
    _kill_when(processes, first, lambda: _run(app, run.id).state == "previewing"
               and (import_jobs.progress_of(app, run.id) or (0, 0, 0))[1] < COUNT, "the preview never started")
    assert _run(app, run.id).state == "previewing"
    second = processes.start("worker2", [helpers.python(), "worker.py"], env)
    stopped = _wait(lambda: _run(app, run.id).state == "failed" and _run(app, run.id), 40, "the run stayed 확인 중")
    assert stopped.problem == runs.ABANDONED["preview_import"]
    auth.login("admin")
    page = client.get(f"/admin/import/runs/{run.id}").text
    assert str(escape(runs.ABANDONED["preview_import"])) in page and f"/admin/import/runs/{run.id}/retry" in page
    assert client.post(f"/admin/import/runs/{run.id}/retry").status_code == 303
    shown = _wait(lambda: _run(app, run.id).state == "previewed" and _run(app, run.id), 60, "다시 시도 did not preview")
    assert runs.read(shown)["counts"] == {"total": COUNT + 1, "bad": 0, "duplicate": 1, "create": COUNT}

    # Killed inside the save's transaction, held up by a lock once it has checked every line (taken
    # while it checks them: the POST itself writes the run).
    assert client.post(f"/admin/import/runs/{run.id}/save", data={"choice-all": "update"}).status_code == 303
    job_waits, release = _held_lock(app)
    try:
        _wait(lambda: (import_jobs.progress_of(app, run.id) or ())[:3] == ("저장", (COUNT + 1) // 2, COUNT + 1),
              60, "the save never reached its writes")
        waits = _wait(job_waits, 20, "the save does not wait on the lock")
        if waits is not True:  # PostgreSQL: the new members are written (uncommitted), vol1's update waits
            assert "RowExclusiveLock" in waits, waits
        else:
            time.sleep(0.5)  # SQLite: in its first write, waiting for the lock
        processes.kill(second)
    finally:
        release()
    assert _run(app, run.id).state == "saving"
    processes.start("worker3", [helpers.python(), "worker.py"], env)
    stopped = _wait(lambda: _run(app, run.id).state == "failed" and _run(app, run.id), 40, "the run stayed 저장 중")
    assert stopped.problem == runs.ABANDONED["save_import"]
    with ctx(app):  # nothing of it saved
        assert Member.select().count() == before and Member.get(Member.username == "vol1").name == "김민준"
        assert not AuditLog.select().where(AuditLog.action == "member.import").exists()
    assert str(escape(runs.ABANDONED["save_import"])) in client.get(f"/admin/import/runs/{run.id}").text
    assert client.post(f"/admin/import/runs/{run.id}/retry").status_code == 303
    saved = _wait(lambda: _run(app, run.id).state == "saved" and _run(app, run.id), 60, "다시 시도 did not save")
    assert runs.result(saved) == {"created": COUNT, "updated": 1, "skipped": 0}
    with ctx(app):
        assert Member.select().count() == before + COUNT and Member.get(Member.username == "vol1").name == "김민준바뀜"


def test_retry_while_the_job_still_waits_queues_no_second_one(app, demo, client, auth):
    """다시 시도 pressed while the run's job still waits in the queue: told so, no second job; once the
    job is gone (the queue lost it), 다시 시도 queues it again."""
    from pumasi.web.admin.imports import STILL_WORKING_MESSAGE
    run = _queued(app)
    auth.login("admin")
    answer = client.post(f"/admin/import/runs/{run.id}/retry", follow_redirects=True)
    assert str(escape(STILL_WORKING_MESSAGE)) in answer.text
    assert get_queue(app).count == 1 and _run(app, run.id).job_id == run.job_id
    Job.fetch(run.job_id, connection=connection(app)).delete()
    client.post(f"/admin/import/runs/{run.id}/retry")
    again = _run(app, run.id)
    assert get_queue(app).count == 1 and again.job_id != run.job_id and again.state == "queued"
