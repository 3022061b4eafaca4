"""A load generator of people, not of connections: each user asks for the page, reads it for
0.5-1.5 s (1 s on average), and asks again, over one kept-alive connection as a browser would.

Run as its own process: python -m bench.users URL COOKIE USERS SECONDS; prints JSON.
"""
import http.client
import json
import random
import sys
import threading
import time
from urllib.parse import urlparse


def _user(target, cookie, until, samples, errors, seed):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
    time.sleep(rng.uniform(0, 1.0))  # people do not all arrive in the same millisecond
    while time.monotonic() < until:
        start = time.perf_counter()
        try:
            conn.request("GET", target.path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
            else:
                samples.append(time.perf_counter() - start)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            conn.close()
        time.sleep(rng.uniform(0.5, 1.5))
    conn.close()


def run(url, cookie, users, seconds):
    """Latency percentiles (ms) and requests/s of `users` people reading the page for `seconds`."""
    target = urlparse(url)
    samples, errors = [], []
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=_user, args=(target, cookie, until, samples, errors, n), daemon=True)
               for n in range(users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    elapsed = time.monotonic() - started
    samples.sort()

    def pct(p):
        return 1000 * samples[min(int(len(samples) * p), len(samples) - 1)] if samples else None

    return {"rps": len(samples) / elapsed, "requests": len(samples), "p50_ms": pct(0.5), "p90_ms": pct(0.9),
            "p99_ms": pct(0.99), "max_ms": 1000 * samples[-1] if samples else None,
            "non_2xx": sum(1 for e in errors if isinstance(e, int)),
            "socket_errors": ", ".join(sorted({e for e in errors if isinstance(e, str)}))}


if __name__ == "__main__":
    url, cookie, users, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(run(url, cookie, users, seconds)))
