"""1. The 활동내역 page: server time and SQL queries per request, beside a bare render of the same rows.

In this process, through each app's WSGI test client, so that only the server's work is timed.
"""
import json
import logging
import re
import statistics
import time

from pumasi.linkage import reads
from pumasi.db import db
from pumasi.models import Member

from . import bare
from .data import PASSWORD

PAGE = "/mypage/activities"


class QueryCounter(logging.Handler):
    """Counts the SQL statements peewee runs (it logs each one at DEBUG)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record):
        if record.name == "peewee":  # not peewee.pool's "returning … to pool"
            self.count += 1

    def __enter__(self):
        self.logger = logging.getLogger("peewee")
        self.level = self.logger.level
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level)


def login(client, username):
    """Log in through the real form (CSRF token included)."""
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, f"log-in as {username} failed: {response.status_code}"


def queries(client, url, headers=None):
    """(status, number of SQL statements) of one request."""
    with QueryCounter() as counter:
        response = client.get(url, headers=headers or {})
    return response.status_code, counter.count


def timed(client, url, count, headers=None):
    """Milliseconds per request of `count` requests (after a warm-up), and the last body."""
    for _ in range(max(count // 10, 5)):
        body = client.get(url, headers=headers or {}).get_data()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(url, headers=headers or {})
        body = response.get_data()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return samples, body


def summary(samples):
    samples = sorted(samples)
    return {"median_ms": statistics.median(samples), "p95_ms": samples[int(len(samples) * 0.95) - 1],
            "mean_ms": statistics.fmean(samples)}


def breakdown(app, client, count):
    """Median milliseconds of each part of a page request read and rendered afresh (no table kept,
    pumasi.web.live): the member's loading, the page's rows, the notices, the table's rendering, the
    page's around it, and the rest (Flask, session, CSRF, hooks)."""
    from pumasi.web import live, mypage
    spent = {"load the member (flask-login)": [], "rows: count, page, summaries (linkage.reads.volunteer_page)": [],
             "notices (notify.unread)": [], "render the table": [], "render the page around it": []}
    names = list(spent)

    def timing(function, name):
        def timed_call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name].append((time.perf_counter() - start) * 1000)
        return timed_call

    manager = app.login_manager
    saved = (manager._user_callback, reads.volunteer_page, mypage._notices, live.render_template,
             mypage.render_template)
    manager._user_callback = timing(saved[0], names[0])
    reads.volunteer_page = timing(saved[1], names[1])
    mypage._notices = timing(saved[2], names[2])
    live.render_template = timing(saved[3], names[3])
    mypage.render_template = timing(saved[4], names[4])
    app.extensions["live_tables"] = live.Tables(0)
    try:
        samples, _ = timed(client, PAGE, count)
    finally:
        (manager._user_callback, reads.volunteer_page, mypage._notices, live.render_template,
         mypage.render_template) = saved
        del app.extensions["live_tables"]
    parts = {name: statistics.median(values[-count:]) for name, values in spent.items()}
    parts["the rest (Flask, session, CSRF, hooks)"] = statistics.median(samples) - sum(parts.values())
    return parts


def rows_file(app, username, path):
    """Write page 1 of the volunteer's 활동내역 as plain data (for the bare app) and return it."""
    size = app.config["PAGE_SIZE"]
    with app.app_context(), db.connection_context():
        volunteer = Member.get(Member.username == username)
        total, rows = reads.volunteer_page(volunteer.id, 1, size)
    data = {"total": total, "page": 1, "pages": max((total + size - 1) // size, 1), "rows": [
        {"id": r.id, "category": r.category, "title": r.title, "location": r.location, "site": r.site_name,
         "start_date": r.start_date.isoformat(), "end_date": r.end_date.isoformat(), "state": r.state,
         "minutes": r.minutes} for r in rows]}
    with open(path, "w") as f:
        json.dump(data, f, ensure_ascii=False)
    return data


def same_html(a, b):
    """Whether two pages are the same HTML but for their CSRF tokens."""
    def norm(body):
        return re.sub(r'(csrf_token" value="|"X-CSRFToken": ")[^"]+"', r"\1T\"", body.decode())
    return norm(a) == norm(b)


def run(world, big, small, requests, profile_to=None):
    """Measure the page for the big volunteer (and count queries for the small one too)."""
    app = world.app()
    data = rows_file(app, big, world.bare_rows)
    client = app.test_client()
    login(client, big)
    last = data["pages"]
    fragment = {"HX-Request": "true"}
    counts = {
        "page 1": queries(client, PAGE),
        "page 1 (htmx)": queries(client, PAGE, fragment),
        f"page {last}": queries(client, f"{PAGE}?page={last}"),
    }
    small_client = app.test_client()
    login(small_client, small)
    counts["1 row"] = queries(small_client, PAGE)
    for name, (status, _) in counts.items():
        assert status == 200, f"{name}: HTTP {status}"

    page_samples, page_body = timed(client, PAGE, requests)
    bare_app = bare.create_app(world.bare_rows, real=app)
    bare_client = bare_app.test_client()
    bare_samples, bare_body = timed(bare_client, PAGE, requests)
    result = {
        "rows_total": data["total"], "rows_shown": len(data["rows"]),
        "queries": {name: count for name, (_, count) in counts.items()},
        "page": summary(page_samples), "bare": summary(bare_samples),
        "same_html": same_html(page_body, bare_body),
        "html_bytes": len(page_body),
    }
    result["ratio"] = result["page"]["median_ms"] / result["bare"]["median_ms"]
    result["breakdown_ms"] = breakdown(app, client, requests)
    if profile_to:
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(requests):
                client.get(PAGE)
        with open(profile_to, "w") as f:
            f.write(profiler.output_text(unicode=True, color=False, show_all=False))
        result["profile"] = profile_to
    return result
