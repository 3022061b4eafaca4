"""Log-in and 본인인증 attempts are rate-limited per account and per address."""
import pytest

from pumasi.db import db
from pumasi.ratelimit import limiter


@pytest.fixture(params=["memory", "redis"])
def limited(request, tmp_path, redis_url):
    """An app with small limits, counting in memory or in the shared Redis (as gunicorn workers do)."""
    from conftest import build_app
    from pumasi import demo
    storage = {"RATELIMIT_STORAGE_URI": "memory://" if request.param == "memory" else None}
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'pumasi.db'}", redis_url, WTF_CSRF_ENABLED=False,
                    LOGIN_LIMIT="8 per minute", LOGIN_FAIL_LIMIT="3 per minute", IDENTITY_LIMIT="2 per minute",
                    **storage)
    assert app.config["RATELIMIT_STORAGE_URI"].startswith(request.param)
    with app.app_context():
        limiter.reset()  # counters of earlier tests in the shared Redis
    with app.app_context(), db.connection_context():
        demo.seed()
    return app


def test_failed_log_ins_are_limited_per_account(limited):
    client = limited.test_client()
    for _ in range(3):
        assert client.post("/login", data={"username": "vol1", "password": "wrong"}).status_code == 401
    blocked = client.post("/login", data={"username": "vol1", "password": "pumasi-demo"})
    assert blocked.status_code == 429 and "요청이 너무 많습니다" in blocked.text
    # another account from the same address is not blocked by vol1's failures
    assert client.post("/login", data={"username": "vol2", "password": "pumasi-demo"}).status_code == 303


def test_log_ins_are_limited_per_address(limited):
    client = limited.test_client()
    codes = [client.post("/login", data={"username": f"user{n}", "password": "x"}).status_code for n in range(9)]
    assert codes[:8] == [401] * 8 and codes[8] == 429


def test_identity_attempts_are_limited(limited):
    client = limited.test_client()
    client.post("/login", data={"username": "vol3", "password": "pumasi-demo"})
    bad = {"rrn_front": "990230", "rrn_back": "1234567"}
    headers = {"HX-Request": "true"}
    assert client.post("/mypage/identity", data=bad, headers=headers).status_code == 422
    assert client.post("/mypage/identity", data=bad, headers=headers).status_code == 422
    blocked = client.post("/mypage/identity", data=bad, headers=headers)
    assert blocked.status_code == 429 and blocked.headers["HX-Retarget"] == "#modal"
    assert "요청이 너무 많습니다" in blocked.text
