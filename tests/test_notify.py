"""Notifications at the end of a linkage: one per request, however often its end is seen, and the
ends of many requests told in a few queries (a linkage job ends a hundred at once)."""
from pumasi.linkage.state import DateState
from pumasi.ops import notify
from pumasi.db import db
from pumasi.models import DailyLog, LinkRequest, Member, Notification, Participation

from helpers import sql_of


def test_many_ends_told_once_each_in_a_few_queries(app, demo, caplog):
    with app.app_context(), db.connection_context():
        vol1 = Member.get(Member.username == "vol1")
        Member.update(email="vol1@example.org").where(Member.id == vol1.id).execute()
        participations = list(Participation.select().where(Participation.volunteer.in_(
            [m.id for m in Member.select().where(Member.role == "volunteer")])))
        states = {}
        requests = []
        for n, participation in enumerate(participations):
            state = (DateState.SUCCEEDED, DateState.FAILED, DateState.PENDING)[n % 3]
            DailyLog.update(link_state=state, result_code={DateState.SUCCEEDED: 300, DateState.FAILED: 100}.get(state)) \
                .where(DailyLog.participation == participation).execute()
            finished = None if n == 0 else participation.created_at
            requests.append(LinkRequest.create(participation=participation, finished_at=finished))
            states[requests[-1].id] = (state, finished, participation)
        with caplog.at_level("INFO", logger="pumasi.ops.mail"):
            told, statements = sql_of(notify.tell_ended, [r.id for r in requests], app.config)
            again = notify.tell_ended([r.id for r in requests], app.config)
        expected = {request_id for request_id, (state, finished, p) in states.items()
                    if finished is not None and state != DateState.PENDING and p.daily_logs.count()}
        assert set(told) == set(again) == expected and len(expected) >= 3
        assert Notification.select().count() == len(expected)
        for request_id, notification in told.items():
            state = states[request_id][0]
            assert notification.title.startswith("[1365 연계완료]" if state == DateState.SUCCEEDED else "[1365 연계실패]")
            assert Notification.get_by_id(notification.id).emailed_at is not None
        mailed = [n for n in told.values() if n.member_id == vol1.id]
        assert caplog.text.count("vol1@example.org") == len(mailed)  # once each, however often seen
        # A handful of queries for them all (one of them the volunteers' page versions, pumasi.linkage.version),
        # and one claim per e-mail sent (so it is sent once).
        assert len(statements) <= 6 + len(mailed)
        assert requests[0].id not in notify.tell_ended([requests[0].id], app.config)  # not finished: nothing yet
