"""axe-core (vendored, tests/vendor) over the pages each role uses most, on a phone and a desktop."""
import pytest

import helpers

pytestmark = pytest.mark.browser

PAGES = {
    None: ["/login", "/privacy", "/invite", "/verify/", "/password/forgot"],
    "vol1": ["/mypage/", "/mypage/participations", "/mypage/info", "/mypage/withdraw", "/mypage/certificates"],
    "site1": ["/site/", "/site/signups"],
    "admin": ["/admin/", "/admin/invitations", "/admin/signups", "/admin/import", "/admin/certificates"],
}


@pytest.mark.parametrize("width", [360, 1280])
def test_no_axe_violations_on_the_main_pages(browser, world, width):
    found = {}
    for username, paths in PAGES.items():
        context = browser.new_context(viewport={"width": width, "height": 800}, locale="ko-KR",
                                      base_url=world.web_url)
        page = context.new_page()
        if username:
            page.goto("/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "pumasi-demo")
            page.click("button[type=submit]")
            page.wait_for_load_state()
        for path in paths:
            page.goto(path)
            violations = helpers.axe_violations(page)
            if violations:
                found[f"{username} {path}"] = violations
        context.close()
    assert found == {}
