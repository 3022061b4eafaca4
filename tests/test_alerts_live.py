"""Alerts with real processes (issue 18 part 1): a worker (`python worker.py`, its sweep checking the
alerts), the 1365 simulator over HTTP and a local SMTP server. Dates held in 연계중 past the setting,
then the simulator stopped: within the configured time one e-mail reaches each operator and the
banner shows; when it passes, one "resolved" e-mail each; never one per check."""
import time as clock

import pytest

from pumasi.models import Member
from pumasi.ops import alerts

import helpers
from helpers import ctx, request_all

SQLITE_FAST_POSTGRES_SLOW = pytest.mark.parametrize(
    "app", ["sqlite", pytest.param("postgres", marks=pytest.mark.slow)], indirect=True)


def _operators(app, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False)
    with ctx(app):
        Member.update(email="admin@example.org").where(Member.username == "admin").execute()
        other = Member(username="op2", name="운영자2", role="operator", email="op2@example.org")
        other.set_password("pumasi-demo-pass")
        other.save()
        return sorted(m.email for m in alerts.operators())


def _subjects(mailbox, start=0):
    return sorted((m["To"], m["Subject"].split("] ", 1)[1]) for m in mailbox.messages[start:])


def _banner(client):
    return client.get("/admin/").get_data(as_text=True)


@SQLITE_FAST_POSTGRES_SLOW
def test_alerts_start_and_clear_once_with_one_mail_per_operator(app, demo, stack, smtp_server, client, auth):
    addresses = _operators(app, smtp_server)
    # Small settings: 1365 answers after 15 s, a date 연계중 for 3 s is "held", 1365 silent for 3 s is "down".
    app.config.update(SIM1365_DELAY=15.0, ALERT_PENDING_DAYS=3 / 86400, ALERT_PORTAL_MINUTES=0.05,
                      ALERT_FAILURE_MIN=100000)
    stack.start_sim()
    stack.start_worker()
    auth.login("admin")
    started = clock.monotonic()

    # Dates held in 연계중 past the setting: one alert e-mail per operator, the banner, then resolved.
    request_all(app, ["vol1"])
    smtp_server.wait_for(2, seconds=20)
    assert _subjects(smtp_server) == [(to, "[경보] 연계중으로 오래 머문 날짜") for to in addresses]
    print(f"held dates alerted after {clock.monotonic() - started:.1f} s")
    assert "연계중으로 오래 머문 날짜" in _banner(client)
    helpers.wait_until_final(app, ["vol1"], 60, stack)
    smtp_server.wait_for(4, seconds=20)
    assert _subjects(smtp_server, 2) == [(to, "[해소] 연계중으로 오래 머문 날짜") for to in addresses]
    assert "연계중으로 오래 머문 날짜" not in _banner(client)

    # 1365 stops answering: alerted once within the configured minutes, however many sweeps see it.
    port = int(stack.sim_url.rsplit(":", 1)[1])
    sim = next(process for name, process, _ in stack.processes.running if name == "sim1365")
    stack.processes.kill(sim)
    stopped = clock.monotonic()
    smtp_server.wait_for(6, seconds=20)
    took = clock.monotonic() - stopped
    print(f"1365 down alerted after {took:.1f} s")
    assert took >= 3.0  # not before the configured time
    assert _subjects(smtp_server, 4) == [(to, "[경보] 1365 응답 없음") for to in addresses]
    assert "1365 응답 없음" in _banner(client)
    clock.sleep(4)  # four more sweeps see it: no more e-mail
    assert len(smtp_server.messages) == 6

    # It answers again: one "resolved" e-mail each, and the banner goes.
    stack.start_sim(port=port)
    smtp_server.wait_for(8, seconds=20)
    assert _subjects(smtp_server, 6) == [(to, "[해소] 1365 응답 없음") for to in addresses]
    assert "1365 응답 없음" not in _banner(client)
    clock.sleep(3)
    assert len(smtp_server.messages) == 8
    with ctx(app):
        assert [a.kind for a in alerts.history()] == ["portal", "pending"]
