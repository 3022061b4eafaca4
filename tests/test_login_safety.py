"""Log-in does not tell which user names exist, and never sends the member to another site."""
import pytest
from werkzeug import security

from pumasi.accounts import members
from pumasi.models import Member

from helpers import ctx, member


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password-hash check of the log-in, with the stored hash it was given."""
    seen = []

    def check(stored, password):
        seen.append(stored)
        return security.check_password_hash(stored, password)

    monkeypatch.setattr("pumasi.models.core.check_password_hash", check)
    return seen


def method(stored):
    """The method and cost part of a werkzeug hash ('pbkdf2:sha256:1000', 'scrypt:32768:8:1')."""
    return stored.split("$", 1)[0]


def test_unknown_inactive_and_removed_names_cost_one_hash_check_like_a_wrong_password(app, auth, demo,
                                                                                       hash_checks):
    """84 ms for a known name, 6 ms for an unknown one told which names exist: now every failed
    log-in checks one password hash of the method and cost the members' hashes have."""
    with ctx(app):
        real = member("vol1").password_hash
        Member.update(active=False).where(Member.username == "vol2").execute()
        gone = member("vol3")
        members.remove_member(gone, None)
    removed = f"removed-{gone.id}"  # the user name a removed member is left with
    for username in ("vol1", "nobody", "vol2", "vol3", removed):
        hash_checks.clear()
        response = auth.login(username, "wrong-password" if username == "vol1" else "pumasi-demo")
        assert response.status_code == 401, username
        assert len(hash_checks) == 1, (username, hash_checks)
        assert method(hash_checks[0]) == method(real), (username, hash_checks[0])
    hash_checks.clear()
    assert auth.login("vol1").status_code == 303 and hash_checks == [real]


# Values of ?next= as they stand in the URL: each would lead a browser off the site, or broke the page.
HOSTILE_NEXT = [
    "%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%0D%2Fevil.example", "%2F%0D%0A%2Fevil.example",
    "%09%2F%2Fevil.example", "%2F%09%2F%09evil.example", "%20%2F%2Fevil.example", "%2F%20%2Fevil.example",
    "%2F%5Cevil.example", "%5C%5Cevil.example", "%2F%5C%2Fevil.example", "%2F%2F%5Cevil.example",
    "/\\evil.example", "%2F%2F%2Fevil.example", "%2F%2Fevil.example", "//evil.example", "///evil.example",
    "http:evil.example", "http%3Aevil.example", "https%3A%2F%2Fevil.example", "https://evil.example/",
    "javascript:alert(1)", "%2F%252F%2Fevil.example", "%2F%255C%2Fevil.example", "/%2F/evil.example",
    "%2F%E3%80%80%2Fevil.example", "%2F%C2%A0%2Fevil.example", "%2F%E2%80%A8%2Fevil.example",
    "%2F%E2%80%8B%2Fevil.example", "%2F%E2%80%AE%2Fevil.example", "%EF%BC%8F%EF%BC%8Fevil.example",
    "%2F%00%2Fevil.example", "%2F%7F%2Fevil.example", "%2F%1B%2Fevil.example", "evil.example",
    "%2F%2F%40evil.example", "%2F%09", "%0A",
]


SQLITE = pytest.mark.parametrize("app", ["sqlite"], indirect=True)  # no database in the question


@SQLITE
def test_hostile_next_never_leaves_the_site(app, demo):
    """After normalising, only a path of this site is followed; anything else is the member's home,
    and nothing is a 500 (a newline in the Location header was)."""
    wrong = []
    for raw in HOSTILE_NEXT:
        response = app.test_client().post(f"/login?next={raw}",
                                          data={"username": "vol1", "password": "pumasi-demo"})
        if response.status_code == 303:
            if response.headers["Location"] != "/mypage/":
                wrong.append((raw, response.headers["Location"]))
        elif not 400 <= response.status_code < 500 or "Location" in response.headers:
            wrong.append((raw, response.status_code))  # refused as bad input is fine; a 500 is not
    assert wrong == []


@SQLITE
@pytest.mark.parametrize("target", ["/mypage/activities?page=2", "/mypage/participations/1/result#top",
                                    "/admin/failures?code=99&site=%ED%95%9C"])
def test_a_path_of_the_site_is_followed(app, demo, target):
    from urllib.parse import quote
    client = app.test_client()
    response = client.post(f"/login?next={quote(target, safe='')}",
                           data={"username": "vol1", "password": "pumasi-demo"})
    assert response.status_code == 303 and response.headers["Location"] == target
