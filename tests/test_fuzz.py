"""Hostile input on every form: never a 500, never a half-saved change, always a Korean message."""
import re

import pytest

from pumasi.linkage.state import DateState
from pumasi import migrations
from pumasi.db import db
from peewee import fn

from pumasi.models import AccessRecord, Activity, DailyLog, Member, Participation

HOSTILE = [
    "",
    " ",
    "x" * 20000,
    "<script>alert('pumasi')</script>",
    "' OR 1=1; DROP TABLE member; --",
    "-1",
    "0",
    "99999999999999999999999",
    "2021-02-30",
    "25:61",
    "１２３４５６",
    "\x00\x01",
    "9001011234567",
    "😀" * 50,
]
SCRIPT = "<script>alert('pumasi')</script>"
HANGUL = re.compile(r"[가-힣]")
SKIP = {"auth.logout", "auth.login"}  # log-in has its own tests; log-out would end the session


@pytest.fixture
def fuzz_app(tmp_path, redis_url):
    from helpers import build_app
    from pumasi import demo
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'pumasi.db'}", redis_url, WTF_CSRF_ENABLED=False,
                    PORTAL_URL="http://127.0.0.1:9", IDENTITY_LIMIT="1000 per minute")
    with app.app_context(), db.connection_context():
        demo.seed()
    return app


def _ids(username):
    """Ids of objects the member may act on, by URL parameter name."""
    member = Member.get(Member.username == username)
    if username == "vol1":
        p = (Participation.select().join(DailyLog).where(Participation.volunteer == member).first())
        return {"participation_id": p.id}
    if username == "site1":
        activity = Activity.select().where(Activity.site == member.site_id).first()
        p = Participation.select().where(Participation.activity == activity).first()
        log = DailyLog.select().join(Participation).where(Participation.activity == activity).first()
        return {"activity_id": activity.id, "participation_id": p.id, "log_id": log.id}
    vol3 = Member.get(Member.username == "vol3")
    return {"member_id": vol3.id, "participation_id": Participation.select().first().id,
            "log_id": DailyLog.select().first().id, "site_id": member.site_id or 1}


def _counts():
    """Rows per table, the access records aside: a page that showed someone's data (even beside a
    refused value, such as a form shown again with its message) must write one (issue 15);
    _only_views checks that those are views and hold nothing that was typed."""
    models = [model for model in migrations.MODELS if model is not AccessRecord]
    # One statement for all tables (a peewee count per table, twice per request, was most of
    # test_hostile_values_on_every_form's time: 64 of its 102 s at load 10).
    sql = " UNION ALL ".join(f'SELECT {n}, COUNT(*) FROM "{m._meta.table_name}"' for n, m in enumerate(models))
    return {models[n].__name__: count for n, count in db.execute_sql(sql).fetchall()}


def _last_access():
    return AccessRecord.select(fn.MAX(AccessRecord.seq)).scalar() or 0


def _only_views(since, label):
    for record in AccessRecord.select().where(AccessRecord.seq > since):
        assert record.action == "조회", (label, record.action, record.what)
        typed = record.what + record.reason
        assert SCRIPT not in typed and not re.search("[\x00-\x08\x0b-\x1f]", typed), (label, typed)


def _url(rule, ids):
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule)


def _field_names(client, app, ids):
    names = set()
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            response = client.get(_url(rule, ids))
            if response.mimetype.startswith("text/"):  # not a file (CSV, .xlsx, a 확인서's PDF)
                names |= set(re.findall(r'name="([a-zA-Z_]+)"', response.text))
    return names - {"csrf_token"}


@pytest.mark.parametrize("username", ["vol1", "site1", "admin"])
def test_hostile_values_on_every_form(fuzz_app, username):
    client = fuzz_app.test_client()
    assert client.post("/login", data={"username": username, "password": "pumasi-demo"}).status_code == 303
    with fuzz_app.app_context(), db.connection_context():
        ids = _ids(username)
    names = _field_names(client, fuzz_app, ids) | {"participation_ids", "log_ids", "rrn_front", "rrn_back"}
    rules = [r for r in fuzz_app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in SKIP]
    assert len(rules) > 15
    for rule in rules:
        url = _url(rule, ids)
        bodies = [{name: value for name in names} for value in HOSTILE]
        bodies.append(b"name=%FF%FE&title=%C3%28&date=%E0%80&start=%80")  # not UTF-8
        for body in bodies:
            with fuzz_app.app_context(), db.connection_context():
                before, since = _counts(), _last_access()
            kwargs = {"data": body}
            if isinstance(body, bytes):
                kwargs["content_type"] = "application/x-www-form-urlencoded"
            response = client.post(url, headers={"HX-Request": "true"}, **kwargs)
            label = (username, url, str(body)[:60])
            assert response.status_code < 500, label
            assert SCRIPT not in response.get_data(as_text=True), label
            if response.status_code >= 400:
                assert HANGUL.search(response.get_data(as_text=True)), label
                with fuzz_app.app_context(), db.connection_context():
                    assert _counts() == before, label
                    _only_views(since, label)


def test_huge_ids_in_urls_are_not_found(fuzz_app):
    client = fuzz_app.test_client()
    client.post("/login", data={"username": "vol1", "password": "pumasi-demo"})
    for url in ("/mypage/participations/99999999999999999999/row", "/mypage/participations/2147483648/result"):
        assert client.get(url).status_code == 404, url
    assert client.get("/mypage/activities?page=99999999999999999999").status_code == 200  # page 1
    assert client.post("/mypage/certificate", data={"participation_ids": "99999999999999999999"}).status_code == 422


# Query parameter names that url_for would take as its own arguments, and values that would show
# if a page built a link from them.
URL_FOR_NAMES = {"endpoint": "evil-endpoint", "_method": "POST", "_external": "1", "_anchor": "evil-anchor",
                 "_scheme": "javascript", "values": "evil-values", "page": "2"}


def _many_rows():
    """Enough members, audit entries, failed dates and participations that every list has pages."""
    from datetime import date, time

    from pumasi.ops import audit
    from pumasi.models import Site
    vol1 = Member.get(Member.username == "vol1")
    site = Site.select().first()
    activity = Activity.create(site=site, category="문화", title="페이지 시험", start_date=date(2020, 1, 1),
                               end_date=date(2020, 12, 31))
    for n in range(35):
        member = Member(username=f"pager{n}", name=f"페이지{n}", role="volunteer")
        member.set_password("pumasi-demo")
        member.save()
        audit.record("test.pager", actor=member)
        p = Participation.create(activity=activity, volunteer=member)
        DailyLog.create(participation=p, date=date(2020, 1, 1), start=time(10), end=time(11), minutes=60,
                        link_state=DateState.FAILED, result_code=100)
        other = Activity.create(site=site, category="문화", title=f"페이지 활동 {n}", start_date=date(2020, 1, 1),
                                end_date=date(2020, 12, 31))
        Participation.create(activity=other, volunteer=vol1)


@pytest.mark.parametrize("username", ["vol1", "site1", "admin"])
def test_query_parameter_names_never_reach_url_for(fuzz_app, username):
    """Every page, with parameter names url_for knows (endpoint, _method, _external, _anchor,
    _scheme): never a 500, and no link of the page carries them (refresh, pager, form targets)."""
    with fuzz_app.app_context(), db.connection_context():
        _many_rows()
        ids = _ids(username)
    client = fuzz_app.test_client()
    assert client.post("/login", data={"username": username, "password": "pumasi-demo"}).status_code == 303
    rules = [r for r in fuzz_app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    pagers = 0
    for rule in rules:
        for headers in ({}, {"HX-Request": "true"}):
            for names in (URL_FOR_NAMES, {name: value for name, value in URL_FOR_NAMES.items() if name != "page"}):
                response = client.get(_url(rule, ids), query_string=names, headers=headers)
                # A file (CSV, .xlsx, a 확인서's PDF) has no links to check.
                body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
                label = (username, rule.rule, bool(headers), response.status_code)
                # /healthz's 503 is its answer (no worker runs here), not an error.
                assert response.status_code < 500 or rule.endpoint == "health.healthz", label
                assert "evil" not in body and "evil" not in response.headers.get("Location", ""), label
                assert "javascript:" not in body and "http://localhost" not in body, label
                pagers += 'rel="next"' in body or 'rel="prev"' in body
    assert pagers or username == "site1", "no list had pages: the pager links were not tried"  # sites have no pager


def test_no_link_is_built_from_the_requests_own_parameters():
    """The mechanism, not only today's pages: nothing hands request.args (or .values/.form) to
    url_for or to the pager as keyword arguments; filters pass their own query_args()."""
    import pathlib
    root = pathlib.Path(__file__).resolve().parent.parent
    wholesale = re.compile(r"\*\*\s*request\.|request\.(args|values|form)\.to_dict\(|pager\([^)]*request\.")
    for path in [*root.glob("templates/**/*.html"), *root.glob("pumasi/**/*.py")]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not wholesale.search(line), f"{path.relative_to(root)}:{number}: {line.strip()}"


def test_a_too_long_text_field_is_told_as_such_not_as_a_file(fuzz_app):
    """A text field longer than werkzeug's 500 kB for multipart parts reaches its form and gets the
    field's own message; a body over the 5 MB limit gets a message about text when it is a text
    form, and the file message only when it is a file upload (multipart)."""
    client = fuzz_app.test_client()
    client.post("/login", data={"username": "site1", "password": "pumasi-demo"})
    long_title = "가" * 300_000  # 900 kB of UTF-8
    form = {"category": "문화", "title": long_title, "location": "", "start_date": "2024-01-01",
            "end_date": "2024-01-31"}
    for content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        response = client.post("/site/activities/new", data=form, content_type=content_type)
        assert response.status_code == 422, content_type
        assert "봉사제목은 200자 이하입니다." in response.text and "파일" not in response.text
    huge = {"name": "x" * (6 * 1024 * 1024)}
    client.post("/logout")
    client.post("/login", data={"username": "admin", "password": "pumasi-demo"})
    for url in ("/admin/members/new", "/admin/sites/new", "/login"):
        response = client.post(url, data=huge)
        assert response.status_code == 413, url
        assert "입력한 내용이 너무 깁니다" in response.text and "파일" not in response.text, url
    import io
    client.post("/logout")
    client.post("/login", data={"username": "site1", "password": "pumasi-demo"})
    with fuzz_app.app_context(), db.connection_context():
        activity = Activity.select().join(Member, on=(Activity.site == Member.site)).where(
            Member.username == "site1").first()
    upload = client.post(f"/site/activities/{activity.id}/import",
                         data={"file": (io.BytesIO(b"x" * (6 * 1024 * 1024)), "big.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 413 and "파일이 너무 큽니다" in upload.text


# Characters no input may hold, one of each kind: NUL (PostgreSQL cannot store it), other C0
# controls, a tab and a line feed inside a one-line value, DEL, a C1 control.
CONTROLS = ["vol\x001", "a\x01b", "x\x1fy", "김\t민준", "줄\n바꿈", "a\rb", "del\x7f", "c1\x85x"]
ROLES = [None, "vol1", "site1", "admin"]


def _bad_requests(app, ids, names):
    """(method, url, kwargs) for every route: every known name at once with a control character,
    in the query (GET and POST) and in the body (POST)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout"):
            continue
        url = _url(rule, ids)
        for value in CONTROLS:
            bad = {name: value for name in names}
            if "GET" in rule.methods:
                yield "GET", url, {"query_string": bad}
            if "POST" in rule.methods:
                yield "POST", url, {"data": bad}
                yield "POST", url, {"query_string": {"next": value, "page": value}, "data": {}}


@pytest.mark.parametrize("username", ROLES)
def test_control_characters_are_refused_on_every_route(app, demo, username):
    """Every route of the URL map, every role, both databases: a control character in any query or
    form value is a Korean 4xx, never a 500, and nothing is saved."""
    client = app.test_client()
    if username:
        assert client.post("/login", data={"username": username, "password": "pumasi-demo"}).status_code == 303
        with app.app_context(), db.connection_context():
            ids = _ids(username)
        names = _field_names(client, app, ids)
    else:
        ids, names = {}, {"username", "password", "q", "name"}
    names |= {"participation_ids", "log_ids", "rrn_front", "rrn_back", "member_id", "q", "date"}
    with app.app_context(), db.connection_context():
        before, since = _counts(), _last_access()
    tried = 0
    for method, url, kwargs in _bad_requests(app, ids, names):
        response = client.open(url, method=method, **kwargs)
        label = (username, method, url, str(kwargs)[:80], response.status_code)
        assert response.status_code < 500, label
        if response.status_code >= 400:
            assert HANGUL.search(response.get_data(as_text=True)), label
        tried += 1
    assert tried > 200
    with app.app_context(), db.connection_context():
        assert _counts() == before, username
        _only_views(since, username)


def test_a_nul_at_log_in_is_told_next_to_the_field(app, demo):
    """The reviewer's probe (`username=vol%001`, a 500 on PostgreSQL): a 400 with the message by
    the field, on both databases; raw bytes as a browser or curl sends them."""
    from pumasi import inputs
    client = app.test_client()
    for body in (b"username=vol%001&password=pumasi-demo", b"username=vol1&password=pumasi%00demo",
                 b"username=%01vol1&password=x", b"username=vol%0D%0A1&password=x"):
        response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400, body
        assert re.search(r'<p class="error" id="[a-z_]+-error">' + re.escape(inputs.CONTROL_MESSAGE), response.text)
    # Spaces, tabs and line breaks around a value are trimmed, as every form does.
    assert client.post("/login", data={"username": " vol1\t", "password": "pumasi-demo"}).status_code == 303


def _main_form(html, url):
    """(action, field names, {name: value}) of the page's form with the most fields."""
    forms = [chunk.split("</form>")[0] for chunk in html.split("<form")[1:] if 'method="post"' in chunk]
    form = max(forms, key=lambda chunk: chunk.count("name="))
    action = re.search(r'action="([^"]+)"', form.split(">")[0])
    action = action.group(1).replace("&amp;", "&") if action else url
    names = sorted(set(re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', form)) - {"csrf_token"})
    values = {name: (re.search(rf'name="{name}"[^>]*value="([^"]*)"', form) or [None, "x"])[1] or "x"
              for name in names}
    return action, names, values


@pytest.mark.parametrize("username, pages", [
    ("admin", ["/admin/members/new", "/admin/members/{member_id}/edit", "/admin/sites/new",
               "/admin/sites/{site_id}", "/admin/daily-logs/{log_id}/correct", "/admin/settings"]),
    ("site1", ["/site/activities/new", "/site/activities/{activity_id}/edit", "/site/logs/{log_id}/edit"]),
    ("vol1", ["/mypage/identity", "/mypage/info"]),
])
def test_each_form_tells_the_refused_field(app, demo, username, pages):
    """Each form, field by field: the control-character message next to that field (a 4xx, nothing
    saved), on both databases."""
    from pumasi import inputs
    client = app.test_client()
    client.post("/login", data={"username": username, "password": "pumasi-demo"})
    with app.app_context(), db.connection_context():
        ids = _ids(username)
        ids["member_id"] = Member.get(Member.username == "vol3").id
        ids["site_id"] = Member.get(Member.username == "site1").site_id
    for page in pages:
        url = page.format(**ids)
        action, names, values = _main_form(client.get(url).text, url)
        fields = [name for name in names if name not in ("role", "site_id", "resend")]
        assert fields, url
        for name in fields:
            with app.app_context(), db.connection_context():
                before = _counts()
            response = client.post(action, data={**values, name: "ab\x00cd"})
            body = response.get_data(as_text=True)
            assert 400 <= response.status_code < 500, (url, name, response.status_code)
            field = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', body).group(0)
            assert 'aria-invalid="true"' in field, (url, name, field)
            assert re.search(r'<p class="error" id="[^"]*-error"( role="alert")?>' + re.escape(inputs.CONTROL_MESSAGE),
                             body), (url, name)
            with app.app_context(), db.connection_context():
                assert _counts() == before, (url, name)


def test_the_rule_of_inputs():
    """pumasi.inputs: the class of characters, not only NUL."""
    from pumasi import inputs
    for bad in ["\x00", "a\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1b[31m", "\x1f", "\x7f", "\x80",
                "\x9f", "a\tb", "a\nb", "a\rb", "\ud800", "x\udfffy"]:
        assert inputs.problem(bad) == inputs.CONTROL_MESSAGE, repr(bad)
    for good in ["", "vol1", " vol1 ", "\tvol1\r\n", "김민준", "１２３", "😀", "a b", "\u00a0", "O'Brien"]:
        assert inputs.problem(good) is None, repr(good)
    assert inputs.problem("첫 줄\n둘째 줄\t탭", multiline=True) is None
    assert inputs.problem("a\x00b", multiline=True) == inputs.CONTROL_MESSAGE
    assert inputs.problem("a\x0bb", multiline=True) == inputs.CONTROL_MESSAGE
    assert inputs.name_problem("a\tb") and inputs.name_problem("x\x00") and not inputs.name_problem("q")


def test_every_multi_line_field_is_named_as_such():
    """A <textarea> takes tabs and line breaks: inputs.MULTILINE must name it, or it would refuse them."""
    import pathlib

    from pumasi import inputs
    root = pathlib.Path(__file__).resolve().parent.parent
    for path in root.glob("templates/**/*.html"):
        for name in re.findall(r'<textarea[^>]*name="([^"]+)"', path.read_text()):
            assert name in inputs.MULTILINE, (path.name, name)
