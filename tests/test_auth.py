"""Log-in, log-out, cookies, CSRF and bad input on the log-in form."""
import re

import pytest

from pumasi.db import db
from pumasi.models import Member


def test_login_page_is_korean(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "로그인" in page.text and 'lang="ko"' in page.text


def test_volunteer_logs_in_and_lands_on_mypage(client, auth, demo):
    response = auth.login("vol1")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/mypage/")
    assert "마이페이지" in client.get("/mypage/").text


def test_wrong_password_gets_korean_message_and_401(client, auth, demo):
    response = auth.login("vol1", "wrong-password")
    assert response.status_code == 401
    assert "아이디 또는 비밀번호가 올바르지 않습니다." in response.text
    assert client.get("/mypage/").status_code == 302  # still logged out


def test_unknown_user_same_message(auth, demo):
    response = auth.login("nobody", "pumasi-demo")
    assert response.status_code == 401
    assert "아이디 또는 비밀번호가 올바르지 않습니다." in response.text


@pytest.mark.parametrize("form, message", [
    ({"username": "", "password": "x"}, "아이디를 입력해 주세요."),
    ({"username": "vol1", "password": ""}, "비밀번호를 입력해 주세요."),
    ({"username": "v" * 41, "password": "x"}, "아이디는 40자 이하입니다."),
    ({"username": "vol1", "password": "p" * 201}, "비밀번호가 너무 깁니다."),
    ({}, "아이디를 입력해 주세요."),
])
def test_bad_login_input_is_4xx_with_message(client, demo, form, message):
    response = client.post("/login", data=form)
    assert response.status_code == 400
    assert message in response.text


def test_logout_needs_post_and_ends_the_session(client, auth, demo):
    auth.login("vol1")
    assert client.get("/logout").status_code == 405
    assert auth.logout().status_code == 303
    assert client.get("/mypage/activities").status_code == 302


def test_inactive_member_cannot_log_in(app, auth, demo):
    with app.app_context(), db.connection_context():
        Member.update(active=False).where(Member.username == "vol2").execute()
    assert auth.login("vol2").status_code == 401


def test_open_redirect_is_refused(client, demo):
    response = client.post("/login?next=//evil.example/", data={"username": "vol1", "password": "pumasi-demo"})
    assert response.headers["Location"].endswith("/mypage/")


def test_session_cookie_flags(client, auth, demo):
    auth.login("vol1")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_security_headers(client):
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_csrf_is_required_on_posts(sqlite_app):
    """With CSRF on (as in production), a post without the token is refused; with it, accepted."""
    from pumasi import demo
    with sqlite_app.app_context(), db.connection_context():
        demo.seed()
    client = sqlite_app.test_client()
    refused = client.post("/login", data={"username": "vol1", "password": "pumasi-demo"})
    assert refused.status_code == 400 and "요청이 만료되었습니다" in refused.text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text).group(1)
    ok = client.post("/login", data={"csrf_token": token, "username": "vol1", "password": "pumasi-demo"})
    assert ok.status_code == 303
    # htmx requests carry the token in a header; without it they are refused too.
    page = client.get("/mypage/activities").text
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    pid = re.search(r'id="p-(\d+)"', page).group(1)
    assert client.post(f"/mypage/participations/{pid}/link", headers={"HX-Request": "true"}).status_code == 400
    accepted = client.post(f"/mypage/participations/{pid}/link",
                           headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert accepted.status_code == 200


def test_a_copied_session_cookie_stops_working_at_log_out(app, demo):
    """Log-out ends the session everywhere: a copy of the cookie taken before is worthless."""
    client = app.test_client()
    client.post("/login", data={"username": "vol1", "password": "pumasi-demo"})
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/mypage/activities").status_code == 200
    client.post("/logout")
    assert thief.get("/mypage/activities").status_code == 302
    # a fresh log-in works again
    assert client.post("/login", data={"username": "vol1", "password": "pumasi-demo"}).status_code == 303
    assert client.get("/mypage/activities").status_code == 200
