"""A setting with a list of choices (회원가입, 회원가입 승인) read from the environment: an on/off switch
takes what people write for a switch, and a value it cannot take stops the start with the variable
named (the walks started a stack with PUMASI_SIGNUP=1: read as 'not on', sign-up stayed off silently).
And the operators' 큐 상태 in Korean."""
import pytest

from pumasi import settings


@pytest.mark.parametrize("raw, value", [("1", "on"), ("on", "on"), (" ON ", "on"), ("true", "on"), ("yes", "on"),
                                        ("0", "off"), ("off", "off"), ("False", "off"), ("no", "off")])
def test_the_sign_up_switch_reads_what_people_write_for_a_switch(raw, value):
    assert settings.from_environ({"PUMASI_SIGNUP": raw})["SIGNUP"] == value


@pytest.mark.parametrize("raw, value", [("none", "none"), ("Operator", "operator"), ("site ", "site")])
def test_the_approval_is_one_of_its_choices(raw, value):
    assert settings.from_environ({"PUMASI_SIGNUP_APPROVAL": raw})["SIGNUP_APPROVAL"] == value


@pytest.mark.parametrize("env, raw, told", [
    ("PUMASI_SIGNUP", "enabled", "PUMASI_SIGNUP='enabled': one of off, on"),
    ("PUMASI_SIGNUP_APPROVAL", "1", "PUMASI_SIGNUP_APPROVAL='1': one of none, operator, site"),
    ("PUMASI_SIGNUP_APPROVAL", "yes", "PUMASI_SIGNUP_APPROVAL='yes': one of none, operator, site"),
])
def test_a_value_outside_the_choices_stops_the_start_naming_the_variable(env, raw, told):
    with pytest.raises(settings.SettingError) as caught:
        settings.from_environ({env: raw})
    assert str(caught.value) == told


def test_unset_or_empty_is_the_default():
    assert settings.from_environ({})["SIGNUP"] == "off"
    assert settings.from_environ({"PUMASI_SIGNUP": ""})["SIGNUP"] == "off"


def test_the_queue_state_is_told_in_korean(app, client, auth, demo):
    """운영관리's 큐 상태 showed RQ's 'idle' and the adapter's 'OK submit' as they are."""
    from rq import Worker

    from pumasi.jobs.connection import get_queue
    from pumasi.jobs.status import record_portal_answer
    queue = get_queue(app)
    worker = Worker([queue], connection=queue.connection, name="walks-worker")
    worker.register_birth()
    worker.set_state("idle")
    try:
        record_portal_answer(app, True, "OK submit")
        auth.login("admin")
        text = client.get("/admin/monitor/health", headers={"HX-Request": "true"}).text
        assert "walks-wo (대기 중, 신호" in text and "idle" not in text
        assert "정상 (기록 제출)" in text and "OK submit" not in text
        record_portal_answer(app, False, "HTTP 503 on /api/v1/records")
        assert "실패: HTTP 503 on /api/v1/records" in client.get("/admin/monitor/health",
                                                              headers={"HX-Request": "true"}).text
    finally:
        worker.register_death()


def test_the_audit_log_tells_its_details_in_korean(app, client, auth, demo):
    """감사 기록's 내용 was English ('request 3, 2 dates', 'role volunteer', 'printed code, valid for 14
    days', '1 added, 0 changed: 23'), beside the Korean names of the actions."""
    import re as regex
    auth.login("admin")
    made = client.post("/admin/members/new", data={"username": "yujin", "name": "최유진", "role": "volunteer",
                                                    "phone": "", "email": ""})
    assert made.status_code == 303
    member_id = made.headers["Location"].rsplit("/", 1)[1]
    client.post("/admin/invitations/print", data={"member_id": member_id})
    text = client.get("/admin/audit").text
    details = regex.findall(r"<td>([^<]*)</td><td>[0-9.:a-f]*</td></tr>", text)
    assert "구분 개인회원" in details and "인쇄한 코드, 14일 동안 유효" in details, details
    assert not [detail for detail in details if regex.search(r"[A-Za-z]{4,}", detail)], details
