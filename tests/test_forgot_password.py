"""비밀번호 찾기 (issue 14 part 4): by 아이디 or e-mail, a one-time link valid for an hour to members
with an address; the same answer whoever is asked for; rate-limited per account and per address.
On both databases, through a real SMTP server (aiosmtpd)."""
import re
from datetime import timedelta

import pytest

import helpers
from pumasi.accounts import passwords
from pumasi.clock import utcnow
from pumasi.models import AuditLog, Member, PasswordReset

NEW = "found-again-pw1"


@pytest.fixture
def mailed(app, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False)
    app.extensions.pop("config_cache", None)
    with helpers.ctx(app):
        Member.update(email="Vol1@Example.org").where(Member.username == "vol1").execute()
    return smtp_server


def _ask(app, identifier, client=None):
    return (client or app.test_client()).post("/password/forgot", data={"identifier": identifier})


def _answer(response):
    """The page without what differs per request (CSRF tokens)."""
    return re.sub(r'(csrf_token" value=|X-CSRFToken": )"[^"]*"', "", response.text)


def test_the_log_in_page_leads_to_it(client, demo):
    assert 'href="/password/forgot"' in client.get("/login").text
    assert "아이디 또는 이메일 주소" in client.get("/password/forgot").text


def test_a_link_by_user_name_or_address_works_once_within_the_hour(app, demo, mailed):
    for identifier in ("VOL1", " vol1@example.ORG "):
        answer = _ask(app, identifier)
        assert answer.status_code == 200 and passwords.FORGOT_MESSAGE in answer.text
    first, second = mailed.wait_for(2)
    assert first["To"] == "Vol1@Example.org" and "비밀번호 재설정" in second["Subject"]
    links = [re.search(r"http://localhost(/password/reset/\S+)", m.get_content()).group(1) for m in (first, second)]
    assert "비밀번호 찾기에서" in second.get_content() and "vol1" in second.get_content()
    # A second request leaves the first link valid (else anyone knowing the 아이디 could keep voiding
    # the owner's link); each stays valid until used or expired.
    assert [app.test_client().get(link).status_code for link in links] == [200, 200]
    with helpers.ctx(app):
        stored = PasswordReset.select().order_by(PasswordReset.id.desc()).first()
        assert stored.purpose == "reset" and timedelta(minutes=59) < stored.expires_at - stored.created_at <= timedelta(hours=1)
    visitor = app.test_client()
    assert visitor.post(links[1], data={"new_password": NEW, "confirm": NEW}).status_code == 303
    for link in links:  # used once: that link and every other open one of the member end
        used = app.test_client().post(link, data={"new_password": "again-and-again", "confirm": "again-and-again"})
        assert used.status_code == 410 and passwords.LINK_GONE_MESSAGE in used.text
    assert visitor.post("/login", data={"username": "vol1", "password": NEW}).status_code == 303
    with helpers.ctx(app):
        assert [a.action for a in AuditLog.select().where(AuditLog.action.startswith("password."))
                .order_by(AuditLog.id)] == ["password.forgot-link", "password.forgot-link", "password.reset-used"]


def test_an_expired_link_is_refused(app, demo, mailed):
    _ask(app, "vol1")
    path = re.search(r"http://localhost(/password/reset/\S+)", mailed.wait_for(1)[0].get_content()).group(1)
    with helpers.ctx(app):
        PasswordReset.update(expires_at=utcnow() - timedelta(seconds=1)).execute()
    for response in (app.test_client().get(path), app.test_client().post(path, data={"new_password": NEW,
                                                                                     "confirm": NEW})):
        assert response.status_code == 410 and passwords.LINK_GONE_MESSAGE in response.text
    with helpers.ctx(app):
        assert helpers.member("vol1").check_password("pumasi-demo")


def test_the_same_answer_whoever_is_asked_for(app, demo, mailed):
    with helpers.ctx(app):
        admin = helpers.member("admin")
        Member.update(email="gone@example.org", active=False).where(Member.username == "vol3").execute()
    known = _answer(_ask(app, "vol1"))
    mailed.wait_for(1)
    # unknown address, unknown 아이디, a member without an address (vol2), a deactivated one (vol3)
    for identifier in ("nobody@example.org", "nobody", "vol2", "gone@example.org", "vol3"):
        response = _ask(app, identifier)
        assert response.status_code == 200 and _answer(response) == known, identifier
    with helpers.ctx(app):
        asked = [r.member_id for r in PasswordReset.select()]
        assert asked == [helpers.member("vol1").id] and admin.id not in asked
    empty = _ask(app, "  ")
    assert empty.status_code == 422 and "아이디 또는 이메일 주소를 입력해 주세요." in empty.text


def test_limited_per_account_and_per_address(app, demo):
    app.config.update(FORGOT_LIMIT="2 per hour", FORGOT_ADDRESS_LIMIT="4 per hour")
    one = app.test_client()
    assert [_ask(app, name, one).status_code for name in ("vol1", "VOL1", "ｖｏｌ１")] == [200, 200, 429]
    assert [_ask(app, name, one).status_code for name in ("nobody@example.org", "NOBODY@example.org")] == [200, 200]
    assert _ask(app, "vol2", one).status_code == 429  # the address's budget (4) is spent


def test_a_strangers_requests_do_not_void_the_owners_link(app, demo, mailed):
    """The owner asks; a stranger who knows the 아이디 and the address asks again until the limits
    stop them: the owner's link still works, as does an operator's link given earlier. (An operator's
    new link still ends the earlier ones: staff issuing again replaces what they gave.)"""
    app.config.update(FORGOT_LIMIT="3 per hour", FORGOT_ADDRESS_LIMIT="100 per hour")
    with helpers.ctx(app):
        operator_link = "/password/reset/" + passwords.issue_link(helpers.member("vol1"), helpers.member("admin"))
    owner = app.test_client()
    _ask(app, "vol1", owner)
    own_link = re.search(r"http://localhost(/password/reset/\S+)", mailed.wait_for(1)[0].get_content()).group(1)
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    codes = [_ask(app, identifier, stranger).status_code for identifier in ["vol1", "vol1@example.org"] * 4]
    # The per-account limits still hold (the owner's request counted in the 아이디's budget).
    assert codes == [200, 200, 200, 200, 429, 200, 429, 429]
    mailed.wait_for(6)
    assert app.test_client().get(operator_link).status_code == 200
    assert owner.post(own_link, data={"new_password": NEW, "confirm": NEW}).status_code == 303
    assert app.test_client().get(operator_link).status_code == 410
    with helpers.ctx(app):
        assert PasswordReset.select().where(PasswordReset.used_at.is_null()).count() == 0
