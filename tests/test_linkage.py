"""The linkage domain (pumasi/linkage/) against the real 1365 simulator, over HTTP, on both databases.

The simulator runs as a subprocess (`stack.start_sim()`); the tests drive the domain functions the jobs
call (`delivery.submit_batch`, `delivery.poll_answers`) themselves, with the real adapter of the
setting (pumasi's HTTP client), so every answer and every fault travels the same HTTP path it does in
production.
"""
import contextlib
import re
import sqlite3
import threading
import time as clock
from datetime import date, time

import pytest

from pumasi.identity import store as identities
from pumasi.linkage import delivery, reads, requests
from pumasi.linkage.delivery import NextStep
from pumasi.linkage.requests import IdentityRequired, NoDailyLogs, request_linkage
from pumasi.linkage.state import SUCCESS_CODES, DateState, ParticipationState
from pumasi.models import (Activity, AuditLog, DailyLog, Identity,
                           LinkAttempt, LinkRequest, Participation)
from pumasi.portal import adapter

from helpers import count_submissions, ctx, member, participation, sim_stats, verify

# Demo participations (pumasi/demo.py) by title.
ONE_DAY = "1365 중간연계 테스트 입니다. 신청하지 마세요"          # vol1: 2021-08-09 10-16
LEGACY = "1365 중간 연계 테스트 입니다. 신청하지 마세요"          # vol1: linked the old whole-period way
TWO_DAYS = "중간활동 제거 테스트"                                # vol1: 2021-08-04, 2021-09-01
PICTURE_BOOKS = "어린이 그림책 읽어주기"                          # vol1: 3 dates, vol2: 2 dates
SMARTPHONE = "어르신 스마트폰 교실 보조"                          # vol1, vol3: 2023-04-08
MUSEUM = "박물관 전시 해설 도우미"                                # no daily logs


def portal(app):
    return adapter.load(app.config)


def drive(app, request_id, client=None, timeout=30.0):
    """Run a request to its end the way the jobs chain its steps; returns the steps taken."""
    client = client or portal(app)
    vault = app.extensions["rrn_vault"]
    steps = []
    step = NextStep(submit_in=0.0)
    deadline = clock.monotonic() + timeout
    while not step.ended:
        assert clock.monotonic() < deadline, f"request {request_id} did not finish: {steps}"
        if step.submit_in is not None:
            clock.sleep(step.submit_in)
            step = delivery.submit_batch([request_id], client, vault, app.config)[request_id]
            steps.append(("submit", step.submit_in, step.poll_in))
        else:
            clock.sleep(step.poll_in)
            step = delivery.poll_answers([request_id], client, app.config)[request_id]
            steps.append(("poll", step.submit_in, step.poll_in))
    return steps


def states(p):
    """{date: (link_state, result_code)} of a participation's daily logs."""
    return {log.date: (log.link_state, log.result_code)
            for log in DailyLog.select().where(DailyLog.participation == p)}


def sim_posts(stack, expected, path="/api/v1/records"):
    """How many POSTs to path the simulator process logged (werkzeug's request log).

    The server writes its log line just after answering, so give it a moment to reach expected;
    then look once more, so that more than expected shows as well.
    """
    def count():
        text = re.sub(r"\x1b\[[0-9;]*m", "", stack.processes.logs())  # werkzeug colours its log
        return len(re.findall(rf'"POST {re.escape(path)} HTTP/1\.1" \d+', text))

    deadline = clock.monotonic() + 5
    while count() < expected and clock.monotonic() < deadline:
        clock.sleep(0.05)
    clock.sleep(0.2)
    return count()


def times_received(app):
    """{ref: times received} from the simulator's store (1365's side of the story)."""
    with contextlib.closing(sqlite3.connect(app.config["SIM1365_DB"])) as conn:
        return dict(conn.execute("SELECT ref, times_received FROM submissions"))


def attempts_of(log):
    return list(LinkAttempt.select().where(LinkAttempt.daily_log == log).order_by(LinkAttempt.id))


@pytest.fixture
def sim(stack, demo):
    """The demo world and the 1365 simulator running as a process."""
    return stack.start_sim()


# --- request_linkage ---------------------------------------------------------------------------


def test_request_without_daily_logs_or_identity(app, demo):
    with ctx(app):
        museum = participation("vol1", MUSEUM)
        with pytest.raises(NoDailyLogs):
            request_linkage(museum, member("vol1"))
        one_day = participation("vol1", ONE_DAY)
        with pytest.raises(IdentityRequired):
            request_linkage(one_day, member("vol1"))
        # Neither left anything behind: no request, no attempt, every date still unsent.
        assert LinkRequest.select().count() == 0 and LinkAttempt.select().count() == 0
        assert set(states(one_day).values()) == {(DateState.UNSENT, None)}
        # With 본인인증 done, no daily logs is still the notice.
        verify(app, "vol1")
        with pytest.raises(NoDailyLogs):
            request_linkage(museum, member("vol1"))


def test_request_makes_dates_pending_once(app, demo):
    with ctx(app):
        verify(app, "vol1")
        books = participation("vol1", PICTURE_BOOKS)
        request = request_linkage(books, member("vol1"))
        assert request is not None and request.kind == "request"
        assert request.requested_by_id == member("vol1").id
        assert set(states(books).values()) == {(DateState.PENDING, None)}
        attempts = list(LinkAttempt.select().where(LinkAttempt.request == request))
        assert len(attempts) == 3
        assert {a.daily_log_id for a in attempts} == {log.id for log in books.daily_logs}
        assert all(a.state == "queued" and a.try_no == 1 and re.fullmatch(r"[0-9a-f]{32}", a.ref)
                   for a in attempts)
        assert reads.summary(books).state == ParticipationState.LINKING
        # A second click, tab or device while pending: nothing new.
        assert request_linkage(books, member("vol1")) is None
        assert request_linkage(books, member("vol1"), kind="relink") is None
        assert LinkRequest.select().count() == 1 and LinkAttempt.select().count() == 3
        entry = AuditLog.get(AuditLog.action == "link.request")
        assert entry.target_id == books.id and entry.actor_id == member("vol1").id


def test_a_date_added_after_success_is_the_only_one_sent(app, sim):
    with ctx(app):
        verify(app, "vol1")
        books = participation("vol1", PICTURE_BOOKS)
        first = request_linkage(books, member("vol1"))
        drive(app, first.id)
        assert set(states(books).values()) == {(DateState.SUCCEEDED, 300)}
        assert reads.summary(books).state == ParticipationState.DONE
        assert request_linkage(books, member("vol1")) is None  # nothing left to send
        # The site enters one more day afterwards: the row asks for 연계신청 again.
        late = DailyLog.create(participation=books, date=date(2022, 3, 26), start=time(10), end=time(12),
                               minutes=120)
        assert reads.summary(books).state == ParticipationState.REQUEST
        second = request_linkage(books, member("vol1"))
        assert [a.daily_log_id for a in LinkAttempt.select().where(LinkAttempt.request == second)] == [late.id]
        drive(app, second.id)
        assert states(books)[date(2022, 3, 26)] == (DateState.SUCCEEDED, 300)
        assert reads.summary(books).state == ParticipationState.DONE
        # Every earlier date still has its one attempt only.
        assert all(len(attempts_of(log)) == 1 for log in books.daily_logs)
    stats = sim_stats(sim)
    assert stats["recorded"] == 4 and stats["submissions"] == 4 and stats["received_twice"] == 0


def test_legacy_participation_is_sent_only_on_support_request(app, sim):
    with ctx(app):
        verify(app, "vol1")
        legacy = participation("vol1", LEGACY)
        assert reads.summary(legacy).state == ParticipationState.DONE
        assert request_linkage(legacy, member("vol1")) is None
        assert LinkRequest.select().count() == 0
        assert set(states(legacy).values()) == {(DateState.UNSENT, None)}
        support_request = request_linkage(legacy, member("admin"), kind="support")
        assert support_request is not None and support_request.kind == "support"
        assert reads.summary(legacy).state == ParticipationState.LINKING
        drive(app, support_request.id)
        assert set(states(legacy).values()) == {(DateState.SUCCEEDED, 300)}
        assert AuditLog.select().where(AuditLog.action == "link.support").count() == 1
    assert sim_stats(sim)["recorded"] == 1


def test_two_simultaneous_requests_make_one(app, demo, monkeypatch):
    """Two devices press 연계신청 at the same instant: one request, whatever the database."""
    with ctx(app):
        for username in ("vol1", "vol2"):
            verify(app, username)
        targets = [(username, participation(username, title).id) for username, title in
                   (("vol1", PICTURE_BOOKS), ("vol1", TWO_DAYS), ("vol2", PICTURE_BOOKS))]
    # Widen the window between reading the unsent dates and writing the request (utcnow is called
    # right in between), so that a missing lock shows up every time instead of once in a while.
    real_now = requests.utcnow

    def slow_now():
        clock.sleep(0.3)
        return real_now()

    monkeypatch.setattr(requests, "utcnow", slow_now)
    for username, participation_id in targets:
        barrier = threading.Barrier(2)
        results, errors = [], []

        def click():
            try:
                with ctx(app):  # peewee connections are per thread: each click has its own
                    p = Participation.get_by_id(participation_id)
                    volunteer = member(username)
                    barrier.wait(5)
                    results.append(request_linkage(p, volunteer))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=click) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors, errors
        assert sorted(r is None for r in results) == [False, True], results
        with ctx(app):
            p = Participation.get_by_id(participation_id)
            assert LinkRequest.select().where(LinkRequest.participation == p).count() == 1
            logs = list(p.daily_logs)
            assert LinkAttempt.select().join(DailyLog).where(DailyLog.participation == p).count() == len(logs)
            assert {log.link_state for log in logs} == {DateState.PENDING}


# --- submit_batch + poll_answers: the result codes ------------------------------------------------


def test_result_codes_from_the_simulator(app, sim):
    with ctx(app):
        for username in ("vol1", "vol2", "vol3"):
            verify(app, username)
        cases = [("vol1", PICTURE_BOOKS, 300), ("vol2", PICTURE_BOOKS, 200), ("vol3", SMARTPHONE, 100)]
        requests_ = {}
        for username, title, _ in cases:
            requests_[(username, title)] = request_linkage(participation(username, title),
                                                                   member(username))
        client = portal(app)
        for request in requests_.values():
            drive(app, request.id, client)
        for username, title, code in cases:
            p = participation(username, title)
            final = DateState.SUCCEEDED if code in SUCCESS_CODES else DateState.FAILED
            assert set(states(p).values()) == {(final, code)}, (username, title)
            assert reads.summary(p).state == (ParticipationState.DONE if code == 300 else ParticipationState.FAILED)
            for log, attempt in reads.date_rows(p):
                assert attempt.state == "answered" and attempt.code == code and attempt.message
            assert LinkRequest.get_by_id(requests_[(username, title)].id).finished_at is not None
        # Each decryption of an RRN was audited, once per send, without the number.
        decrypts = list(AuditLog.select().where(AuditLog.action == "rrn.decrypt"))
        assert sorted(e.target_id for e in decrypts) == sorted(member(u).id for u in ("vol1", "vol2", "vol3"))
        assert all(e.target_type == "Member" and not re.search(r"\d{6}-?\d{7}", e.detail) for e in decrypts)
        assert {e.detail for e in decrypts} == {f"연계요청 #{r.id}" for r in requests_.values()}

        # 400: the same dates again under a new participation with the same site, dates and times.
        books = participation("vol1", PICTURE_BOOKS)
        again = Participation.create(
            volunteer=member("vol1"),
            activity=Activity.create(site=books.activity.site, category="문화", title="같은 날 다른 활동",
                                     start_date=date(2022, 3, 1), end_date=date(2022, 3, 31)))
        for log in books.daily_logs:
            DailyLog.create(participation=again, date=log.date, start=log.start, end=log.end,
                            minutes=log.minutes)
        drive(app, request_linkage(again, member("vol1")).id, client)
        assert set(states(again).values()) == {(DateState.SUCCEEDED, 400)}
        assert reads.summary(again).state == ParticipationState.DONE
    stats = sim_stats(sim)
    assert stats["by_code"] == {"100": 1, "200": 2, "300": 3, "400": 3}
    assert stats["recorded"] == 3 and stats["received_twice"] == 0


def test_batch_size_splits_submissions(app, sim):
    app.config["LINK_BATCH_SIZE"] = 2
    with ctx(app):
        verify(app, "vol1")
        p = participation("vol1", TWO_DAYS)
        for day in (10, 11, 12):
            DailyLog.create(participation=p, date=date(2021, 8, day), start=time(10), end=time(12), minutes=120)
        client = portal(app)
        sizes = count_submissions(client)
        drive(app, request_linkage(p, member("vol1")).id, client)
        assert sizes == [2, 2, 1]
        assert set(states(p).values()) == {(DateState.SUCCEEDED, 300)}
        # The RRN was decrypted once for the whole request, not once per batch.
        assert AuditLog.select().where(AuditLog.action == "rrn.decrypt").count() == 1
    assert sim_posts(sim, 3) == 3
    assert sim_stats(sim)["recorded"] == 5


@pytest.mark.parametrize("setting, posts", [(1000, [500, 1]), (0, [1] * 3)])
def test_batch_size_setting_is_kept_within_the_contract(app, sim, setting, posts):
    """1365 takes at most 500 records a call: a larger (or a zero) setting still sends everything."""
    app.config["LINK_BATCH_SIZE"] = setting
    count = sum(posts)
    with ctx(app):
        verify(app, "vol1")
        p = participation("vol1", TWO_DAYS)
        DailyLog.delete().where(DailyLog.participation == p).execute()
        DailyLog.insert_many([{"participation": p.id, "date": date(2021, 8, 4), "start": time(0, 0),
                               "end": time(0, 1), "minutes": 1} for _ in range(count)]).execute()
        client = portal(app)
        sizes = count_submissions(client)
        drive(app, request_linkage(p, member("vol1")).id, client)
        assert sizes == posts
        # The same date and times over and over: 1365 records the first, the rest are duplicates.
        assert sorted(log.result_code for log in p.daily_logs) == [300] + [400] * (count - 1)
        assert {log.link_state for log in p.daily_logs} == {DateState.SUCCEEDED}


# --- retries and faults ---------------------------------------------------------------------------


def test_code_99_is_retried_then_fails(app, sim):
    sim.sim("faults", "--set", "code99_rate=1")
    tries = app.config["LINK_MAX_TRIES"]
    base = app.config["LINK_RETRY_BASE"]
    with ctx(app):
        verify(app, "vol1")
        p = participation("vol1", TWO_DAYS)
        for kind in ("request", "relink"):
            request = request_linkage(p, member("vol1"), kind=kind)
            steps = drive(app, request.id)
            assert set(states(p).values()) == {(DateState.FAILED, 99)}, kind
            assert reads.summary(p).state == ParticipationState.FAILED
            for log in p.daily_logs:
                attempts = list(LinkAttempt.select().where(LinkAttempt.daily_log == log,
                                                           LinkAttempt.request == request))
                # The system retries a 99 (LINK_MAX_TRIES tries in all, each under a new ref)
                # before the volunteer sees it, on a 재연계 as on the first request.
                assert len(attempts) == tries, kind
                assert all(a.state == "answered" and a.code == 99 for a in attempts)
                assert len({a.ref for a in attempts}) == tries
            # Each fresh try waits with a growing backoff.
            resubmits = [submit for step, submit, _ in steps if step == "poll" and submit is not None]
            assert resubmits == [base * 2 ** n for n in range(tries - 1)], kind
        # Once 1365 is well again, 재연계 succeeds.
        sim.sim("faults", "--clear")
        drive(app, request_linkage(p, member("vol1"), kind="relink").id)
        assert set(states(p).values()) == {(DateState.SUCCEEDED, 300)}
        assert reads.summary(p).state == ParticipationState.DONE
    assert sim_stats(sim)["by_code"] == {"99": 2 * 2 * tries, "300": 2}


def test_http_errors_are_retried_with_backoff_then_fail(app, sim):
    sim.sim("faults", "--set", "error_rate=1")
    tries = app.config["LINK_MAX_TRIES"]
    with ctx(app):
        verify(app, "vol1")
        p = participation("vol1", TWO_DAYS)
        steps = drive(app, request_linkage(p, member("vol1")).id)
        base = app.config["LINK_RETRY_BASE"]
        assert [submit for _, submit, _ in steps] == [base * 2 ** n for n in range(tries - 1)] + [None]
        assert set(states(p).values()) == {(DateState.FAILED, 99)}
        for log in p.daily_logs:
            (attempt,) = attempts_of(log)
            assert attempt.errors == tries and attempt.code == 99 and "503" in attempt.message
    assert sim_posts(sim, tries) == tries
    assert sim_stats(sim)["submissions"] == 0


def test_http_errors_then_recovery(app, sim):
    sim.sim("faults", "--set", "error_rate=1")
    with ctx(app):
        verify(app, "vol1")
        p = participation("vol1", TWO_DAYS)
        request = request_linkage(p, member("vol1"))
        client = portal(app)
        step = delivery.submit_batch([request.id], client, app.extensions["rrn_vault"], app.config)[request.id]
        assert step.submit_in == app.config["LINK_RETRY_BASE"] and step.poll_in is None
        assert set(states(p).values()) == {(DateState.PENDING, None)}
        # The request is not left for the sweeper while it waits for its retry.
        assert delivery.stalled_requests() == []
        sim.sim("faults", "--clear")
        drive(app, request.id, client)
        assert set(states(p).values()) == {(DateState.SUCCEEDED, 300)}
        assert all(len(attempts_of(log)) == 1 for log in p.daily_logs)


@pytest.mark.parametrize("fault", ["drop_rate=1", "timeout_rate=1"])
def test_lost_answer_resends_the_same_ref(app, sim, fault):
    """1365 recorded the dates but its answer was lost: the same refs go again, recorded once."""
    app.config["PORTAL_TIMEOUT"] = 0.5
    sim.sim("faults", "--set", fault, "--set", "timeout_s=3")
    with ctx(app):
        verify(app, "vol1")
        p = participation("vol1", PICTURE_BOOKS)
        request = request_linkage(p, member("vol1"))
        client = portal(app)
        refs = {a.ref for a in LinkAttempt.select().where(LinkAttempt.request == request)}
        step = delivery.submit_batch([request.id], client, app.extensions["rrn_vault"], app.config)[request.id]
        assert step.submit_in is not None and step.poll_in is None  # a retry, later
        assert all(a.state == "queued" and a.errors == 1
                   for a in LinkAttempt.select().where(LinkAttempt.request == request))
        assert sim_stats(sim)["submissions"] == 3  # 1365 did receive them
        sim.sim("faults", "--clear")
        drive(app, request.id, client)
        assert set(states(p).values()) == {(DateState.SUCCEEDED, 300)}
        # No new ref was made: the very same refs were resent.
        assert {a.ref for a in LinkAttempt.select().where(LinkAttempt.request == request)} == refs
    assert times_received(app) == {ref: 2 for ref in refs}
    stats = sim_stats(sim)
    assert stats["received_twice"] == 3
    assert stats["submissions"] == 3 and stats["recorded"] == 3 and stats["by_code"] == {"300": 3}


def test_lost_answers_until_the_last_try_fail_with_99(app, sim):
    app.config["PORTAL_TIMEOUT"] = 0.5
    sim.sim("faults", "--set", "drop_rate=1")
    with ctx(app):
        verify(app, "vol1")
        p = participation("vol1", ONE_DAY)
        drive(app, request_linkage(p, member("vol1")).id)
        assert set(states(p).values()) == {(DateState.FAILED, 99)}
        (attempt,) = attempts_of(p.daily_logs.get())
        assert attempt.errors == app.config["LINK_MAX_TRIES"] and attempt.code == 99
        # 1365 did record the date (its answers were what got lost): each try was the same ref.
        assert times_received(app) == {attempt.ref: app.config["LINK_MAX_TRIES"]}
    stats = sim_stats(sim)
    assert stats["submissions"] == 1 and stats["recorded"] == 1


def test_results_unknown_to_1365_are_sent_again(app, sim):
    """A ref 1365 says it never received (lost on its side) goes again under the same ref."""
    with ctx(app):
        verify(app, "vol1")
        p = participation("vol1", ONE_DAY)
        request = request_linkage(p, member("vol1"))
        (attempt,) = LinkAttempt.select().where(LinkAttempt.request == request)
        # As if the submission had been accepted but 1365 lost it: marked submitted, never received.
        LinkAttempt.update(state="submitted").where(LinkAttempt.id == attempt.id).execute()
        step = delivery.poll_answers([request.id], portal(app), app.config)[request.id]
        assert step.submit_in == 0.0
        assert LinkAttempt.get_by_id(attempt.id).state == "queued"
        drive(app, request.id)
        assert states(p) == {date(2021, 8, 9): (DateState.SUCCEEDED, 300)}
        assert [a.ref for a in attempts_of(p.daily_logs.get())] == [attempt.ref]


def test_poll_while_1365_is_down_asks_again_later(app, sim):
    with ctx(app):
        verify(app, "vol1")
        p = participation("vol1", ONE_DAY)
        request = request_linkage(p, member("vol1"))
        client = portal(app)
        step = delivery.submit_batch([request.id], client, app.extensions["rrn_vault"], app.config)[request.id]
        assert step.poll_in is not None
        sim.sim("faults", "--set", "error_rate=1")
        step = delivery.poll_answers([request.id], client, app.config)[request.id]
        assert step.poll_in is not None and step.submit_in is None
        assert states(p) == {date(2021, 8, 9): (DateState.PENDING, None)}
        sim.sim("faults", "--clear")
        drive(app, request.id, client)
        assert states(p) == {date(2021, 8, 9): (DateState.SUCCEEDED, 300)}


# --- 본인인증 초기화 between the request and the send --------------------------------------------------


def test_identity_reset_before_send_returns_dates_to_unsent(app, sim, auth, client):
    with ctx(app):
        verify(app, "vol1")
        p = participation("vol1", PICTURE_BOOKS)
        request = request_linkage(p, member("vol1"))
        identities.reset(member("vol1"), member("vol1"))
        assert Identity.select().count() == 0
        drive(app, request.id)
        assert set(states(p).values()) == {(DateState.UNSENT, None)}
        assert reads.summary(p).state == ParticipationState.REQUEST
        assert {a.state for a in LinkAttempt.select().where(LinkAttempt.request == request)} == {"cancelled"}
        assert LinkRequest.get_by_id(request.id).finished_at is not None
        assert AuditLog.select().where(AuditLog.action == "rrn.decrypt").count() == 0
        pid = p.id
    assert sim_stats(sim)["submissions"] == 0
    # The volunteer's row offers 연계신청 again, and pressing it asks for 본인인증 first.
    assert auth.login("vol1").status_code == 303
    row = client.get(f"/mypage/participations/{pid}/row").get_data(as_text=True)
    assert "연계신청" in row and "연계중" not in row
    with ctx(app):
        with pytest.raises(IdentityRequired):
            request_linkage(p, member("vol1"))
        verify(app, "vol1")
        again = request_linkage(p, member("vol1"))
        # The cancelled tries count: each date goes again as its second try, under a new ref.
        assert {a.try_no for a in LinkAttempt.select().where(LinkAttempt.request == again)} == {2}
        drive(app, again.id)
        assert set(states(p).values()) == {(DateState.SUCCEEDED, 300)}
