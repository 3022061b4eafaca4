"""Hostile input on every form: never a 500, never a half-saved change, always a Korean message."""
import re

import pytest

from pumasi import migrations
from pumasi.db import db
from pumasi.models import Activity, DailyLog, Member, Participation

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
    from conftest import build_app
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
    return {model.__name__: model.select().count() for model in migrations.MODELS}


def _url(rule, ids):
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule)


def _field_names(client, app, ids):
    names = set()
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static" and not rule.rule.endswith(".csv"):
            names |= set(re.findall(r'name="([a-zA-Z_]+)"', client.get(_url(rule, ids)).text))
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
                before = _counts()
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


def test_huge_ids_in_urls_are_not_found(fuzz_app):
    client = fuzz_app.test_client()
    client.post("/login", data={"username": "vol1", "password": "pumasi-demo"})
    for url in ("/mypage/participations/99999999999999999999/row", "/mypage/participations/2147483648/result"):
        assert client.get(url).status_code == 404, url
    assert client.get("/mypage/activities?page=99999999999999999999").status_code == 200  # page 1
    assert client.get("/mypage/certificate?participation_ids=99999999999999999999").status_code == 422


# Query parameter names that url_for would take as its own arguments, and values that would show
# if a page built a link from them.
URL_FOR_NAMES = {"endpoint": "evil-endpoint", "_method": "POST", "_external": "1", "_anchor": "evil-anchor",
                 "_scheme": "javascript", "values": "evil-values", "page": "2"}


def _many_rows():
    """Enough members, audit entries, failed dates and participations that every list has pages."""
    from datetime import date, time

    from pumasi import audit
    from pumasi.models import FAILED, Site
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
                        link_state=FAILED, result_code=100)
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
                body = response.get_data(as_text=True)
                label = (username, rule.rule, bool(headers), response.status_code)
                assert response.status_code < 500, label
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
