"""마이페이지 > 내 정보 changes the e-mail address without the password (only 회원탈퇴 asks for it):
whoever holds a member's session (a shared PC left logged in) could put in an address of their own
and then take the account over through 비밀번호 찾기, and the owner was never told. The address the
member had now gets a message naming the new one. On both databases, through a real SMTP server."""
import pytest

import helpers
from pumasi.models import Member

NEW = {"phone": "010-9999-8888", "email": "someone-else@example.net"}


@pytest.fixture
def mailed(app, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_STARTTLS=False)
    app.extensions.pop("config_cache", None)
    return smtp_server


def test_the_old_address_is_told_of_a_new_one(app, client, auth, demo, mailed):
    with helpers.ctx(app):
        Member.update(email="owner@example.org").where(Member.username == "vol1").execute()
    auth.login("vol1")
    # the same address in other letters: nothing to tell
    assert client.post("/mypage/info", data={"phone": "010-1111-2222", "email": "OWNER@example.org"}).status_code == 303
    assert client.post("/mypage/info", data=NEW).status_code == 303
    (told,) = mailed.wait_for(1)
    assert told["To"] == "OWNER@example.org" and "이메일 주소 변경" in told["Subject"]
    assert NEW["email"] in told.get_content() and "비밀번호를 변경" in told.get_content()
    with helpers.ctx(app):
        assert helpers.member("vol1").email == NEW["email"]
    assert client.post("/mypage/info", data={**NEW, "phone": "010-3333-4444"}).status_code == 303  # phone only
    removed = client.post("/mypage/info", data={"phone": "010-3333-4444", "email": ""})
    assert removed.status_code == 303
    told_again = mailed.wait_for(2)
    assert [m["To"] for m in told_again] == ["OWNER@example.org", NEW["email"]]  # the address removed is told too


def test_a_message_whose_header_cannot_be_written_fails_alone(app, smtp_server):
    """EmailMessage refuses a line break in a header (ValueError): in a batch (invitations, 입력 요청,
    alerts) that message fails alone; before, the error ended the batch and the caller."""
    from pumasi.ops import mail
    config = {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port, "SMTP_STARTTLS": False}
    sent = mail.send_many(config, [("a@example.org", "제목\r\nBcc: evil@example.org", "본문", "first"),
                                   ("b@example.org", "안내", "본문", "second")])
    assert sent == [False, True]
    (only,) = smtp_server.wait_for(1)
    assert only["To"] == "b@example.org" and "evil" not in str(only)
