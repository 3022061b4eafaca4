"""회원가입 (issue 14 part 3): off by default; switched on in 설정; without approval the volunteer is a
member at once, with it they wait (log-in says so) until an operator, or the site they chose, approves;
a refused sign-up is deleted. On both databases."""
import pytest

import helpers
from pumasi.accounts import passwords, signups, usernames
from pumasi.models import AuditLog, Consent, Member, Signup, Site
from pumasi.ops import privacy

FORM = {"username": "newbie", "name": "새봉사", "birth_date": "1999-03-04", "phone": "010-1234-5678",
        "email": "newbie@example.org", "password": "my-signup-pw1", "confirm": "my-signup-pw1", "consent": "1"}


def _switch(client, signup, approval):
    """As an operator would, in 설정 (the page offers both as lists)."""
    page = client.get("/admin/settings")
    assert 'name="SIGNUP"' in page.text and 'name="SIGNUP_APPROVAL"' in page.text
    saved = client.post("/admin/settings", data={"ORG_NAME": "문화품앗이", "SUPPORT_PHONE": "070-4035-8224",
                                                  "SIGNUP": signup, "SIGNUP_APPROVAL": approval})
    assert saved.status_code == 303


@pytest.fixture
def operator(app, client, auth, demo):
    auth.login("admin")
    return client


def _sign_up(app, **changes):
    visitor = app.test_client()
    return visitor, visitor.post("/signup", data={**FORM, **changes})


def test_off_by_default(app, client, demo):
    assert app.config["SIGNUP"] == "off"
    assert client.get("/signup").status_code == 404 and client.post("/signup", data=FORM).status_code == 404
    assert "회원가입" not in client.get("/login").text
    with helpers.ctx(app):
        assert not Member.select().where(Member.username == "newbie").exists()


def test_without_approval_the_volunteer_is_a_member_at_once(app, operator):
    _switch(operator, "on", "none")
    assert 'href="/signup"' in app.test_client().get("/login").text
    form = app.test_client().get("/signup")
    assert 'href="/privacy"' in form.text and "가입하기" in form.text
    visitor, done = _sign_up(app)
    assert done.status_code == 303 and done.headers["Location"].endswith("/mypage/")
    assert "회원가입을 마쳤습니다" in visitor.get("/mypage/").text
    with helpers.ctx(app):
        member = helpers.member("newbie")
        assert (member.role, member.active, str(member.birth_date)) == ("volunteer", True, "1999-03-04")
        assert Consent.get(Consent.member == member).notice_version == privacy.version(app.config)
        assert privacy.archived(privacy.version(app.config)) is not None  # the text agreed to is kept
        assert Signup.get(Signup.member == member).state == "approved"
    assert app.test_client().post("/login", data={"username": "newbie", "password": FORM["password"]}).status_code == 303


def test_each_field_says_its_problem_and_nothing_is_saved(app, operator):
    _switch(operator, "on", "none")
    _, bad = _sign_up(app, username="vol1", name="", birth_date="1999-02-30", phone="12", email="x@",
                      password="short", confirm="short", consent="")
    assert bad.status_code == 422
    for message in (usernames.TAKEN_MESSAGE, "이름을 50자 이하로", "생년월일을 2000-01-31 처럼", "전화번호 형식이 올바르지 않습니다.",
                    "이메일 주소 형식이", passwords.LENGTH_MESSAGE, "개인정보 처리방침을 읽고 동의해 주세요."):
        assert message in bad.text
    _, mismatch = _sign_up(app, confirm="other-password", birth_date="2999-01-01")
    assert passwords.MISMATCH_MESSAGE in mismatch.text and "생년월일을 확인해 주세요." in mismatch.text
    assert 'value="newbie"' in mismatch.text and "my-signup-pw1" not in mismatch.text
    with helpers.ctx(app):
        assert not Member.select().where(Member.named("newbie")).exists() and Signup.select().count() == 0


def test_with_operator_approval_they_wait_until_approved(app, operator, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False)
    app.extensions.pop("config_cache", None)
    _switch(operator, "on", "operator")
    visitor, done = _sign_up(app)
    assert done.status_code == 200 and "운영자가 승인하면 로그인할 수 있습니다" in done.text
    _, second = _sign_up(app, username="other2", email="")
    assert second.status_code == 200
    waiting = app.test_client().post("/login", data={"username": "newbie", "password": FORM["password"]})
    assert waiting.status_code == 403 and signups.PENDING_MESSAGE in waiting.text
    wrong = app.test_client().post("/login", data={"username": "newbie", "password": "not-the-password"})
    assert wrong.status_code == 401 and signups.PENDING_MESSAGE not in wrong.text
    listed = operator.get("/admin/signups")
    assert "newbie" in listed.text and "1999-03-04" in listed.text and "other2" in listed.text
    with helpers.ctx(app):
        first, other = Signup.select().order_by(Signup.id)
    assert operator.post("/admin/signups", data={"signup": str(first.id), "decision": "approve"}).status_code == 303
    assert operator.post("/admin/signups", data={"signup": str(other.id), "decision": "refuse", "confirm": "1"}).status_code == 303
    assert operator.post("/admin/signups", data={"signup": str(other.id), "decision": "approve"}).status_code == 404
    assert app.test_client().post("/login", data={"username": "newbie", "password": FORM["password"]}).status_code == 303
    approved = smtp_server.wait_for(1)[0]
    assert approved["To"] == FORM["email"] and "승인" in approved["Subject"] and "http://localhost/login" in approved.get_content()
    assert app.test_client().post("/login", data={"username": "other2", "password": FORM["password"]}).status_code == 401
    with helpers.ctx(app):
        assert not Member.select().where(Member.named("other2")).exists()  # refused: deleted
        assert [a.action for a in AuditLog.select().where(AuditLog.action.startswith("signup."))
                .order_by(AuditLog.id)] == ["signup.create", "signup.create", "signup.approve", "signup.refuse"]
    assert "승인을 기다리는 가입 신청이 없습니다" in operator.get("/admin/signups").text


def test_a_member_let_in_by_hand_is_never_deleted_by_a_refusal(app, operator):
    _switch(operator, "on", "operator")
    _sign_up(app)
    with helpers.ctx(app):
        member, signup = helpers.member("newbie"), Signup.get()
    assert operator.post(f"/admin/members/{member.id}/active", data={"active": "1"}).status_code == 303
    assert "newbie" not in operator.get("/admin/signups").text
    assert operator.post("/admin/signups", data={"signup": str(signup.id), "decision": "refuse", "confirm": "1"}).status_code == 404
    with helpers.ctx(app):
        assert helpers.member("newbie").active


def test_with_site_approval_the_chosen_site_decides(app, client, auth, demo):
    auth.login("admin")
    _switch(client, "on", "site")
    with helpers.ctx(app):
        site1, site2 = helpers.member("site1").site, helpers.member("site2").site
    form = app.test_client().get("/signup")
    assert 'name="site_id"' in form.text and site1.name in form.text
    _, missing = _sign_up(app)
    assert missing.status_code == 422 and "가입을 승인할 활동처를 골라 주세요." in missing.text
    _, done = _sign_up(app, site_id=str(site1.id))
    assert "고른 활동처나 운영자가 승인하면" in done.text
    with helpers.ctx(app):
        signup = Signup.get()
    auth.logout()
    auth.login("site2")
    assert "newbie" not in client.get("/site/signups").text
    assert client.post("/site/signups", data={"signup": str(signup.id), "decision": "approve"}).status_code == 404
    auth.logout()
    auth.login("site1")
    assert "가입 승인" in client.get("/site/").text and "newbie" in client.get("/site/signups").text
    assert client.post("/site/signups", data={"signup": str(signup.id), "decision": "approve"}).status_code == 303
    with helpers.ctx(app):
        assert helpers.member("newbie").active and Signup.get().decided_by_id == helpers.member("site1").id
    assert site1.id != site2.id


def test_only_staff_decide_and_submissions_are_limited(app, operator):
    _switch(operator, "on", "operator")
    app.config["SIGNUP_LIMIT"] = "2 per hour"
    visitor = app.test_client()
    codes = [visitor.post("/signup", data={**FORM, "username": f"limit{n}"}).status_code for n in range(3)]
    assert codes == [200, 200, 429]
    vol = app.test_client()
    assert vol.post("/login", data={"username": "vol1", "password": "pumasi-demo"}).status_code == 303
    assert vol.get("/admin/signups").status_code == 403 and vol.get("/site/signups").status_code == 403
    with helpers.ctx(app):
        assert Site.select().count() >= 2
