"""The workers' heartbeat alert (/healthz, ops.health.watch_workers) starts once no worker has beaten
for ALERT_HEARTBEAT_MINUTES, as the setting says: a heartbeat's age is already how long none came, so
it is not waited for a second time; without any worker (or Redis) to tell an age, the alert waits the
setting's minutes from when that was first seen."""
from datetime import timedelta

from pumasi.clock import utcnow
from pumasi.db import db
from pumasi.models import Alert
from pumasi.ops import alerts, health


def _seen(app, workers):
    app.extensions.setdefault("heartbeat_checked", {})["at"] = float("-inf")  # past CHECK_EVERY
    return health.watch_workers(app, {"database": {"ok": True}, "redis": {"ok": True}, "workers": workers})


def test_an_old_heartbeat_alerts_at_once(app, demo):
    app.config["ALERT_HEARTBEAT_MINUTES"] = 5.0
    with app.app_context():
        assert _seen(app, {"ok": False, "count": 1, "heartbeat_age": 4 * 60}) is None  # 4 minutes: not yet
        with db.connection_context():
            assert Alert.select().count() == 0
        assert _seen(app, {"ok": False, "count": 1, "heartbeat_age": 6 * 60}) == "started"  # 6 minutes
        assert _seen(app, {"ok": True, "count": 1, "heartbeat_age": 3}) == "cleared"


def test_no_worker_at_all_alerts_after_the_settings_minutes(app, demo, monkeypatch):
    app.config["ALERT_HEARTBEAT_MINUTES"] = 5.0
    start, none = utcnow(), {"ok": False, "count": 0, "heartbeat_age": None}
    with app.app_context():
        for minutes, event in ((0, None), (4, None), (5.1, "started")):
            monkeypatch.setattr(alerts, "utcnow", lambda: start + timedelta(minutes=minutes))
            assert _seen(app, none) == event
