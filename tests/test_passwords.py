"""Passwords: a member's own change, an operator's reset (one-time link, temporary password) and
`flask set-password`; each audited, each ending the member's other sessions. On both databases."""
import re
from datetime import timedelta

import pytest

import helpers
from pumasi.accounts import members, passwords
from pumasi.clock import utcnow
from pumasi.db import db
from pumasi.models import AuditLog, Member, PasswordReset

NEW = "a-new-password-1"


def _actions(app, username):
    with helpers.ctx(app):
        target = helpers.member(username)
        return [a.action for a in AuditLog.select().where(AuditLog.target_id == target.id,
                                                           AuditLog.target_type == "Member",
                                                           AuditLog.action.startswith("password."))
                .order_by(AuditLog.id)]


def _second_session(app, username, password="pumasi-demo"):
    other = app.test_client()
    assert other.post("/login", data={"username": username, "password": password}).status_code == 303
    assert other.get("/", follow_redirects=False).status_code == 302  # to the member's home
    return other


def _logged_in(client):
    """Whether the client's session still belongs to a member (the front door sends members home)."""
    return "/login" not in client.get("/").headers["Location"]


@pytest.mark.parametrize("username", ["vol1", "site1", "admin"])
def test_every_role_reaches_the_change_page_from_the_header(app, client, auth, demo, username):
    auth.login(username)
    home = client.get("/", follow_redirects=True)
    assert 'href="/account/password"' in home.text
    assert "비밀번호 변경" in client.get("/account/password").text


def test_change_own_password(app, client, auth, demo):
    auth.login("vol1")
    other = _second_session(app, "vol1")
    form = {"current_password": "pumasi-demo", "new_password": NEW, "confirm": NEW}
    wrong = client.post("/account/password", data=dict(form, current_password="not-my-password"))
    assert wrong.status_code == 401 and passwords.CURRENT_MESSAGE in wrong.text
    short = client.post("/account/password", data=dict(form, new_password="short", confirm="short"))
    assert short.status_code == 422 and passwords.LENGTH_MESSAGE in short.text
    mismatch = client.post("/account/password", data=dict(form, confirm=NEW + "x"))
    assert mismatch.status_code == 422 and passwords.MISMATCH_MESSAGE in mismatch.text
    same = client.post("/account/password", data=dict(form, new_password="pumasi-demo", confirm="pumasi-demo"))
    assert same.status_code == 422 and passwords.SAME_MESSAGE in same.text
    with helpers.ctx(app):
        assert helpers.member("vol1").check_password("pumasi-demo")  # nothing changed by the refusals
    done = client.post("/account/password", data=form)
    assert done.status_code == 303
    assert "비밀번호를 변경했습니다" in client.get(done.headers["Location"]).text
    assert _logged_in(client) and not _logged_in(other)  # this session goes on, the other one ended
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "vol1", "password": "pumasi-demo"}).status_code == 401
    assert fresh.post("/login", data={"username": "vol1", "password": NEW}).status_code == 303
    assert _actions(app, "vol1") == ["password.change"]


def test_wrong_current_passwords_are_limited_like_log_ins(app, client, auth, demo):
    app.config["LOGIN_FAIL_LIMIT"] = "3 per minute"
    auth.login("vol1")
    form = {"current_password": "guess", "new_password": NEW, "confirm": NEW}
    assert [client.post("/account/password", data=form).status_code for _ in range(4)] == [401, 401, 401, 429]


def test_operator_reset_link_once_within_the_hour(app, client, auth, demo):
    auth.login("admin")
    with helpers.ctx(app):
        vol2 = helpers.member("vol2")
    other = _second_session(app, "vol2")
    issued = client.post(f"/admin/members/{vol2.id}/password-reset", data={"kind": "link"})
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    link = re.search(r'value="(http://localhost/password/reset/[^"]+)"', issued.text).group(1)
    token = link.rsplit("/", 1)[1]
    with helpers.ctx(app):
        stored = PasswordReset.get()
        # Only a hash of the token is kept: the database alone cannot open the link.
        assert stored.token_hash != token and token not in str(list(PasswordReset.select().tuples()))
        assert timedelta(minutes=59) < stored.expires_at - stored.created_at <= timedelta(hours=1)
    assert _logged_in(other)  # a link alone changes nothing yet

    visitor = app.test_client()
    path = link.replace("http://localhost", "")
    page = visitor.get(path)
    assert page.status_code == 200 and "비밀번호 재설정" in page.text and "vol2" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    short = visitor.post(path, data={"new_password": "short", "confirm": "short"})
    assert short.status_code == 422 and passwords.LENGTH_MESSAGE in short.text
    done = visitor.post(path, data={"new_password": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.headers["Location"].endswith("/login")
    assert not _logged_in(other)
    assert visitor.post("/login", data={"username": "vol2", "password": NEW}).status_code == 303

    for again in (app.test_client().get(path), app.test_client().post(path, data={"new_password": "x" * 10,
                                                                                  "confirm": "x" * 10})):
        assert again.status_code == 410 and passwords.LINK_GONE_MESSAGE in again.text
    assert app.test_client().get("/password/reset/not-a-token").status_code == 410
    with helpers.ctx(app):
        assert helpers.member("vol2").check_password(NEW)
    assert _actions(app, "vol2") == ["password.reset-link", "password.reset-used"]


def test_an_expired_or_replaced_link_is_refused(app, client, auth, demo):
    auth.login("admin")
    with helpers.ctx(app):
        vol1 = helpers.member("vol1")
        admin = helpers.member("admin")
        first = passwords.issue_link(vol1, admin)
        second = passwords.issue_link(vol1, admin)
        PasswordReset.update(expires_at=utcnow() - timedelta(seconds=1)) \
            .where(PasswordReset.token_hash == passwords._token_hash(second)).execute()
    for token in (first, second):  # the first died when the second was issued; the second expired
        page = app.test_client().get(f"/password/reset/{token}")
        assert page.status_code == 410 and passwords.LINK_GONE_MESSAGE in page.text
        gone = app.test_client().post(f"/password/reset/{token}", data={"new_password": NEW, "confirm": NEW})
        assert gone.status_code == 410
    with helpers.ctx(app):
        assert helpers.member("vol1").check_password("pumasi-demo")


def test_reset_link_is_emailed_when_the_member_has_an_address(app, client, auth, demo, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False)
    app.extensions.pop("config_cache", None)
    with helpers.ctx(app):
        Member.update(email="vol1@example.org").where(Member.username == "vol1").execute()
        vol1, vol2 = helpers.member("vol1"), helpers.member("vol2")
    auth.login("admin")
    issued = client.post(f"/admin/members/{vol1.id}/password-reset", data={"kind": "link"})
    assert "vol1@example.org 로 같은 링크를 이메일로 보냈습니다" in issued.text
    link = re.search(r'value="([^"]+/password/reset/[^"]+)"', issued.text).group(1)
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "vol1@example.org" and "비밀번호 재설정" in message["Subject"]
    assert link in message.get_content()
    without = client.post(f"/admin/members/{vol2.id}/password-reset", data={"kind": "link"})
    assert "이메일 주소가 없어" in without.text and len(smtp_server.messages) == 1


def test_temporary_password_must_be_changed_at_next_log_in(app, client, auth, demo):
    auth.login("admin")
    with helpers.ctx(app):
        vol1 = helpers.member("vol1")
    other = _second_session(app, "vol1")
    issued = client.post(f"/admin/members/{vol1.id}/password-reset", data={"kind": "temporary"})
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    temporary = re.search(r'id="temporary-password">([^<]+)<', issued.text).group(1)
    assert len(temporary) == passwords.TEMPORARY_LENGTH
    with helpers.ctx(app):
        assert temporary not in str(list(Member.select().tuples()))
    assert not _logged_in(other)  # the old sessions ended at once

    member = app.test_client()
    assert member.post("/login", data={"username": "vol1", "password": "pumasi-demo"}).status_code == 401
    assert member.post("/login", data={"username": "vol1", "password": temporary}).status_code == 303
    for path in ("/", "/mypage/", "/mypage/activities", "/help/"):
        response = member.get(path)
        if path == "/help/":
            assert response.status_code == 200  # 이용 방법 stays open
        else:
            assert response.status_code in (302, 303) and response.headers["Location"].endswith("/account/password")
    fragment = member.get("/mypage/activities", headers={"HX-Request": "true"})
    assert fragment.headers.get("HX-Redirect") == "/account/password"
    page = member.get("/account/password")
    assert "임시 비밀번호로 로그인했습니다" in page.text
    same = member.post("/account/password", data={"current_password": temporary, "new_password": temporary,
                                                  "confirm": temporary})
    assert same.status_code == 422
    done = member.post("/account/password", data={"current_password": temporary, "new_password": NEW,
                                                  "confirm": NEW})
    assert done.status_code == 303
    assert member.get("/mypage/").status_code == 200
    assert _actions(app, "vol1") == ["password.reset-temporary", "password.change"]


def test_reset_refused_for_oneself_removed_and_unknown_kinds(app, client, auth, demo):
    auth.login("admin")
    with helpers.ctx(app):
        admin, vol3 = helpers.member("admin"), helpers.member("vol3")
        members.remove_member(vol3, admin)
    assert client.post(f"/admin/members/{admin.id}/password-reset", data={"kind": "link"}).status_code == 409
    assert client.post(f"/admin/members/{vol3.id}/password-reset", data={"kind": "link"}).status_code == 409
    with helpers.ctx(app):
        vol1 = helpers.member("vol1")
    assert client.post(f"/admin/members/{vol1.id}/password-reset", data={"kind": "x"}).status_code == 409
    auth.logout()
    auth.login("site1")
    assert client.post(f"/admin/members/{vol1.id}/password-reset", data={"kind": "link"}).status_code == 403
    with helpers.ctx(app):
        assert PasswordReset.select().count() == 0


def test_set_password_on_the_command_line(app, runner, demo):
    other = _second_session(app, "admin")
    result = runner.invoke(args=["set-password", "admin", "--password-stdin"], input=NEW + "\n")
    assert result.exit_code == 0, result.output
    assert not _logged_in(other)
    prompted = runner.invoke(args=["set-password", "vol1"], input=f"{NEW}\n{NEW}\n")
    assert prompted.exit_code == 0, prompted.output
    temporary = runner.invoke(args=["set-password", "vol2", "--temporary", "--password-stdin"], input=NEW + "\n")
    assert temporary.exit_code == 0, temporary.output
    short = runner.invoke(args=["set-password", "vol3", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "8 to 200 characters" in short.output
    unknown = runner.invoke(args=["set-password", "nobody", "--password-stdin"], input=NEW + "\n")
    assert unknown.exit_code != 0 and "no member" in unknown.output
    with helpers.ctx(app):
        assert helpers.member("admin").check_password(NEW) and helpers.member("vol1").check_password(NEW)
        assert helpers.member("vol2").must_change_password and not helpers.member("vol1").must_change_password
        assert helpers.member("vol3").check_password("pumasi-demo")
        rows = list(AuditLog.select().where(AuditLog.action == "password.set").order_by(AuditLog.id))
    assert [(r.actor_name, r.detail) for r in rows] == [
        ("system", "명령줄"), ("system", "명령줄"),
        ("system", "명령줄, 다음 로그인 때 바꾸도록 함")]


def test_password_rules_live_in_one_place(app):
    for password, ok in (("x" * 7, False), ("x" * 8, True), ("x" * 200, True), ("x" * 201, False)):
        assert (passwords.rule_error(password) is None) is ok
    with app.app_context(), db.connection_context():
        # The operator's member form takes no password at all (the member sets it: accounts.invitations).
        values, errors = members.check_member({"username": "newbie", "name": "새사람", "role": "volunteer",
                                               "password": "x" * 7}, creating=True)
    assert not errors and "password" not in values
