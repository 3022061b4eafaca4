"""Issue 18's walk: on a 360-px phone no page a site manager or an operator reaches by its links is
wider than the screen (a .sr-only header escaped the 기술지원 table's scroll box; the footer's phone
number broke). A real browser follows each role's links from its home page."""
import re
from collections import deque
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

SKIP = re.compile(r"^/(static/|logout)|/(export|template|download)|\.(csv|xlsx|pdf|json)(\?|$)")
PAGES_PER_ROLE = 45


def _walk(page, start):
    """Every same-site page reachable from start by links (breadth first): {url: overflow px}."""
    seen, wide = set(), {}
    queue = deque([start])
    while queue and len(seen) < PAGES_PER_ROLE:
        url = queue.popleft()
        if url in seen or SKIP.search(url):
            continue
        seen.add(url)
        response = page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        over = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if over > 0:
            wide[url] = over
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            parts = urlsplit(href)
            if not parts.netloc and href.startswith("/") and "#" not in href:
                queue.append(href)
    assert len(seen) > 10, seen
    return wide


@pytest.mark.parametrize("username, home", [("site1", "/site/"), ("admin", "/admin/")])
def test_no_page_of_a_site_or_an_operator_is_wider_than_a_phone(browser, world, username, home):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ko-KR", base_url=world.web_url)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pumasi-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    try:
        assert _walk(page, home) == {}
    finally:
        context.close()
