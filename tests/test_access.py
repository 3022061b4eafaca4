"""Each person sees only their own: an access matrix over every route that takes an object id, and the
session cookie (a new one at log-in, HttpOnly, SameSite, Secure behind TLS).

The matrix is generated from app.url_map: every rule with an id in its path, and every view that reads
a list of ids from the query or form (`getlist("…_ids")`), is called with the ids of *another* person's
objects, by every role (volunteer, site manager, operator, anonymous), with and without HX-Request.
The answer is 403 or 404 (anonymous: the log-in page), the other person's data is nowhere in the body,
and nothing in the database changed. The owners and operators see the very same objects, which proves
the ids are real and the markers would show if they leaked.
"""
import inspect
import re
from datetime import date, time

import pytest

from pumasi import migrations
from pumasi.identity import rrn as identity
from pumasi.db import db
from pumasi.models import Activity, Alert, DailyLog, Identity, ImportRun, Member, Participation, Site
from pumasi.ops import certificate

from helpers import build_app

HX = {"HX-Request": "true"}
# Another person's objects, made unmistakable: none of these strings is anywhere else in the demo.
OTHER_TITLE = "비밀 봉사활동 ZQ7"
OTHER_NAME = "남궁비밀"
OTHER_EMAIL = "secret-zq7@example.org"
OTHER_LOCATION = "비밀장소 ZQ7"
OTHER_RRN = "9912311234568"
MARKERS = (OTHER_TITLE, OTHER_NAME, OTHER_EMAIL, OTHER_LOCATION, identity.mask(OTHER_RRN), "zq7vol")
ID_PARAMS = {"participation_id", "activity_id", "log_id", "member_id", "site_id", "alert_id", "certificate_id", "run_id"}
# Secrets in a URL that stand for a right, not an object id (a one-time password reset link): whoever
# holds one may use it; unknown, used and expired ones are refused in tests/test_passwords.py. A 확인서's
# code opens its public verification page (tests/test_verify.py).
CAPABILITIES = {"token", "code"}
# Parts of a URL that name no one's object: a month of the operators' 접속기록 점검 (operators only,
# tests/test_access_review.py; others get 403 in test_admin.py::test_operator_routes_are_forbidden_to_others).
NOT_OBJECTS = {"month_key"}
# What each role gets on another person's object, by blueprint (anonymous: sent to log in).
EXPECTED = {
    "volunteer": {"mypage": 404, "site": 403, "admin": 403},
    "site": {"mypage": 403, "site": 404, "admin": 403},
    "operator": {"mypage": 403, "site": 403},
}


@pytest.fixture
def other(app, demo):
    """A second volunteer (zq7vol) at site2, with a verified RRN and a daily log: nobody else's."""
    with app.app_context(), db.connection_context():
        site2 = Site.get(Site.name == "종로 문화나눔센터")
        volunteer = Member(username="zq7vol", name=OTHER_NAME, role="volunteer", email=OTHER_EMAIL,
                           phone="010-9876-5432")
        volunteer.set_password("pumasi-demo")
        volunteer.save()
        Identity.create(member=volunteer, rrn_token=app.extensions["rrn_vault"].encrypt(OTHER_RRN),
                        rrn_masked=identity.mask(OTHER_RRN))
        activity = Activity.create(site=site2, category="문화", title=OTHER_TITLE, location=OTHER_LOCATION,
                                   start_date=date(2024, 1, 1), end_date=date(2024, 12, 31))
        participation = Participation.create(activity=activity, volunteer=volunteer)
        log = DailyLog.create(participation=participation, date=date(2024, 3, 9),
                              start=time(10), end=time(13), minutes=180)
        # An alert (operators' only) about that date.
        alert = Alert.create(kind="pending", open_kind="pending", started_at=log.created_at,
                             detail="연계중으로 오래 머문 날짜 1건")
        issued = certificate.issue(volunteer, [participation], volunteer, date(2024, 12, 31), "문화품앗이")
        run = ImportRun.create(kind="members", filename=f"{OTHER_NAME}.csv", state="failed",
                               expires_at=date(2099, 1, 1))
        return {"participation_id": participation.id, "activity_id": activity.id, "log_id": log.id,
                "member_id": volunteer.id, "site_id": site2.id, "alert_id": alert.id, "certificate_id": issued.id,
                "run_id": run.id}


def id_routes(app):
    """[(endpoint, blueprint, method, how)] of every route that takes an object id.

    how is "path" (an <int:…_id> in the URL) or ("args"/"form", name) for a list of ids read from the
    query string or the form; the latter found in the view's source, so a new one is not missed.
    """
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        blueprint = rule.endpoint.split(".")[0]
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if rule.arguments and rule.arguments <= CAPABILITIES | NOT_OBJECTS:
            continue
        if rule.arguments:
            assert rule.arguments <= ID_PARAMS, f"{rule.rule}: a new kind of id, teach this test about it"
            routes += [(rule, blueprint, method, "path") for method in methods]
            continue
        source = inspect.getsource(app.view_functions[rule.endpoint])
        for name in sorted(set(re.findall(r'getlist\("(\w+_ids)"', source))):
            where = "form" if "request.form" in source else "args"
            routes += [(rule, blueprint, method, (where, name)) for method in methods]
    return routes


def call(client, rule, method, how, ids, headers):
    """Open the route with the other person's ids (and a body naming them too)."""
    singular = {"participation_ids": "participation_id", "log_ids": "log_id"}
    data = {name: str(value) for name, value in ids.items()}
    if how == "path":
        url = rule.build({k: v for k, v in ids.items() if k in rule.arguments}, append_unknown=False)[1]
        return client.open(url, method=method, headers=headers, data=data if method == "POST" else None)
    where, name = how
    values = [str(ids[singular[name]])]
    if where == "args" or method == "GET":
        return client.open(rule.rule, method=method, headers=headers, query_string={name: values})
    return client.open(rule.rule, method=method, headers=headers, data={name: values})


def snapshot():
    """Every row of every table (what a refused request must leave as it was)."""
    return {model.__name__: sorted(tuple(str(v) for v in row) for row in model.select().tuples())
            for model in migrations.MODELS}


def leaked(body):
    return [marker for marker in MARKERS if marker in body]


@pytest.mark.parametrize("role, username", [("volunteer", "vol1"), ("site", "site1"), ("operator", "admin"),
                                            ("anonymous", None)])
def test_no_one_reaches_another_persons_object(app, client, auth, other, role, username):
    routes = id_routes(app)
    endpoints = {rule.endpoint for rule, _, _, _ in routes}
    # The matrix is generated, but it must at least cover what exists today.
    assert {"mypage.row", "mypage.result", "mypage.link", "mypage.relink", "mypage.link_selected",
            "mypage.certificate_pdf", "mypage.certificate_again", "site.activity", "site.day", "site.edit_log", "site.delete_log",
            "site.remove_volunteer", "site.export_csv", "site.confirm_import", "admin.participation",
            "admin.member", "admin.correct", "admin.site", "admin.retry"} <= endpoints
    if username:
        assert auth.login(username).status_code == 303
    with app.app_context(), db.connection_context():
        before = snapshot()
    checked = 0
    for rule, blueprint, method, how in routes:
        if role == "operator" and blueprint == "admin":
            continue  # operators see everything (the positive control below)
        for headers in ({}, HX):
            response = call(client, rule, method, how, other, headers)
            body = response.get_data(as_text=True)
            label = (role, method, rule.rule, how, bool(headers), response.status_code)
            if role == "anonymous":
                assert response.status_code == 302, label
                assert response.headers["Location"].startswith("/login"), label
            else:
                assert response.status_code == EXPECTED[role][blueprint], label
                assert re.search(r"[가-힣]", body), label  # a Korean page or notice, never a bare error
            assert not leaked(body), (label, leaked(body))
            assert not leaked(str(response.headers)), label
            checked += 1
    assert checked >= 40
    with app.app_context(), db.connection_context():
        assert snapshot() == before, role


def test_the_same_ids_show_their_data_to_whom_they_belong(app, client, auth, other):
    """The positive control: the owner, the site and the operators do see these objects."""
    pid, aid, lid, mid = other["participation_id"], other["activity_id"], other["log_id"], other["member_id"]
    auth.login("zq7vol")
    assert OTHER_TITLE in client.get(f"/mypage/participations/{pid}/result").text
    assert OTHER_TITLE in client.get("/mypage/activities").text
    auth.logout()
    auth.login("site2")
    page = client.get(f"/site/activities/{aid}").text
    assert OTHER_TITLE in page and OTHER_NAME in page
    assert OTHER_NAME in client.get(f"/site/logs/{lid}/edit").text
    auth.logout()
    auth.login("admin")
    assert OTHER_NAME in client.get(f"/admin/participations/{pid}").text
    member_page = client.get(f"/admin/members/{mid}").text
    assert OTHER_NAME in member_page and identity.mask(OTHER_RRN) in member_page
    assert OTHER_RRN not in member_page  # operators too see the RRN only masked
    assert client.get(f"/admin/daily-logs/{lid}/correct").status_code == 200
    assert OTHER_NAME in client.get(f"/admin/import/runs/{other['run_id']}").text


# --- the session cookie -------------------------------------------------------------------------------


def _csrf(client, url="/login"):
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', client.get(url).text).group(1)


def _login(client, username="vol1"):
    # Over HTTPS, Flask-WTF also wants a same-origin Referer (as a browser sends it).
    scheme = client.environ_base.get("wsgi.url_scheme", "http")
    return client.post("/login", headers={"Referer": f"{scheme}://localhost/login"},
                       data={"csrf_token": _csrf(client), "username": username, "password": "pumasi-demo"})


@pytest.fixture
def csrf_app(sqlite_app):
    """The app as in production: CSRF on; the demo world."""
    from pumasi import demo
    with sqlite_app.app_context(), db.connection_context():
        demo.seed()
    return sqlite_app


def test_the_session_changes_at_log_in_and_the_old_one_stays_anonymous(csrf_app):
    """Session fixation: the cookie a visitor had before log-in (one an attacker could have planted)
    is replaced at log-in, carries nothing over, and never authenticates."""
    client = csrf_app.test_client()
    token = _csrf(client)
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"
    before = client.get_cookie("session").value
    response = client.post("/login", data={"csrf_token": token, "username": "vol1", "password": "pumasi-demo"})
    assert response.status_code == 303
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session and "_user_id" in session
    assert client.get("/mypage/activities").status_code == 200
    # The pre-log-in cookie, replayed by someone else, is still nobody.
    attacker = csrf_app.test_client()
    attacker.set_cookie("session", before)
    response = attacker.get("/mypage/activities")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # A second log-in (another account on the same browser) gets yet another session.
    assert client.post("/logout", data={"csrf_token": _csrf(client, "/mypage/")}).status_code == 303
    assert client.get("/mypage/activities").status_code == 302
    assert _login(client, "vol2").status_code == 303
    assert client.get_cookie("session").value not in (before, after)


def _set_cookies(response):
    return response.headers.getlist("Set-Cookie")


def _walk(client):
    """Log in and open a few pages; every Set-Cookie header on the way."""
    headers = _set_cookies(client.get("/login"))
    response = _login(client)
    assert response.status_code == 303
    headers += _set_cookies(response)
    for url in ("/mypage/", "/mypage/activities"):
        headers += _set_cookies(client.get(url))
    assert headers
    return headers


def test_cookies_are_secure_behind_tls(tmp_path, redis_url, monkeypatch):
    """PUMASI_COOKIE_SECURE=1 (set when served behind TLS): every cookie is Secure, HttpOnly, SameSite."""
    from pumasi import demo
    monkeypatch.setenv("PUMASI_COOKIE_SECURE", "1")
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'pumasi.db'}", redis_url)
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
    with app.app_context(), db.connection_context():
        demo.seed()
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    for header in _walk(client):
        flags = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
        assert {"secure", "httponly", "samesite"} <= flags, header
        assert "SameSite=Lax" in header, header
    db.close()


def test_cookies_without_tls_are_httponly_and_samesite(csrf_app):
    """The default (plain HTTP on a laptop): not Secure, or the browser would drop the cookie; still
    HttpOnly and SameSite."""
    for header in _walk(csrf_app.test_client()):
        assert "HttpOnly" in header and "SameSite=Lax" in header, header
        assert "Secure" not in header, header


# --- caching and response headers -----------------------------------------------------------------


def _get_routes(app, ids):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            yield rule, re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule)


@pytest.mark.parametrize("username", [None, "vol1", "site1", "admin"])
def test_no_page_or_fragment_is_kept_by_a_cache(csrf_app, username):
    """Cache-Control: no-store on every page and fragment of every route (each role, anonymous too:
    the log-in page carries a CSRF token of the session), on redirects and error pages, but for
    활동내역 (private, revalidated); static files keep their caching."""
    client = csrf_app.test_client()
    if username:
        assert _login(client, username).status_code == 303
    with csrf_app.app_context(), db.connection_context():
        ids = {"participation_id": Participation.select().first().id, "activity_id": Activity.select().first().id,
               "log_id": DailyLog.select().first().id, "member_id": Member.select().first().id,
               "site_id": Site.select().first().id}
    seen = 0
    for rule, url in _get_routes(csrf_app, ids):
        for headers in ({}, HX):
            response = client.get(url, headers=headers)
            # 활동내역 alone is kept by the browser, privately, and revalidated by its ETag (issue 17,
            # pumasi/web/live.py; log-out clears it): never by a shared cache.
            expected = "private, no-cache" if rule.endpoint == "mypage.activities" and response.status_code == 200 \
                else "no-store"
            assert response.headers.get("Cache-Control") == expected, (username, url, response.status_code)
            seen += 1
    for url in ("/no-such-page", "/login?next=/mypage/"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    assert seen > 40
    static = client.get("/static/pumasi.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_hsts_only_when_cookies_are_secure(csrf_app, tmp_path, redis_url, monkeypatch):
    assert "Strict-Transport-Security" not in csrf_app.test_client().get("/login").headers
    monkeypatch.setenv("PUMASI_COOKIE_SECURE", "1")
    app = build_app(tmp_path / "tls", f"sqlite:///{tmp_path / 'tls.db'}", redis_url)
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    for url in ("/login", "/static/pumasi.css", "/no-such-page"):
        assert client.get(url).headers["Strict-Transport-Security"].startswith("max-age="), url
    db.close()


def test_gunicorn_sends_no_server_header(live):
    """The production web server (gunicorn, as the README runs it) names no software."""
    import requests
    live.start_web()
    with live.app.app_context(), db.connection_context():
        from pumasi import demo
        demo.seed()
    session = requests.Session()
    for url in ("/login", "/static/pumasi.css", "/no-such-page", "/mypage/"):
        response = session.get(live.web_url + url, allow_redirects=False, timeout=10)
        assert "Server" not in response.headers, (url, response.headers.get("Server"))
    assert "Server" not in session.post(live.web_url + "/login", data={}, timeout=10).headers
