"""거절 of a sign-up deletes it: one tap beside 승인 did so at once (the walks). It is asked once more,
naming the person, with 취소; only the confirmed 거절 deletes."""
import helpers
from pumasi.models import Member, Signup

from test_signup import _sign_up, _switch, operator  # noqa: F401 (operator: the logged-in operator fixture)


def test_refusing_a_sign_up_is_asked_once_more(app, operator):  # noqa: F811
    _switch(operator, "on", "operator")
    _sign_up(app, username="haneul", name="정하늘", email="")
    with helpers.ctx(app):
        signup_id = Signup.get().id
    asked = operator.post("/admin/signups", data={"signup": str(signup_id), "decision": "refuse"})
    assert asked.status_code == 200
    assert "<strong>정하늘(haneul)</strong>님의 가입 신청을 거절할까요?" in asked.text
    assert 'name="confirm" value="1"' in asked.text and "거절하고 삭제" in asked.text
    with helpers.ctx(app):
        assert Member.select().where(Member.username == "haneul").exists()  # nothing deleted yet
    done = operator.post("/admin/signups", data={"signup": str(signup_id), "decision": "refuse", "confirm": "1"})
    assert done.status_code == 303
    with helpers.ctx(app):
        assert not Member.select().where(Member.username == "haneul").exists()
