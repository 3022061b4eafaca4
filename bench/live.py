"""7. 활동내역 live (issue 17): the unchanged page poll and the 304 against the bare endpoint, the full
render beside the bare render, and the open tabs a server holds (bench/tabs.py).

In process (WSGI test client, server time only): the poll unchanged (204) and changed (one row), the
page unchanged since the last view (304) and rendered (200), each beside the bare app's (bench/bare.py:
a 204 for the poll, the same HTML for the page). Over gunicorn as `flask up` runs it: wrk on the
unchanged poll and on the bare 204; then the open tabs, more of them each round until p99 passes
100 ms."""
import json
import re
import subprocess
import time

from . import bare
from .load import gunicorn, log_in, wrk
from .page import PAGE, login, rows_file, summary
from .procs import PYTHON, ROOT

from pumasi.web.live import Tables

VERSION = re.compile(r'id="page-version" data-version="(\d+)"')
ROW = re.compile(r'<tr id="p-(\d+)" class="[^"]*" data-state="(\w+)" data-sig="(\w+)"')
TAB_ROUNDS = (50_000, 100_000, 200_000, 400_000, 800_000)


def polls(body):
    """(the unchanged poll's path, a changed one's: a stale version and the first row's old look)."""
    text = body if isinstance(body, str) else body.decode()
    rows = [":".join(found) for found in ROW.findall(text)]
    version = VERSION.search(text).group(1)
    unchanged = f"/mypage/activities/changes?page=1&v={version}&rows={','.join(rows)}"
    stale = [rows[0].rsplit(":", 1)[0] + ":00000000"] + rows[1:]
    return unchanged, f"/mypage/activities/changes?page=1&v=stale&rows={','.join(stale)}"


def _timed(client, url, count, status, headers=None):
    for _ in range(max(count // 10, 5)):
        client.get(url, headers=headers or {})
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(url, headers=headers or {})
        response.get_data()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == status, (url, response.status_code)
    return summary(samples)


def in_process(world, big, count):
    app = world.app()
    rows_file(app, big, world.bare_rows)  # the bare app's rows (also when 1 did not run)
    client = app.test_client()
    login(client, big)
    first = client.get(PAGE)
    unchanged, changed = polls(first.get_data())
    bare_client = bare.create_app(world.bare_rows, real=app).test_client()
    result = {
        "poll": _timed(client, unchanged, count, 204),
        "poll_changed": _timed(client, changed, count, 200),
        "bare_poll": _timed(bare_client, unchanged, count, 204),
        "page_304": _timed(client, PAGE, count, 304, {"If-None-Match": first.headers["ETag"]}),
        "page_200": _timed(client, PAGE, count, 200),  # the table kept from the first render (web/live.py)
        "bare_page": _timed(bare_client, PAGE, count, 200),
    }
    app.extensions["live_tables"] = Tables(0)  # keeps nothing: every request reads and renders its rows
    result["page_200_uncached"] = _timed(client, PAGE, count, 200)
    del app.extensions["live_tables"]
    result["changed_row_count"] = len(ROW.findall(client.get(changed).get_data(as_text=True)))
    return result, unchanged, changed


def tabs(url, cookie, unchanged, changed, count, seconds, connections):
    out = subprocess.run([PYTHON, "-m", "bench.tabs", url, cookie, unchanged, changed, str(count), str(seconds),
                          str(connections)], cwd=ROOT, capture_output=True, text=True, timeout=seconds + 120,
                         check=True).stdout
    return json.loads(out)


def run(world, big, seconds, connections, workers, threads, requests):
    result, unchanged, changed = in_process(world, big, requests)
    web, url = gunicorn(world, "web-live", "app:app", workers, threads)
    bare_web, bare_url = gunicorn(world, "bare-live", "bench.bare:create_app()", workers, threads,
                                  BENCH_BARE_ROWS=world.bare_rows)
    try:
        session = log_in(url, big)
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        # This session's page (its CSRF token and version) and polls.
        unchanged, changed = polls(session.get(url + PAGE, timeout=10).text)
        assert session.get(url + unchanged, timeout=10).status_code == 204, "the unchanged poll did not answer 204"
        for name, target, jar in (("bare_poll", bare_url, ""), ("poll", url, cookie)):
            wrk(target + unchanged, jar, min(3, seconds), connections)  # warm-up
            result[name + "_wrk"] = wrk(target + unchanged, jar, seconds, connections)
        result["poll_ratio"] = result["poll_wrk"]["rps"] / result["bare_poll_wrk"]["rps"]
        result["tabs"] = []
        for count in TAB_ROUNDS:
            found = tabs(url, cookie, unchanged, changed, count, seconds, connections)
            result["tabs"].append(found)
            if found["p99_ms"] is None or found["p99_ms"] >= 100 or found["lost"]:
                break
        held = [t["tabs"] for t in result["tabs"] if t["p99_ms"] is not None and t["p99_ms"] < 100 and not t["lost"]]
        result["tabs_held"] = max(held, default=0)
    finally:
        world.processes.stop(web)
        world.processes.stop(bare_web)
    return result
