"""Invitations (issue 14 part 2): a member created by an operator has no password anyone knows; they
set their own through an e-mailed one-time link or a printed one-time code entered with their 아이디.
On both databases."""
import re
from datetime import timedelta

import helpers
from pumasi.accounts import invitations, passwords
from pumasi.clock import utcnow
from pumasi.models import AccessRecord, AuditLog, Member, PasswordReset
from pumasi.ops.invite import invite

NEW = "my-own-password-1"
FORM = {"name": "새 봉사자", "role": "volunteer", "phone": "010-2222-3333", "email": ""}


def _create(client, username, **extra):
    response = client.post("/admin/members/new", data={**FORM, "username": username, **extra})
    assert response.status_code == 303, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _print(client, *member_ids, **extra):
    sheet = client.post("/admin/invitations/print", data={"member_id": [str(i) for i in member_ids], **extra})
    assert sheet.status_code == 200 and sheet.headers["Cache-Control"] == "no-store"
    return sheet, re.findall(r'class="secret invitation-code">([A-Z0-9-]+)<', sheet.text)


def _enter(username, code, password=NEW, app=None, client=None):
    client = client or app.test_client()
    return client.post("/invite", data={"username": username, "code": code, "new_password": password,
                                        "confirm": password})


def _actions(app, member_id):
    with helpers.ctx(app):
        return [a.action for a in AuditLog.select().where(AuditLog.target_id == member_id,
                                                           AuditLog.target_type == "Member").order_by(AuditLog.id)]


def test_a_printed_code_sets_the_first_password_once(app, client, auth, demo):
    auth.login("admin")
    made = client.post("/admin/members/new", data={**FORM, "username": "newvol", "password": "operator-knows"})
    member_id = int(made.headers["Location"].rsplit("/", 1)[1])
    assert "초대 코드 인쇄" in client.get(made.headers["Location"]).text
    assert "아직 정하지 않음" in client.get(f"/admin/members/{member_id}").text
    # Nobody can log in as the new member: not with what an operator typed, not with nothing.
    for password in ("operator-knows", "!", ""):
        assert app.test_client().post("/login", data={"username": "newvol", "password": password}).status_code in (
            400, 401)
    listed = client.get("/admin/invitations?q=newvol")
    assert "새 봉사자" in listed.text and "초대 전" in listed.text

    sheet, codes = _print(client, member_id)
    assert len(codes) == 1 and len(invitations.normalize_code(codes[0])) == invitations.CODE_LENGTH
    assert "newvol" in sheet.text and "http://localhost/invite" in sheet.text
    with helpers.ctx(app):
        stored = PasswordReset.get(PasswordReset.member == member_id)
        assert stored.purpose == "invite" and codes[0] not in str(list(PasswordReset.select().tuples()))
        assert invitations.normalize_code(codes[0]) not in str(list(PasswordReset.select().tuples()))
        assert stored.expires_at - stored.created_at == timedelta(days=app.config["INVITE_DAYS"])
        seen = AccessRecord.select().where(AccessRecord.what.startswith("초대장 인쇄")).get()
        assert (seen.action, seen.subjects, seen.actor_name) == ("조회", str(member_id), "admin")

    assert _enter("vol1", codes[0], app=app).status_code == 401  # another member's 아이디
    short = _enter("newvol", codes[0], "short", app=app)
    assert short.status_code == 422 and passwords.LENGTH_MESSAGE in short.text
    visitor = app.test_client()
    typed = codes[0].lower().replace("-", " ")  # as a person may type it: any case, spaces
    done = _enter("NEWVOL", typed, client=visitor)
    assert done.status_code == 303 and done.headers["Location"].endswith("/mypage/")
    assert "비밀번호를 정했습니다" in visitor.get("/mypage/").text
    again = _enter("newvol", codes[0], "another-password", app=app)
    assert again.status_code == 401 and invitations.CODE_GONE_MESSAGE in again.text
    assert app.test_client().post("/login", data={"username": "newvol", "password": NEW}).status_code == 303
    assert "초대 코드 인쇄" not in client.get(f"/admin/members/{member_id}").text
    assert "newvol" not in client.get("/admin/invitations").text
    assert _actions(app, member_id) == ["member.create", "invitation.code", "invitation.used"]


def test_wrong_or_expired_codes_and_a_new_sheet_ending_the_old_one(app, client, auth, demo):
    auth.login("admin")
    first_id, second_id = _create(client, "first1"), _create(client, "second2")
    _, (old,) = _print(client, first_id)
    _, codes = _print(client, first_id, second_id)
    by_name = dict(zip(["first1", "second2"], codes))  # the sheet is ordered by name
    assert _enter("first1", old, app=app).status_code == 401  # replaced by the new sheet
    assert _enter("first1", "AAAA-BBBB-CCCC", app=app).status_code == 401
    empty = _enter("", "", app=app)
    assert empty.status_code == 422 and "아이디를 입력해 주세요." in empty.text and "초대 코드를 입력해 주세요." in empty.text
    with helpers.ctx(app):
        PasswordReset.update(expires_at=utcnow() - timedelta(seconds=1)).where(
            PasswordReset.member == second_id, PasswordReset.used_at.is_null()).execute()
    expired = _enter("second2", by_name["second2"], app=app)
    assert expired.status_code == 401 and invitations.CODE_GONE_MESSAGE in expired.text
    assert _enter("first1", by_name["first1"], app=app).status_code == 303
    with helpers.ctx(app):
        assert not Member.get_by_id(second_id).check_password(NEW)


def test_code_entry_is_rate_limited_per_address_and_account(app, client, auth, demo):
    app.config["LOGIN_FAIL_LIMIT"] = "3 per minute"
    guesser = app.test_client()
    codes = [f"ACDE-FGHJ-KLM{n}" for n in range(4)]
    assert [_enter("vol3", code, client=guesser).status_code for code in codes] == [401, 401, 401, 429]
    assert _enter("vol2", codes[0], client=guesser).status_code == 401  # another account: its own budget


def test_an_emailed_link_sets_the_password_and_logs_in(app, client, auth, demo, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False)
    app.extensions.pop("config_cache", None)
    auth.login("admin")
    made = client.post("/admin/members/new", data={**FORM, "username": "mailvol", "email": "mv@example.org"})
    member_id = int(made.headers["Location"].rsplit("/", 1)[1])
    assert "mv@example.org 로 초대 이메일을 보냈습니다" in client.get(made.headers["Location"]).text
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "mv@example.org" and "회원 등록 안내" in message["Subject"]
    body = message.get_content()
    assert "mailvol" in body and f"{app.config['INVITE_DAYS']}일 안에" in body
    path = re.search(r"http://localhost(/invite/\S+)", body).group(1)

    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "mailvol" in page.text and page.headers["Cache-Control"] == "no-store"
    assert visitor.get(path.replace("/invite/", "/password/reset/")).status_code == 410  # not a reset link
    mismatch = visitor.post(path, data={"new_password": NEW, "confirm": NEW + "x"})
    assert mismatch.status_code == 422 and passwords.MISMATCH_MESSAGE in mismatch.text
    done = visitor.post(path, data={"new_password": NEW, "confirm": NEW})
    assert done.status_code == 303 and visitor.get("/mypage/").status_code == 200
    for again in (app.test_client().get(path), app.test_client().post(path, data={"new_password": NEW,
                                                                                  "confirm": NEW})):
        assert again.status_code == 410 and invitations.LINK_GONE_MESSAGE in again.text
    assert _actions(app, member_id) == ["member.create", "invitation.link", "invitation.used"]


def test_invite_mails_those_with_an_address_and_leaves_the_rest_to_print(app, demo, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False)
    with helpers.ctx(app):
        with_mail = Member.create(username="im1", name="가", role="volunteer", email="im1@example.org",
                                  password_hash=invitations.NO_PASSWORD)
        without = Member.create(username="im2", name="나", role="volunteer", password_hash=invitations.NO_PASSWORD)
        more = [Member.create(username=f"im{n}", name="다", role="volunteer", email=f"im{n}@example.org",
                              password_hash=invitations.NO_PASSWORD) for n in (3, 4)]
        has_password = helpers.member("vol1")
        mailed, to_print = invite([with_mail, without, has_password, *more], app.config, "https://pumasi.example/")
        assert [m.username for m in mailed] == ["im1", "im3", "im4"] and [m.username for m in to_print] == ["im2"]
        messages = smtp_server.wait_for(3)  # over one connection to the server
        assert sorted(m["To"] for m in messages) == ["im1@example.org", "im3@example.org", "im4@example.org"]
        assert all("https://pumasi.example/invite/" in m.get_content() for m in messages)
        assert len({re.search(r"/invite/(\S+)", m.get_content()).group(1) for m in messages}) == 3
        assert invitations.issue_codes([has_password], app.config) == []  # a member with a password: no code
        assert PasswordReset.select().where(PasswordReset.member == has_password.id).count() == 0


def test_only_operators_invite(app, client, auth, demo):
    with helpers.ctx(app):
        vol3 = helpers.member("vol3")
    auth.login("site1")
    assert client.get("/admin/invitations").status_code == 403
    assert client.post("/admin/invitations/print", data={"member_id": str(vol3.id)}).status_code == 403
    auth.logout()
    auth.login("admin")
    # vol3 has a password: nothing to print, said so.
    refused = client.post("/admin/invitations/print", data={"member_id": str(vol3.id)}, follow_redirects=True)
    assert "초대장을 인쇄할 회원을 선택해 주세요" in refused.text
    with helpers.ctx(app):
        assert PasswordReset.select().count() == 0


def test_a_sites_whole_sheet_at_once(app, client, auth, demo):
    """An import gives volunteers a 소속 site: the operator prints every waiting member of one site."""
    with helpers.ctx(app):
        site = helpers.member("site1").site
        Member.create(username="ofsite1", name="가소속", role="volunteer", site=site,
                      password_hash=invitations.NO_PASSWORD)
        Member.create(username="ofsite2", name="나소속", role="volunteer", site=site,
                      password_hash=invitations.NO_PASSWORD)
        Member.create(username="nosite", name="다무소속", role="volunteer", password_hash=invitations.NO_PASSWORD)
    auth.login("admin")
    listed = client.get(f"/admin/invitations?site_id={site.id}")
    assert "ofsite1" in listed.text and "ofsite2" in listed.text and "nosite" not in listed.text
    sheet, codes = _print(client, all="1", site_id=str(site.id), q="")
    assert len(codes) == 2 and "ofsite1" in sheet.text and "ofsite2" in sheet.text and "nosite" not in sheet.text
    everyone, codes = _print(client, all="1", site_id="", q="소속")
    assert len(codes) == 3 and "nosite" in everyone.text


def test_e_mail_everyone_not_yet_invited_a_batch_at_a_time(app, client, auth, demo, smtp_server, monkeypatch):
    """After an import: one press e-mails those with an address and no open invitation; a second
    press does not invite them again."""
    from pumasi.web.admin import invitations as view
    monkeypatch.setattr(view, "MAIL_MAX", 2)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False)
    app.extensions.pop("config_cache", None)
    with helpers.ctx(app):
        for n in range(3):
            Member.create(username=f"imp{n}", name="가져옴", role="volunteer", email=f"imp{n}@example.org",
                          password_hash=invitations.NO_PASSWORD)
        Member.create(username="impnomail", name="가져옴", role="volunteer", password_hash=invitations.NO_PASSWORD)
    auth.login("admin")
    form = {"all": "1", "q": "가져옴", "site_id": ""}
    first = client.post("/admin/invitations/mail", data=form, follow_redirects=True)
    assert "2명에게 초대 이메일을 보냈습니다" in first.text
    second = client.post("/admin/invitations/mail", data=form, follow_redirects=True)
    assert "1명에게 초대 이메일을 보냈습니다" in second.text
    third = client.post("/admin/invitations/mail", data=form, follow_redirects=True)
    assert "초대 이메일을 보낼 회원이 없습니다" in third.text
    assert sorted(m["To"] for m in smtp_server.wait_for(3)) == [f"imp{n}@example.org" for n in range(3)]
    assert len(smtp_server.messages) == 3
