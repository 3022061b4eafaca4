"""/healthz, for a monitor: real processes (gunicorn, a worker, a Redis of the test's own, PostgreSQL
behind a proxy the test cuts). It turns 503 naming the part within 15 s of Redis or the database
going away, and 200 when they are back; without log-in, rate limit or anything personal."""
import time as clock
from urllib.parse import urlsplit

import pytest
import requests

from pumasi.jobs.status import record_portal_answer

from stack import TcpProxy

SQLITE = pytest.mark.parametrize("app", ["sqlite"], indirect=True)
POSTGRES = pytest.mark.parametrize("app", ["postgres"], indirect=True)


def health(url):
    response = requests.get(url + "/healthz", timeout=10)
    return response.status_code, response.json()


def wait_health(stack, status, seconds=15.0):
    """Seconds until /healthz answers status; fails with the last answer and the logs after `seconds`."""
    started = clock.monotonic()
    while True:
        code, body = health(stack.web_url)
        if code == status:
            return clock.monotonic() - started, body
        assert clock.monotonic() - started < seconds, (code, body, stack.processes.logs()[-3000:])
        clock.sleep(0.25)


@SQLITE
def test_503_within_15_s_of_redis_going_away_and_200_when_it_is_back(app, own_redis, stack, demo):
    stack.start_worker()
    stack.start_web()
    _, body = wait_health(stack, 200)
    assert body["ok"] and body["down"] == [] and body["workers"]["count"] == 1
    assert body["workers"]["heartbeat_age"] <= app.config["HEALTH_WORKER_AGE"]
    own_redis.kill()
    took, body = wait_health(stack, 503)
    assert body["down"] == ["redis"] and body["database"]["ok"] is True, body
    own_redis.start()  # empty, as a restarted Redis without persistence
    back, body = wait_health(stack, 200, seconds=30)  # the worker has to register again
    print(f"503 after {took:.1f} s, 200 again after {back:.1f} s")
    assert body["workers"]["count"] == 1


@POSTGRES
def test_503_within_15_s_of_the_database_going_away_and_200_when_it_is_back(app, stack, demo):
    url = urlsplit(app.config["DATABASE_URL"])
    proxy = TcpProxy(url.hostname or "127.0.0.1", url.port or 5432).start()
    app.config["DATABASE_URL"] = url._replace(netloc=f"{url.username or 'postgres'}@127.0.0.1:{proxy.port}").geturl()
    try:
        stack.start_worker()
        stack.start_web()
        wait_health(stack, 200)
        proxy.cut()
        took, body = wait_health(stack, 503)
        assert body["down"] == ["database"], body
        proxy.restore()
        back, body = wait_health(stack, 200)
        print(f"503 after {took:.1f} s, 200 again after {back:.1f} s")
    finally:
        proxy.cut()


@SQLITE
def test_healthz_is_public_unlimited_and_tells_nothing_personal(app, demo, caplog):
    client = app.test_client()
    caplog.set_level("INFO", logger="pumasi.request")
    answers = [client.get("/healthz") for _ in range(60)]  # over every limit there is
    assert {response.status_code for response in answers} == {503}  # no worker runs here
    body = answers[0].get_json()
    assert set(body) == {"ok", "down", "database", "redis", "workers", "1365"}
    assert body["down"] == ["workers"] and body["workers"] == {"ok": False, "count": 0, "heartbeat_age": None}
    text = answers[0].get_data(as_text=True)
    assert not any(word in text for word in ("vol1", "김민준", "version", "rq", "gunicorn", "python"))
    assert answers[0].headers["Cache-Control"] == "no-store"
    assert client.post("/healthz").status_code == 405
    # 1365's last answer: an error makes it a part that is down until 1365 answers again.
    record_portal_answer(app, False, "ConnectTimeout on /api/v1/records")
    body = client.get("/healthz").get_json()
    assert body["1365"]["ok"] is False and body["1365"]["last_answer_age"] <= 5 and "1365" in body["down"]
    assert "ConnectTimeout" not in str(body)
    record_portal_answer(app, True, "OK /api/v1/results")
    assert client.get("/healthz").get_json()["1365"]["ok"] is True
    # A 503 is news and is logged; a monitor's 200s every 10 s would not be.
    assert sum("GET /healthz 503" in r.getMessage() for r in caplog.records) == 62
