"""A careless user types an RRN where it does not belong: a volunteer into 연락처 or 아이디, a site
manager into a title or a place, an operator into a site's name, a search or a 사유. Every form of every
role, each text field in turn holding an RRN: a Korean 4xx, the number nowhere in the answer and nowhere
in the database (it was stored, shown and exported as typed: a site's name and phone, an activity's
title, category and place). Only 본인인증's two boxes and the passwords take one (pumasi.inputs), and a
file's name keeps it masked."""
import io
import re

import pytest

from helpers import ctx
from pumasi import inputs, migrations
from pumasi.models import Activity, Member, Upload

from test_fuzz import _ids, _url

RRN = "900101-1234568"
BACK = "1234568"
HANGUL = re.compile(r"[가-힣]")
# Forms whose press ends the session or takes something away (tried elsewhere): not pressed here.
LEAVE_ALONE = ("logout", "withdraw", "remove", "leave", "delete", "reset", "revoke", "print", "mail")
TEXT_TYPES = ("text", "search", "email", "tel", "textarea")
# Free text kept masked instead (900101-*******), as the access records' reasons are: a month's
# 점검 의견 (test_review_free_text). The database search at the end checks it.
KEPT_MASKED = {"review_note"}
TIME_BOXES = re.compile(r"(start|end|minutes)-[en][0-9]+|common_(start|end)")  # 일별 입력's boxes


def _forms(html, url):
    """[(action, method, {name: (type, value)})] of the page's forms."""
    found = []
    for chunk in html.split("<form")[1:]:
        form = chunk.split("</form>")[0]
        head = form.split(">")[0]
        action = re.search(r'action="([^"]*)"', head)
        action = action.group(1).replace("&amp;", "&") if action and action.group(1) else url
        method = "POST" if 'method="post"' in head else "GET"
        fields = {}
        for tag in re.findall(r"<(?:input|textarea|select)[^>]*>", form):
            name = re.search(r'name="([^"]+)"', tag)
            if not name or name.group(1) == "csrf_token":
                continue
            kind = "textarea" if tag.startswith("<textarea") else "select" if tag.startswith("<select") else (
                re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
            value = (re.search(r'value="([^"]*)"', tag) or [None, ""])[1]
            fields.setdefault(name.group(1), (kind, value))
        found.append((action.split("?")[0] if method == "GET" else action, method, fields))
    return found


def _stored():
    """(table, column, value) of every text in the database that holds the RRN's back digits."""
    hits = []
    for model in migrations.MODELS:
        for row in model.select().dicts():
            for column, value in row.items():
                text = bytes(value).decode("utf-8", "replace") if isinstance(value, (bytes, memoryview)) else value
                if isinstance(text, str) and BACK in text:
                    hits.append((model.__name__, column, text[:80]))
    return hits


@pytest.mark.parametrize("username", ["vol1", "site1", "admin"])
def test_an_rrn_in_any_field_is_refused_and_kept_nowhere(app, demo, username):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": "pumasi-demo"}).status_code == 303
    with ctx(app):
        ids = _ids(username)
    tried, seen = 0, set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "auth.logout"):
            continue
        page = client.get(_url(rule, ids))
        if not page.mimetype.startswith("text/"):
            continue
        for action, method, fields in _forms(page.get_data(as_text=True), _url(rule, ids)):
            if any(word in action for word in LEAVE_ALONE):
                continue
            texts = [name for name, (kind, _) in fields.items()
                     if kind in TEXT_TYPES and name not in inputs.RRN_FIELDS]
            for name in texts:
                if (action, method, name) in seen:
                    continue
                seen.add((action, method, name))
                values = {key: value or ("1" if kind in ("checkbox", "hidden", "radio") else "")
                          for key, (kind, value) in fields.items()}
                values[name] = f"{values[name]} {RRN}".strip()
                if method == "GET":
                    response = client.get(action, query_string=values)
                else:
                    response = client.post(action, data=values)
                body = response.get_data(as_text=True)
                label = (username, method, action, name, response.status_code)
                assert BACK not in body, label
                if name in KEPT_MASKED:
                    assert response.status_code < 500, label
                    continue
                assert 400 <= response.status_code < 500 and HANGUL.search(body), label
                if not TIME_BOXES.fullmatch(name):  # those refuse it as no time or number
                    assert inputs.RRN_MESSAGE in body, label
                tried += 1
    assert tried >= {"vol1": 3, "site1": 8, "admin": 15}[username], tried
    with ctx(app):
        assert _stored() == []


def test_the_rule(app):
    for name in ("name", "title", "phone", "q", "reason", "username", "review_note"):
        for value in (RRN, RRN.replace("-", ""), f"홍길동 {RRN} 요청", "９００１０１１２３４５６８"):
            assert inputs.field_problem(name, value) == inputs.RRN_MESSAGE, (name, value)
        for value in ("010-1234-5678", "01012345678", "2026-000123", "12345678901234", "900101-123456"):
            assert inputs.field_problem(name, value) is None, (name, value)
    for name in inputs.RRN_FIELDS:  # 본인인증's boxes, and passwords compared as typed
        assert inputs.field_problem(name, RRN) is None
    assert inputs.field_problem("name", f"a\x00{RRN}") == inputs.CONTROL_MESSAGE
    assert inputs.problems({"phone": RRN, "name": "김민준"}) == {"phone": inputs.RRN_MESSAGE}


def test_a_13_digit_password_still_logs_in(app, demo):
    with ctx(app):
        member = Member.get(Member.username == "vol1")
        member.set_password("9001011234568")
        member.save()
    client = app.test_client()
    assert client.post("/login", data={"username": "vol1", "password": "9001011234568"}).status_code == 303


def test_an_rrn_in_an_uploaded_files_name_is_kept_masked(app, demo):
    client = app.test_client()
    client.post("/login", data={"username": "site1", "password": "pumasi-demo"})
    with ctx(app):
        activity = Activity.select().join(Member, on=(Activity.site == Member.site)).where(
            Member.username == "site1").first()
        volunteer = activity.participations[0].volunteer
    text = (f"활동일,회원아이디,이름,시작시간,종료시간\r\n{activity.start_date},{volunteer.username},"
            f"{volunteer.name},18:00,19:00\r\n").encode()
    page = client.post(f"/site/activities/{activity.id}/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(text), f"김하늘_{RRN}.csv")})
    assert page.status_code == 200 and BACK not in page.text
    with ctx(app):
        assert [upload.filename for upload in Upload.select()] == ["김하늘_900101-*******.csv"]
        assert _stored() == []


def test_flask_check_names_where_an_rrn_typed_earlier_is_kept(app, demo):
    """What the forms stored before they refused it stays until corrected: `flask check` names the
    places (table, id, column), never the value."""
    from pumasi.ops import rrn_check
    with ctx(app):
        assert rrn_check.item()[:2] == ("RRN-shaped values", True)
        vol1 = Member.get(Member.username == "vol1")
        Member.update(phone=RRN).where(Member.id == vol1.id).execute()
        activity = Activity.select().first()
        Activity.update(title=f"봉사 {RRN.replace('-', '')}").where(Activity.id == activity.id).execute()
        name, ok, detail = rrn_check.item()
        assert not ok and BACK not in detail and "900101" not in detail
        assert detail.startswith(f"2 found: member #{vol1.id} phone, activity #{activity.id} title"), detail
