"""Two operators' imports saved at once (two tabs, two workers), each file making the same new
member: each checked its lines in its own transaction, found nobody, and wrote. On PostgreSQL the
second failed on the unique 아이디 (COPY's UniqueViolation), on SQLite on the write lock ("database is
locked"); the job died and its run stayed 저장 중 for good, its file held. On PostgreSQL saves now run
one after the other (db.exclusive_transaction), the second sees the first's member and goes back to
its preview with the reason; a save that still meets a unique key (a form made the 아이디 meanwhile)
or SQLite's lock goes back to its preview too, saying so."""
import threading
from datetime import date

import pytest
from peewee import IntegrityError

from helpers import ctx
from pumasi.models import ImportRun, Member
from pumasi.transfer import members, runs

TODAY = date(2026, 11, 26)
FILE = "아이디,이름,생년월일,연락처,이메일,구분,활동처\r\nkim01,김하늘,,010-1234-5678,,,\r\n".encode()


def _chosen(app, count):
    with ctx(app):
        admin = Member.get(Member.username == "admin")
        found = []
        for n in range(count):
            run = runs.preview(runs.start("members", f"{n}.csv", FILE, admin).id, TODAY, app.config)
            assert runs.choose(run, {}), runs.read(run)
            found.append(run.id)
        return found


def test_two_saves_at_once_make_one_member_and_neither_run_is_left_saving(app, demo, monkeypatch):
    ids = _chosen(app, 2)
    both_checked, real_plan = threading.Barrier(2), runs.plan

    def plan(lines):  # both saves have read the database before either writes (without the lock)
        try:
            both_checked.wait(2)
        except threading.BrokenBarrierError:  # one after the other: nobody else to wait for
            pass
        return real_plan(lines)
    monkeypatch.setattr(runs, "plan", plan)
    errors = []

    def save(run_id):
        try:
            with ctx(app):
                runs.save(run_id, TODAY, app.config)
        except Exception as exc:  # noqa: BLE001 - what the job would die of
            errors.append(repr(exc)[:200])
    threads = [threading.Thread(target=save, args=(run_id,)) for run_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with ctx(app):
        states = sorted(ImportRun.get_by_id(run_id).state for run_id in ids)
        assert states == ["previewed", "saved"]
        again = next(ImportRun.get_by_id(run_id) for run_id in ids if ImportRun.get_by_id(run_id).state == "previewed")
        # PostgreSQL: the second waited and found the member; SQLite: its write met the first's lock
        expected = runs.OVERLAP_MESSAGE if app.config["DATABASE_URL"].startswith("sqlite") else runs.CHANGED_MESSAGE
        assert again.problem == expected and again.data is not None
        assert Member.select().where(Member.username == "kim01").count() == 1


def test_a_save_meeting_a_unique_key_goes_back_to_its_preview(app, demo, monkeypatch):
    (run_id,) = _chosen(app, 1)

    def made_meanwhile(*args):
        raise IntegrityError('duplicate key value violates unique constraint "member_username"')
    monkeypatch.setattr(members, "save", made_meanwhile)
    with ctx(app):
        run = runs.save(run_id, TODAY, app.config)
        assert run.state == "previewed" and run.problem == runs.OVERLAP_MESSAGE and run.data is not None
        assert not Member.select().where(Member.username == "kim01").exists()


@pytest.mark.parametrize("app", ["postgres"], indirect=True)
def test_saves_wait_for_each_other_on_postgresql(app, demo):
    """The lock itself: a second exclusive transaction of the same name waits for the first to end."""
    from pumasi.db import exclusive_transaction
    order = []

    def second():
        with ctx(app), exclusive_transaction("pumasi.import.save"):
            order.append("second")
    with ctx(app), exclusive_transaction("pumasi.import.save"):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(1)
        order.append("first")
        assert thread.is_alive()  # still waiting
    thread.join(10)
    assert order == ["first", "second"]
