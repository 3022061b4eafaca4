"""Alerts to the operators (issue 18 part 1): a condition becomes an alert after its grace time, one
e-mail per operator when it starts and one when it clears, whoever checks and however often; the
banner on every operator page; each alert's page with what it is about. The real-process walk (the
simulator stops answering, dates held in 연계중) is in test_alerts_live.py."""
from datetime import timedelta

from pumasi.clock import utcnow
from pumasi.jobs import alerting
from pumasi.linkage.state import AttemptState, DateState
from pumasi.models import Alert, DailyLog, LinkAttempt, LinkRequest, Member, Participation
from pumasi.ops import alerts, health

from helpers import ctx


def _operators_with_mail(app, smtp_server, count=2):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False)
    admin = Member.get(Member.username == "admin")
    admin.email = "admin@example.org"
    admin.save()
    for n in range(1, count):
        other = Member(username=f"op{n}", name=f"운영자{n}", role="operator", email=f"op{n}@example.org")
        other.set_password("pumasi-demo-pass")
        other.save()
    return sorted(m.email for m in alerts.operators())


def test_a_condition_becomes_an_alert_after_its_grace_and_each_change_is_won_once(app, demo):
    now = utcnow()
    with ctx(app):
        assert alerts.observe("portal", "1365 응답 없음", 60, now) is None  # seen, not yet an alert
        assert alerts.observe("portal", "여전히", 60, now + timedelta(seconds=30)) is None
        assert alerts.open_alerts() == []
        assert alerts.observe("portal", "여전히", 60, now + timedelta(seconds=61)) == "started"
        assert alerts.observe("portal", "여전히", 60, now + timedelta(seconds=62)) is None  # started once
        assert [a.detail for a in alerts.open_alerts()] == ["여전히"]
        assert alerts.observe("portal", None, 60, now + timedelta(seconds=70)) == "cleared"
        assert alerts.observe("portal", None, 60, now + timedelta(seconds=71)) is None
        assert alerts.open_alerts() == []
        # A condition that clears before its grace leaves nothing behind.
        alerts.observe("heartbeat", "없음", 60, now)
        assert alerts.observe("heartbeat", None, 60, now + timedelta(seconds=5)) is None
        assert Alert.select().where(Alert.kind == "heartbeat").count() == 0
        assert Alert.select().count() == 1


def test_one_mail_per_operator_at_the_start_and_one_at_the_end_however_often_checked(app, demo, smtp_server):
    with ctx(app):
        addresses = _operators_with_mail(app, smtp_server)
        now = utcnow()
        alerts.observe("pending", "연계중 3일 넘은 날짜 2건", 0, now)
        for _ in range(3):  # several checks, by several workers: the mails are claimed once
            alerts.observe("pending", "연계중 3일 넘은 날짜 2건", 0, now)
            alerts.deliver_mail(app.config)
        started = smtp_server.wait_for(2)
        assert sorted(m["To"] for m in started) == addresses
        assert all("[경보] 연계중으로 오래 머문 날짜" in m["Subject"] and "조치:" in m.get_content() for m in started), \
            [(m["Subject"], m.get_content()) for m in started]
        alerts.observe("pending", None, 0, now + timedelta(seconds=1))
        for _ in range(3):
            alerts.deliver_mail(app.config)
        messages = smtp_server.wait_for(4)
        assert len(messages) == 4 and all("[해소]" in m["Subject"] for m in messages[2:])


def test_mail_is_tried_again_when_no_operator_could_be_reached(app, demo, smtp_server):
    with ctx(app):
        _operators_with_mail(app, smtp_server, count=1)
        app.config["SMTP_PORT"] = 1  # nothing listens there
        alerts.observe("keys", "키가 맞지 않음", 0)
        assert alerts.deliver_mail(app.config) == 0
        assert Alert.get().started_mailed_at is None
        app.config["SMTP_PORT"] = smtp_server.port
        assert alerts.deliver_mail(app.config) == 1
        assert len(smtp_server.wait_for(1)) == 1


def _pending_date(days_ago):
    """One demo date put in 연계중 days_ago days ago."""
    log = DailyLog.select().join(Participation).where(DailyLog.link_state == DateState.UNSENT).first()
    DailyLog.update(link_state=DateState.PENDING, updated_at=utcnow() - timedelta(days=days_ago)) \
        .where(DailyLog.id == log.id).execute()
    return log


def test_dates_held_in_linking_raise_the_alert_shown_as_banner_and_page(app, demo, client, auth):
    app.config["ALERT_PENDING_DAYS"] = 3.0
    with ctx(app):
        _pending_date(1)
        assert alerting.pending_detail(app.config, utcnow()) is None
        log = _pending_date(4)
        detail = alerting.pending_detail(app.config, utcnow())
        assert "1건" in detail
        assert alerts.observe("pending", detail, 0) == "started"
        alert = Alert.get()
    auth.login("admin")
    for page in ("/admin/", "/admin/members", "/password"):
        body = client.get(page).get_data(as_text=True)
        assert "연계중으로 오래 머문 날짜" in body and f"/admin/alerts/{alert.id}" in body, page
    body = client.get(f"/admin/alerts/{alert.id}").get_data(as_text=True)
    assert log.date.isoformat() in body and "조치" in body and f"/admin/participations/{log.participation_id}" in body
    assert "연계중으로 오래 머문 날짜" in client.get("/admin/alerts").get_data(as_text=True)
    auth.logout()
    auth.login("site1")
    assert "연계중으로 오래 머문 날짜" not in client.get("/site/").get_data(as_text=True)


def test_the_share_of_failing_answers_in_the_last_hour(app, demo):
    app.config.update(ALERT_FAILURE_SHARE=0.5, ALERT_FAILURE_MIN=4)
    with ctx(app):
        logs = list(DailyLog.select().limit(5))
        request = LinkRequest.create(participation=logs[0].participation)
        now = utcnow()

        def answer(log, code, ago=0):
            LinkAttempt.create(daily_log=log, request=request, ref=f"r{log.id}-{code}-{ago}", code=code,
                               state=AttemptState.ANSWERED, answered_at=now - timedelta(minutes=ago))
        answer(logs[0], 300)
        answer(logs[1], 100)
        answer(logs[2], 99)
        assert alerting.failures_detail(app.config, now) is None  # 3 answers: too few to judge
        answer(logs[3], 300)
        assert alerting.failures_detail(app.config, now) is None  # 2 of 4: not above half
        answer(logs[4], 200, ago=90)  # over an hour ago: not counted
        assert alerting.failures_detail(app.config, now) is None
        answer(logs[4], 200)
        assert "실패 3건(60%)" in alerting.failures_detail(app.config, now)


def test_healthz_records_the_workers_heartbeat_missing(app, demo, client, smtp_server):
    app.config["ALERT_HEARTBEAT_MINUTES"] = 0.0
    with ctx(app):
        _operators_with_mail(app, smtp_server, count=1)
    assert client.get("/healthz").status_code == 503  # no worker in this test
    app.extensions["heartbeat_checked"]["at"] -= health.CHECK_EVERY
    client.get("/healthz")
    with ctx(app):
        (alert,) = alerts.open_alerts()
        assert alert.kind == "heartbeat" and "워커" in alert.detail
    message = smtp_server.wait_for(1)[0]
    assert "[경보] 워커 신호 없음" in message["Subject"]


def test_a_database_that_fails_is_alerted_from_redis_and_recorded_when_back(app, demo, smtp_server, monkeypatch):
    """The database cannot hold its own alert: the first check that finds it failing notes the time in
    Redis; past DATABASE_GRACE the operators known from the last good check are e-mailed once; when
    it answers again the alert is recorded and its end e-mailed once."""
    from peewee import OperationalError

    from pumasi.jobs.connection import connection
    with ctx(app):
        addresses = _operators_with_mail(app, smtp_server)
    alerting.run(app)  # a good check: who the operators are
    failing = OperationalError("could not connect to server")

    def unusable(app, now=None):
        raise failing
    with monkeypatch.context() as patch:
        patch.setattr(alerting, "check", unusable)
        assert alerting.run(app) == {"database": "down"}  # a check that meets the database failing
    assert smtp_server.messages == []  # not yet: the grace time
    key = alerting._database_key(app)
    since = (utcnow() - timedelta(seconds=alerting.DATABASE_GRACE + 1)).isoformat()
    connection(app).hset(key, "since", since)
    for _ in range(3):  # every later check: one e-mail each, once
        alerting._database_down(app, failing)
    started = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in started) == addresses and all("[경보] 데이터베이스 오류" in m["Subject"] for m in started)
    events = alerting.run(app)  # the database answers again
    assert events == {} and not connection(app).exists(key)
    messages = smtp_server.wait_for(4)
    assert len(messages) == 4 and all("[해소] 데이터베이스 오류" in m["Subject"] for m in messages[2:])
    with ctx(app):
        (alert,) = alerts.history()
        assert alert.kind == "database" and alert.cleared_at is not None and alerts.open_alerts() == []
    alerting.run(app)
    assert len(smtp_server.messages) == 4
