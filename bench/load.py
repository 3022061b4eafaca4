"""3. The server under load (gunicorn; wrk and bench/users.py on loopback), 4. the web processes'
memory, and 5. the weight of the 활동내역 page on first load."""
import gzip
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import requests

from .data import PASSWORD
from .procs import PYTHON, ROOT, children, free_port, peak_rss_mb, wait_http

PAGE = "/mypage/activities"
ROUNDS = 3


def gunicorn(world, name, target, workers, threads, **env):
    """Start gunicorn serving `target`; returns (process, base URL)."""
    port = free_port()
    argv = [PYTHON, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
            "--control-socket", os.path.join(world.tmp, f"{name}.ctl")]
    if threads > 1:
        argv += ["--threads", str(threads)]
    process = world.processes.start(name, argv + [target], world.env(**env))
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/login", process)
    return process, url


def log_in(url, username):
    """A session cookie of the volunteer, from the real log-in form."""
    session = requests.Session()
    page = session.get(url + "/login", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    response = session.post(url + "/login", data={"username": username, "password": PASSWORD,
                                                  "csrf_token": token.group(1) if token else ""},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 303, f"log-in failed: HTTP {response.status_code}"
    return session


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url, cookie, seconds, connections):
    """Run wrk against url, each connection asking again as soon as it is answered; returns
    requests/s, latency percentiles (ms) and errors."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (Debian: apt-get install -y wrk)")
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    if cookie:
        argv += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(argv + [url], capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
              "requests": int(re.search(r"(\d+) requests in", out).group(1))}
    for pct in ("50", "90", "99"):
        result[f"p{pct}_ms"] = _ms(re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    result["non_2xx"] = int(bad.group(1)) if bad else 0
    result["socket_errors"] = errors.group(1) if errors else ""
    return result


def users(url, cookie, count, seconds):
    """bench/users.py in its own process: `count` people reading the page."""
    out = subprocess.run([PYTHON, "-m", "bench.users", url, cookie, str(count), str(seconds)], cwd=ROOT,
                         capture_output=True, text=True, timeout=seconds + 90, check=True).stdout
    return json.loads(out)


class _Resources(HTMLParser):
    """The subresources a browser fetches on first load: stylesheets, scripts, images, icons."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href") and any(
                rel in (attrs.get("rel") or "").split() for rel in ("stylesheet", "icon", "preload", "modulepreload")):
            self.found.append(attrs["href"])
        elif tag in ("script", "img", "iframe", "source") and attrs.get("src"):
            self.found.append(attrs["src"])


def _wire(session, url):
    """(bytes on the wire, bytes decoded, gzip -6 of the decoded bytes, content-encoding, body)."""
    response = session.get(url, headers={"Accept-Encoding": "gzip, deflate, br"}, stream=True, timeout=10)
    wire = response.raw.read(decode_content=False)
    encoding = response.headers.get("Content-Encoding", "")
    body = gzip.decompress(wire) if encoding == "gzip" else wire
    return {"status": response.status_code, "wire": len(wire), "raw": len(body),
            "gzip": len(gzip.compress(body, 6)), "encoding": encoding or "identity"}, body


def page_weight(url, session):
    """What the first load of 활동내역 costs: each request, its bytes, and any third-party host."""
    host = urlparse(url).netloc
    first, body = _wire(session, url + PAGE)
    items = [dict(first, url=PAGE)]
    parser = _Resources()
    parser.feed(body.decode("utf-8", "replace"))
    pending = [urljoin(url + PAGE, ref) for ref in parser.found]
    while pending and len(items) < 100:
        target = pending.pop(0)
        if urlparse(target).netloc != host:
            items.append({"url": target, "third_party": True, "wire": 0, "raw": 0, "gzip": 0, "status": None,
                          "encoding": "not fetched"})
            continue
        info, content = _wire(session, target)
        items.append(dict(info, url=urlparse(target).path))
        if target.endswith(".css"):
            # url(...) and @import in a stylesheet are further requests (unless data: inline).
            text = content.decode("utf-8", "replace")
            for groups in re.findall(r"url\(['\"]?([^'\")]+)|@import\s+['\"]([^'\"]+)", text):
                inner = next(x for x in groups if x)
                if not inner.startswith("data:"):
                    pending.append(urljoin(target, inner))
    return {"items": items, "requests": len(items), "wire": sum(i["wire"] for i in items),
            "raw": sum(i["raw"] for i in items), "gzip": sum(i["gzip"] for i in items),
            "third_party": sum(1 for i in items if i.get("third_party"))}


def worker_rss(master):
    """Peak RSS (MB) of each gunicorn worker (the master's children)."""
    return [peak_rss_mb(pid) for pid in children(master.pid)]


def run(world, username, seconds, connections, workers, threads):
    """Load the 활동내역 page and the bare endpoint the same way; weigh the page."""
    web, url = gunicorn(world, "web", "app:app", workers, threads)
    bare_web, bare_url = gunicorn(world, "bare", "bench.bare:create_app()", workers, threads,
                                  BENCH_BARE_ROWS=world.bare_rows)
    session = log_in(url, username)
    check = session.get(url + PAGE, timeout=10)
    assert check.status_code == 200 and "Total" in check.text, "the 활동내역 page did not render"
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    weight = page_weight(url, session)
    result = {"weight": weight}
    endpoints = (("bare", bare_url, ""), ("page", url, cookie))
    for name, target, jar in endpoints:
        wrk(target + PAGE, jar, min(3, seconds), connections)  # warm-up
        result[name + "_users"] = users(target + PAGE, jar, connections, seconds)
    # Saturation is the most sensitive to other work on the machine, and to how gunicorn's two
    # workers happen to split wrk's 50 kept-alive connections: the best of alternate rounds (every
    # round's figure is kept in <name>_rounds).
    for _ in range(ROUNDS):
        for name, target, jar in endpoints:
            run = wrk(target + PAGE, jar, seconds, connections)
            result.setdefault(name + "_rounds", []).append(run["rps"])
            if name not in result or run["rps"] > result[name]["rps"]:
                result[name] = run
    after = session.get(url + PAGE, timeout=10, allow_redirects=False)
    # A lost session would have made every page a fast redirect to the log-in (wrk counts 3xx as fine).
    assert after.status_code == 200 and "Total" in after.text, "the session did not last through the load"
    result["web_rss_mb"] = worker_rss(web)
    result["bare_rss_mb"] = worker_rss(bare_web)
    result["ratio"] = result["page"]["rps"] / result["bare"]["rps"]
    world.processes.stop(web)
    world.processes.stop(bare_web)
    return result
