"""비밀번호 찾기 must not tell by its timing whether the 아이디 or address asked for is known: the
e-mail already went out in the background, but the look-up and a found member's one-time link (an
insert, its audit line, a commit) were made inside the request, so a known member's answer took about
twice as long (median 19 ms against 10 on PostgreSQL, 60 requests each). The request now runs the
same statements whoever is asked for; the rest runs after the answer, its audit line keeping the
address that asked (it had none: a system entry's address was dropped)."""
import logging
import threading

from test_forgot_password import _ask, mailed  # noqa: F401 - the fixture

import helpers
from pumasi.models import AuditLog


def _statements(caplog):
    """The SQL the request's own thread ran (peewee logs every statement at DEBUG)."""
    here = threading.current_thread().name
    return [r.getMessage() for r in caplog.records if r.name == "peewee" and r.threadName == here]


def test_the_request_does_the_same_whoever_is_asked_for(app, demo, mailed, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG, logger="peewee")
    app.test_client().get("/password/forgot")  # the settings read once, before the requests compared
    ran = {}
    for identifier in ("vol1", "nobody", "vol1@example.org", "nobody@example.org"):
        caplog.clear()
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
        assert _ask(app, identifier, client).status_code == 200
        ran[identifier] = _statements(caplog)
    assert len(mailed.wait_for(2)) == 2  # the two known ones, mailed after their answers
    assert ran["vol1"] == ran["nobody"] and ran["vol1@example.org"] == ran["nobody@example.org"], ran
    with helpers.ctx(app):
        # who asked, from where: the links are made after the answer, in the request's context
        assert [line.ip for line in AuditLog.select().where(AuditLog.action == "password.forgot-link")] == [
            "10.1.2.3", "10.1.2.3"]
