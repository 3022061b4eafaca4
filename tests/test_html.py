"""The Nu Html Checker (vnu-jar from the npm registry, fetched by `make test`) over every page and
fragment each role reaches from its home page by following links (href, hx-get), with and without
htmx, plus the forms' error pages; no error is allowed but htmx's own hx-* attributes. Without
htmx every answer is a whole page (a no-JavaScript tap must never land on a bare fragment) whose
headings start at h1 and never skip a level."""
import json
import os
import re
import subprocess
import sys
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

import helpers

VNU = Path(os.environ.get("PUMASI_VNU_JAR", Path(sys.prefix) / "vnu-jar" / "vnu.jar"))
STARTS = {None: ["/login", "/privacy", "/help/"], "vol1": ["/mypage/"], "site1": ["/site/"], "admin": ["/admin/"]}
SKIP = re.compile(r"^/(static/|logout)|/(export|template|download)|\.(csv|xlsx|pdf|json)(\?|$)")
LINK = re.compile(r'\s(?:href|hx-get)="(/[^"]*)"')
HTMX_LINK = re.compile(r'\shx-get="(/[^"]*)"')
A_DATE = re.compile(r"(=)(\d{4}-\d{2}-\d{2})")
GET_FORM = re.compile(r'<form\b[^>]*?\baction="(/[^"]*)"')
DATE_INPUT = re.compile(r'<input\b(?=[^>]*\btype="date")[^>]*\bname="(\w+)"')


def _bad_dates(html):
    """A GET form's URL with each of its date fields given a date that does not exist."""
    for form in re.finditer(r"<form\b.*?</form>", html, re.S):
        action = GET_FORM.match(form.group(0))
        if action and 'method="post"' not in form.group(0)[:300]:
            for name in DATE_INPUT.findall(form.group(0)):
                yield f"{action.group(1).replace('&amp;', '&').split('?')[0]}?{name}=2026-13-01"
PER_ROLE = 400


def _crawl(client, starts):
    """{(url, as fragment): html} of every page reachable from starts (GET, same site)."""
    seen, found = set(), {}
    queue = deque((url, False) for url in starts)
    while queue and len(found) < PER_ROLE:
        url, fragment = queue.popleft()
        if (url, fragment) in seen or SKIP.search(url):
            continue
        seen.add((url, fragment))
        response = client.get(url, headers={"HX-Request": "true"} if fragment else {})
        if response.status_code in (301, 302, 303):
            queue.append((urlsplit(urljoin(url, response.headers["Location"])).path, fragment))
            continue
        if not response.content_type.startswith("text/html") or response.status_code == 204:
            continue
        html = response.get_data(as_text=True)
        found[(url, fragment)] = html
        for link in LINK.findall(html):
            link = link.replace("&amp;", "&")
            queue.append((link, False))
            if A_DATE.search(link):  # a date field given a date that does not exist
                queue.append((A_DATE.sub(r"\g<1>2026-13-01", link, count=1), False))
        queue.extend((url, False) for url in _bad_dates(html))
        for link in HTMX_LINK.findall(html):
            queue.append((link.replace("&amp;", "&"), True))
    return found


def _as_document(html, fragment):
    if not fragment:
        return html
    return f'<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>조각</title></head><body>{html}</body></html>'


def _vnu(folder):
    run = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--errors-only", str(folder)],
                         capture_output=True, text=True, timeout=600)
    return json.loads(run.stderr or run.stdout)["messages"]


@pytest.fixture(scope="module")
def java():
    if not VNU.exists():
        helpers.missing(f"the Nu Html Checker is not at {VNU} (make test fetches it with npm)")
    try:
        subprocess.run(["java", "-version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        helpers.missing("java is not installed (apt-get install default-jre-headless)")


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_every_page_and_fragment_is_valid_html(java, app, demo, tmp_path):
    pages = {}
    for username, starts in STARTS.items():
        client = app.test_client()
        if username:
            assert client.post("/login", data={"username": username, "password": "pumasi-demo"}).status_code == 303
        client.post("/login", data={"username": "nobody", "password": "x" * 8}) if username is None else None
        for key, html in _crawl(client, starts).items():
            pages[(username,) + key] = html
    assert len(pages) > 60, len(pages)
    bare = [key for key, html in pages.items() if not key[2] and not html.lstrip().lower().startswith("<!doctype html")]
    assert bare == [], f"answered a bare fragment without htmx: {bare}"
    jumps = {key: levels for key, levels in ((key, [int(n) for n in re.findall(r"<h([1-6])\b", html)])
                                             for key, html in pages.items() if not key[2])
             if levels[:1] != [1] or any(b > a + 1 for a, b in zip(levels, levels[1:]))}
    assert jumps == {}, f"headings must start at h1 and go down one level at a time: {jumps}"
    folder = tmp_path / "html"
    folder.mkdir()
    names = {}
    for number, ((username, url, fragment), html) in enumerate(sorted(pages.items(), key=str)):
        path = folder / f"{number:04d}.html"
        path.write_text(_as_document(html, fragment), encoding="utf-8")
        names[path.name] = f"{username or '-'} {'fragment ' if fragment else ''}{url}"
    errors = [f"{names.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}: {m['message']} [{m.get('extract', '').strip()[:80]}]"
              for m in _vnu(folder) if m.get("type") == "error" and "“hx-" not in m["message"]]
    assert errors == [], "\n".join(errors[:60])
