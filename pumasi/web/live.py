"""활동내역 live (issue 17): conditional answers from the session and one key lookup.

The page carries its version (member.page_version, pumasi.linkage.version) and an ETag made of
(member, version, page, fragment or page, the session's CSRF token, the settings its text shows, the
release). Before anything else of a request loads the member (registered ahead of every other view
hook by pumasi.web.init_app), `answer_unchanged` answers

- the page poll (`mypage.changes?v=V`): 204 when V is the version;
- 활동내역 and its htmx fragment: 304 when If-None-Match holds the ETag of today's version;

from the session cookie and one primary-key lookup of the member (version, session version, active,
role, temporary password): no member object, no rows, no template. Anything else (another version,
another session, a flash waiting, an odd parameter) goes on to the views, which check everything
as usual and render. The version is read before the rows, so a change committed meanwhile makes the
ETag older than the page, never the page older than its ETag: a 304 with a stale page cannot happen."""
import hashlib
import os
import re
import threading
from collections import OrderedDict

from flask import current_app, g, make_response, render_template, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..linkage import version
from ..ops import console_settings
from . import htmx

POLL, PAGE = "mypage.changes", "mypage.activities"
# What the page poll sends of each row it shows: id:state:signature, comma-separated (a page's rows).
ROWS = re.compile(r"\A(?:\d{1,10}:[a-z]{1,10}:[0-9a-f]{8})(?:,\d{1,10}:[a-z]{1,10}:[0-9a-f]{8}){0,199}\Z")
# Stored by the browser, asked again every time (no-cache), never by a shared cache (private).
CACHE_CONTROL = "private, no-cache"
TABLE_CACHE_SIZE = 256  # rendered tables kept per process (about 25 KB each)


def signature(row):
    """8 hex digits that change when anything the row shows changes (pumasi.linkage.reads.Row)."""
    shown = (row.state, row.minutes, row.category, row.title, row.location, row.site_name,
             str(row.start_date), str(row.end_date), str(getattr(row, "requested_at", None)))
    return hashlib.blake2s(repr(shown).encode(), digest_size=4).hexdigest()


def client_rows(text):
    """The rows a poll says its page shows: {participation id: (state, signature)}; None if malformed."""
    if not text:
        return {}
    if not ROWS.match(text):
        return None
    return {int(pid): (state, sig) for pid, state, sig in (item.split(":") for item in text.split(","))}


def _release(app):
    """What a deployment changes of the page (templates, scripts, styles): names, sizes and times."""
    found = app.extensions.get("live_release")
    if found is None:
        digest = hashlib.blake2s(digest_size=8)
        for folder in (app.template_folder, app.static_folder):
            for base, _, files in sorted(os.walk(folder)):
                for name in sorted(files):
                    stat = os.stat(os.path.join(base, name))
                    digest.update(f"{base}/{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
        found = app.extensions["live_release"] = digest.hexdigest()
    return found


def etag(member_id, page_version, page, fragment):
    """The 활동내역 page's ETag: equal only for the same text."""
    config = console_settings.effective(current_app)
    shown = (member_id, page_version, page, fragment, session.get("csrf_token", ""), config["ORG_NAME"],
             config["SUPPORT_PHONE"], config["PAGE_SIZE"], config["ROW_POLL_SECONDS"], _release(current_app))
    return hashlib.blake2s(repr(shown).encode(), digest_size=16).hexdigest()


def standing():
    """(member id, page version) of the session's volunteer, still logged in, by one key lookup; None
    otherwise (the views then decide as usual)."""
    member_id, _, session_version = str(session.get("_user_id") or "").partition(":")
    if not (member_id.isdigit() and session_version.isdigit()) or len(member_id) > 10:
        return None
    found = version.current(int(member_id))
    if (found is None or found.session_version != int(session_version) or not found.active
            or found.role != "volunteer" or found.must_change_password):
        return None
    return int(member_id), found.page_version


def page_arg():
    """The page number asked for (1 when none), or None when it is not a plain number."""
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and len(text) <= 9 and int(text) > 0 else None


def page_version():
    """The page version of this request's volunteer: as answer_unchanged read it, else read now
    (always before the rows)."""
    known = g.get("live_standing")
    if known is not None:
        return known[1]
    found = standing()
    return found[1] if found is not None else -1


def cacheable(response, member_id, version_read, page):
    """Mark a rendered 활동내역 (page or fragment) with its ETag: kept by the browser, asked again."""
    response.set_etag(etag(member_id, version_read, page, htmx.is_fragment_request()))
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.update(("Cookie", "HX-Request"))
    return response


class Tables:
    """Rendered 활동내역 tables by their ETag (member, version, page, session, settings, release): a
    table is only ever read under the version it was rendered for. Least recently used go first."""

    def __init__(self, size):
        self.size, self.found, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            html = self.found.get(key)
            if html is not None:
                self.found.move_to_end(key)
            return html

    def put(self, key, html):
        with self.lock:
            self.found[key] = html
            while len(self.found) > self.size:
                self.found.popitem(last=False)


def table(member_id, page, page_version, read):
    """The page's rendered table: kept from an earlier request under this very version, else read()
    -> (total, rows, pages), or None for a page past the last (then None), rendered and kept."""
    generate_csrf()  # the session's token exists before the key names it (the table holds it)
    key = etag(member_id, page_version, page, True)
    cache = current_app.extensions.setdefault("live_tables", Tables(TABLE_CACHE_SIZE))
    html = cache.get(key)
    if html is None:
        found = read()
        if found is None:
            return None
        total, rows, pages = found
        html = render_template("mypage/_table.html", total=total, rows=rows, page=page, pages=pages,
                               page_version=page_version, poll_seconds=current_app.config["ROW_POLL_SECONDS"])
        cache.put(key, html)
    return Markup(html)


def answer_unchanged():
    """Before every request: the poll's 204 and the page's 304, when nothing changed."""
    if request.method != "GET" or request.endpoint not in (POLL, PAGE) or session.get("_flashes"):
        return None
    found = standing()
    if found is None:
        return None
    g.live_standing = found
    member_id, page_version_now = found
    if request.endpoint == POLL:
        if request.args.get("v") == str(page_version_now):
            return make_response("", 204)
        return None
    page = page_arg()
    if page is None:
        return None
    tag = etag(member_id, page_version_now, page, htmx.is_fragment_request())
    if tag not in request.if_none_match:
        return None
    response = make_response("", 304)
    response.set_etag(tag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.update(("Cookie", "HX-Request"))
    return response


class UnchangedPolls:
    """WSGI, in front of Flask: the page poll whose version is still the volunteer's gets its 204 from
    the signed session cookie and one key lookup, before Flask builds a request (its hooks, the
    session object, the log line cost 20 times the answer: docs/BENCHMARKS.md). Anything else, and
    every doubt (no or bad cookie, a flash waiting, a refused start, another version), goes to the app,
    whose answer_unchanged and views decide as for any request. No log line for these 204s (like
    /healthz's 200): a poll every few seconds a tab would be most of the log."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.path = "/mypage/activities/changes"
        self.serializer = None

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == self.path and environ.get("REQUEST_METHOD") == "GET" and self._unchanged(environ):
            start_response("204 NO CONTENT", self._headers())
            return [b""]
        return self.wsgi_app(environ, start_response)

    def _headers(self):
        from .security import CSP, HSTS
        headers = [("Cache-Control", "no-store"), ("Content-Security-Policy", CSP),
                   ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
                   ("X-Frame-Options", "DENY")]
        if self.app.config["SESSION_COOKIE_SECURE"]:
            headers.append(("Strict-Transport-Security", HSTS))
        return headers

    def _session(self, environ):
        from http.cookies import SimpleCookie
        from itsdangerous import BadSignature
        cookies = SimpleCookie()
        try:
            cookies.load(environ.get("HTTP_COOKIE", ""))
        except Exception:  # noqa: BLE001 (a malformed header: the app answers it)
            return None
        found = cookies.get(self.app.config["SESSION_COOKIE_NAME"])
        if found is None:
            return None
        if self.serializer is None:
            self.serializer = self.app.session_interface.get_signing_serializer(self.app)
        try:
            return self.serializer.loads(found.value, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except BadSignature:
            return None

    def _unchanged(self, environ):
        from urllib.parse import parse_qs
        extensions = self.app.extensions
        if extensions.get("key_check_pending") or extensions.get("key_check_error") or extensions.get("start_problems"):
            return False
        asked = parse_qs(environ.get("QUERY_STRING", "")).get("v", [""])[0]
        data = self._session(environ) if asked.isdigit() else None
        if not data or data.get("_flashes"):
            return False
        member_id, _, session_version = str(data.get("_user_id") or "").partition(":")
        if not (member_id.isdigit() and session_version.isdigit()) or len(member_id) > 10:
            return False
        from ..db import db
        with db.connection_context():
            found = version.current(int(member_id))
        return (found is not None and found.session_version == int(session_version) and found.active
                and found.role == "volunteer" and not found.must_change_password and str(found.page_version) == asked)
