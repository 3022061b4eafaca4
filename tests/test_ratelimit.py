"""Log-in, 본인인증 and 확인서 issuing are rate-limited per account and per address."""
import pytest

from pumasi.db import db
from pumasi.models import Certificate, Member
from pumasi.web.ratelimit import limiter


@pytest.fixture(params=["memory", "redis"])
def limited(request, tmp_path, redis_url):
    """An app with small limits, counting in memory or in the shared Redis (as gunicorn workers do)."""
    from helpers import build_app
    from pumasi import demo
    storage = {"RATELIMIT_STORAGE_URI": "memory://" if request.param == "memory" else None}
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'pumasi.db'}", redis_url, WTF_CSRF_ENABLED=False,
                    LOGIN_LIMIT="8 per minute", LOGIN_FAIL_LIMIT="3 per minute", IDENTITY_LIMIT="2 per minute",
                    CERTIFICATE_LIMIT="2 per minute",
                    **storage)
    assert app.config["RATELIMIT_STORAGE_URI"].startswith(request.param)
    with app.app_context():
        limiter.reset()  # counters of earlier tests in the shared Redis
    with app.app_context(), db.connection_context():
        demo.seed()
    return app


def client_at(app, address):
    """A test client whose requests come from address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failed_log_ins_are_limited_per_address_and_account(limited):
    client = client_at(limited, "10.0.0.2")
    for _ in range(3):
        assert client.post("/login", data={"username": "vol1", "password": "wrong"}).status_code == 401
    blocked = client.post("/login", data={"username": "vol1", "password": "pumasi-demo"})
    assert blocked.status_code == 429 and "요청이 너무 많습니다" in blocked.text
    # another account from the same address is not blocked by vol1's failures
    assert client.post("/login", data={"username": "vol2", "password": "pumasi-demo"}).status_code == 303


def test_a_strangers_failures_do_not_lock_the_owner_out(limited):
    """The account's owner, at their own address, logs in after a stranger's failures on their name
    (the limit was per account alone: five wrong tries by anyone locked the owner out)."""
    stranger = client_at(limited, "10.0.0.66")
    codes = [stranger.post("/login", data={"username": "vol1", "password": "wrong"}).status_code
             for _ in range(6)]
    assert codes == [401] * 3 + [429] * 3
    owner = client_at(limited, "10.0.0.1")
    assert owner.post("/login", data={"username": "vol1", "password": "pumasi-demo"}).status_code == 303


def test_spellings_of_one_name_share_its_budget(limited):
    """`VOL1` and the full-width `ｖｏｌ１` name vol1 at log-in: their failures count as vol1's."""
    client = client_at(limited, "10.0.0.7")
    codes = [client.post("/login", data={"username": name, "password": "wrong"}).status_code
             for name in ("VOL1", "ｖｏｌ１", " Vol1 ", "vol1")]
    assert codes == [401, 401, 401, 429]


def test_failed_log_ins_are_limited_per_address(limited):
    client = client_at(limited, "10.0.0.3")
    codes = [client.post("/login", data={"username": f"user{n}", "password": "x"}).status_code for n in range(9)]
    assert codes[:8] == [401] * 8 and codes[8] == 429
    assert client.post("/login", data={"username": "vol2", "password": "pumasi-demo"}).status_code == 429
    assert client_at(limited, "10.0.0.4").post(
        "/login", data={"username": "vol2", "password": "pumasi-demo"}).status_code == 303


def test_successful_log_ins_are_not_counted(limited):
    """Many members behind one address (a community centre's network) all log in."""
    client = client_at(limited, "10.0.0.5")
    for _ in range(12):
        assert client.post("/login", data={"username": "vol2", "password": "pumasi-demo"}).status_code == 303


def test_identity_attempts_are_limited(limited):
    client = client_at(limited, "10.0.0.6")
    client.post("/login", data={"username": "vol3", "password": "pumasi-demo"})
    bad = {"rrn_front": "990230", "rrn_back": "1234567"}
    headers = {"HX-Request": "true"}
    assert client.post("/mypage/identity", data=bad, headers=headers).status_code == 422
    assert client.post("/mypage/identity", data=bad, headers=headers).status_code == 422
    blocked = client.post("/mypage/identity", data=bad, headers=headers)
    assert blocked.status_code == 429 and blocked.headers["HX-Retarget"] == "#modal"
    assert "요청이 너무 많습니다" in blocked.text


def test_wrong_passwords_at_withdrawal_are_limited(limited):
    """회원탈퇴 asks the password: a borrowed session cannot guess it (counted as a failed log-in)."""
    client = client_at(limited, "10.0.0.7")
    client.post("/login", data={"username": "vol3", "password": "pumasi-demo"})
    for _ in range(3):
        assert client.post("/mypage/withdraw", data={"password": "wrong"}).status_code == 401
    blocked = client.post("/mypage/withdraw", data={"password": "pumasi-demo"})
    assert blocked.status_code == 429 and "요청이 너무 많습니다" in blocked.text
    with limited.app_context(), db.connection_context():
        assert Member.get(Member.username == "vol3").removed_at is None


def _ids(app, username, *titles):
    from helpers import participation
    with app.app_context(), db.connection_context():
        return [str(participation(username, title).id) for title in titles]


def test_issuing_certificates_is_limited_per_account(limited):
    """A volunteer's presses of 확인서 출력 (the same content again is the same certificate), then the
    Korean 429; another volunteer is not held up."""
    client = client_at(limited, "10.0.0.8")
    client.post("/login", data={"username": "vol1", "password": "pumasi-demo"})
    chosen = {"participation_ids": _ids(limited, "vol1", "어린이 그림책 읽어주기")}
    assert [client.post("/mypage/certificate", data=chosen).mimetype for _ in range(2)] == ["application/pdf"] * 2
    blocked = client.post("/mypage/certificate", data=chosen)
    assert blocked.status_code == 429 and "요청이 너무 많습니다" in blocked.text
    other = client_at(limited, "10.0.0.8")
    other.post("/login", data={"username": "vol2", "password": "pumasi-demo"})
    vol2 = {"participation_ids": _ids(limited, "vol2", "어린이 그림책 읽어주기")}
    assert other.post("/mypage/certificate", data=vol2).mimetype == "application/pdf"
    with limited.app_context(), db.connection_context():
        assert Certificate.select().count() == 2


def test_an_operator_issuing_is_limited_per_volunteer(limited):
    """An operator's presses for one volunteer are limited; for another volunteer they go on."""
    client = client_at(limited, "10.0.0.9")
    client.post("/login", data={"username": "admin", "password": "pumasi-demo"})
    with limited.app_context(), db.connection_context():
        vol1, vol2 = (Member.get(Member.username == name).id for name in ("vol1", "vol2"))
    reason = "학교 제출용 재발급 요청(전화)"
    answers = {}
    for member_id, username, times in ((vol1, "vol1", 3), (vol2, "vol2", 1)):
        chosen = {"participation_ids": _ids(limited, username, "어린이 그림책 읽어주기"), "reason": reason}
        answers[username] = [client.post(f"/admin/members/{member_id}/certificate", data=chosen)
                             for _ in range(times)]
    assert [a.status_code for a in answers["vol1"]] == [200, 200, 429]
    assert "요청이 너무 많습니다" in answers["vol1"][2].text
    assert [a.status_code for a in answers["vol2"]] == [200]
