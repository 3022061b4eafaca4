"""Phone numbers as people write them are kept in Korea's one form (pumasi.phones), in every form that
takes one: 내 정보, 회원가입, an operator's member and site, the operators' imports. The walks typed
'010 1234 5678' into 내 정보 and 회원가입 and were told to use only digits and '-'."""
import pytest

from pumasi import phones
from pumasi.db import db
from pumasi.models import Member, Site


@pytest.mark.parametrize("written, kept", [
    ("010-1234-5678", "010-1234-5678"), ("01012345678", "010-1234-5678"), ("010 1234 5678", "010-1234-5678"),
    (" 010.1234.5678 ", "010-1234-5678"), ("+82 10-1234-5678", "010-1234-5678"), ("+82-10-1234-5678", "010-1234-5678"),
    ("０１０－１２３４－５６７８", "010-1234-5678"), ("011-123-4567", "011-123-4567"), ("02-720-1365", "02-720-1365"),
    ("(02) 720-1365", "02-720-1365"), ("0212345678", "02-1234-5678"), ("031-123-4567", "031-123-4567"),
    ("070-4035-8224", "070-4035-8224"), ("1588-1234", "1588-1234"), ("15881234", "1588-1234"), ("", ""), ("  ", ""),
])
def test_a_korean_number_is_kept_in_one_form(written, kept):
    assert phones.normal(written) == kept


@pytest.mark.parametrize("written", [
    "12", "010-123", "010-1234-56789", "010 abc", "010-CALL-ME", "1012345678", "10-1234-5678",  # lost its 0
    "+1 212 555 1234", "02-720-1365 내선 3", "0" * 31, None,
])
def test_anything_else_is_not_a_phone_number(written):
    assert phones.normal(written) is (None if written else "")


def test_my_info_keeps_a_number_written_with_spaces(app, client, auth, demo):
    auth.login("vol1")
    saved = client.post("/mypage/info", data={"phone": "010 9876 5432", "email": ""})
    assert saved.status_code in (200, 303)
    with app.app_context(), db.connection_context():
        assert Member.get(Member.username == "vol1").phone == "010-9876-5432"


def test_an_operator_s_member_and_site_keep_one_form(app, client, auth, demo):
    auth.login("admin")
    made = client.post("/admin/members/new", data={"username": "yujin", "name": "최유진", "role": "volunteer",
                                                    "phone": "010.2468.1357", "email": ""})
    assert made.status_code == 303, made.text
    site = client.post("/admin/sites/new", data={"name": "새 활동처", "phone": "(02) 123-4567"})
    assert site.status_code == 303, site.text
    with app.app_context(), db.connection_context():
        assert Member.get(Member.username == "yujin").phone == "010-2468-1357"
        assert Site.get(Site.name == "새 활동처").phone == "02-123-4567"
