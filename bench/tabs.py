"""Open tabs of 활동내역 as their request schedule (issue 17): N phones with the page open, each with
rows 연계중 and the page poll's backoff, sent as an open-loop Poisson stream of polls over a pool of
kept-alive connections (latency counted from when each poll was due, so a queue in front of a busy
server is counted too).

The schedule of one tab: every 3 s for 2 minutes after a 연계신청, every 30 s until 30 minutes after it,
then every 5 minutes (static/live.js). Tabs stay open for days (1365 takes 2–3 days), so a tab's last
press is taken as uniformly spread over the last 24 hours: 0.14% of tabs are in the 3-s regime, 1.9% in
the 30-s one, the rest in the 5-min one, on average one poll every 228 s a tab. 1% of the tabs see a
change a minute: that share of the polls is sent with a stale version and gets the changed row (the
server's work for a change: the version, the page's rows, one row rendered).

Run as its own process: python -m bench.tabs URL COOKIE UNCHANGED_PATH CHANGED_PATH TABS SECONDS
CONNECTIONS; prints JSON."""
import asyncio
import json
import random
import sys
import time
from urllib.parse import urlparse

FAST, FAST_FOR, MIDDLE, MIDDLE_FOR, SLOW, OPEN_FOR = 3.0, 120.0, 30.0, 1800.0, 300.0, 86400.0
CHANGES_PER_TAB_S = 0.01 / 60


def polls_per_tab_s():
    """A tab's average polls a second under the backoff, its last press uniform over OPEN_FOR."""
    return (FAST_FOR / FAST + (MIDDLE_FOR - FAST_FOR) / MIDDLE + (OPEN_FOR - MIDDLE_FOR) / SLOW) / OPEN_FOR


async def _ask(pool, request, scheduled, samples, statuses):
    reader, writer = await pool.get()
    try:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        if length:
            await reader.readexactly(length)
        samples.append(time.perf_counter() - scheduled)
        statuses[status] = statuses.get(status, 0) + 1
    finally:
        pool.put_nowait((reader, writer))


async def run(url, cookie, unchanged, changed, tabs, seconds, connections):
    target = urlparse(url)
    pool = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection(target.hostname, target.port))

    def request(path):
        return (f"GET {path} HTTP/1.1\r\nHost: {target.hostname}:{target.port}\r\nCookie: {cookie}\r\n"
                "HX-Request: true\r\n\r\n").encode()

    wanted = tabs * polls_per_tab_s()
    share_changed = CHANGES_PER_TAB_S / polls_per_tab_s()
    requests = (request(unchanged), request(changed))
    rng, samples, statuses, tasks = random.Random(17), [], {}, []
    start = due = time.perf_counter()
    while True:
        due += rng.expovariate(wanted)
        if due - start > seconds:
            break
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(
            _ask(pool, requests[rng.random() < share_changed], due, samples, statuses)))
    await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.perf_counter() - start
    samples.sort()

    def pct(p):
        return 1000 * samples[min(int(len(samples) * p), len(samples) - 1)] if samples else None

    return {"tabs": tabs, "wanted_rps": wanted, "rps": len(samples) / elapsed, "requests": len(samples),
            "share_changed": share_changed, "p50_ms": pct(0.5), "p90_ms": pct(0.9), "p99_ms": pct(0.99),
            "statuses": statuses, "lost": len(tasks) - len(samples)}


if __name__ == "__main__":
    url, cookie, unchanged, changed = sys.argv[1:5]
    tabs, seconds, connections = int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
    print(json.dumps(asyncio.run(run(url, cookie, unchanged, changed, tabs, seconds, connections))))
