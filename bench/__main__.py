"""`python -m bench` (make bench): run the benchmarks on this machine and print the table.

Sizes come from the environment (bench/config.py); BENCH_QUICK=1 runs a small smoke version,
BENCH_ONLY=page,load,pipeline,certificate a subset, BENCH_PROFILE=1 writes a pyinstrument profile of the page.
"""
import json
import os
import platform
import signal
import subprocess
import sys
import time

from . import config
from .procs import ROOT


def machine(world):
    """What the numbers were measured on."""
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_gb = int(f.readline().split()[1]) / 1024 / 1024
    import gunicorn
    import peewee
    import redis
    import rq
    from pumasi.db import db
    conn = redis.Redis.from_url(world.redis_url)
    app = world.app()
    with app.app_context(), db.connection_context():
        database = db.execute_sql("select version()").fetchone()[0].split(" on ")[0] \
            if world.database_kind == "PostgreSQL" else "SQLite " + __import__("sqlite3").sqlite_version
    commit = os.environ.get("BENCH_COMMIT") or subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "pumasi", "worker.py", "templates", "app.py"],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"load_average": os.getloadavg(), "cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_gb, 1),
            "os": platform.platform(), "python": platform.python_version(), "database": database,
            "redis": conn.info()["redis_version"], "gunicorn": gunicorn.__version__, "rq": rq.__version__,
            "peewee": peewee.__version__, "commit": commit + (" (with uncommitted changes)" if dirty else ""),
            "quick": config.QUICK}


def _ok(flag):
    return "—" if flag is None else ("✅" if flag else "❌")


def _errors(run):
    bad = run["non_2xx"] + (1 if run["socket_errors"] else 0)
    return f" ({run['non_2xx']} non-2xx, socket errors: {run['socket_errors'] or 'none'})" if bad else ""


def _outcome(phase):
    """A correctness note: every date answered 300 (every simulator account consents), no failed job."""
    if set(phase["codes"]) == {"succeeded/300"} and not phase["failed_jobs"]:
        return ", every date 300"
    return f", dates: {phase['codes']}, failed jobs: {phase['failed_jobs']}"


def _ms(found):
    return f"{found['median_ms']:.2f} ms; {found['p95_ms']:.2f} ms"


def live_rows(results):
    """7: 활동내역 live (issue 17, bench/live.py)."""
    live = results.get("live")
    if not live:
        return []
    poll, bare_poll = live["poll_wrk"], live["bare_poll_wrk"]
    page_200, page_304, bare_page = live["page_200"], live["page_304"], live["bare_page"]
    ratio_200 = page_200["median_ms"] / bare_page["median_ms"]
    ratio_uncached = live["page_200_uncached"]["median_ms"] / bare_page["median_ms"]
    tabs = live["tabs"]
    last = tabs[-1]
    rounds = "; ".join(f"{t['tabs']:,}: {t['rps']:.0f} req/s p99 {t['p99_ms']:.0f} ms" for t in tabs)
    return [
        ("7", "page poll, unchanged (204): requests/s, wrk 50 connections, gunicorn "
         f"{results['sizes']['WEB_WORKERS']} workers", f"{poll['rps']:.0f} req/s (p99 {poll['p99_ms']:.0f} ms)"
         f"{_errors(poll)}", f"bare 204 {bare_poll['rps']:.0f} req/s (p99 {bare_poll['p99_ms']:.0f} ms)",
         f"≥ 70% of bare (now {live['poll_ratio'] * 100:.0f}%)", _ok(live["poll_ratio"] >= 0.7)),
        ("7", "page poll: server time (median; p95), unchanged / changed (1 row)",
         f"{_ms(live['poll'])} / {_ms(live['poll_changed'])}", f"bare 204 {_ms(live['bare_poll'])}",
         "(for information)", _ok(None)),
        ("7", "활동내역 unchanged since the last view (304): server time (median; p95)", _ms(page_304),
         f"bare render {_ms(bare_page)}", "(for information)", _ok(None)),
        ("7", "활동내역 rendered (200) with its table kept for this version / read and rendered: server time "
         "(median; p95)", f"{_ms(page_200)} / {_ms(live['page_200_uncached'])}", f"bare render {_ms(bare_page)}",
         f"≤ 1.5× bare with the table kept (now {ratio_200:.2f}×; uncached {ratio_uncached:.2f}×)",
         _ok(ratio_200 <= 1.5)),
        ("7", "open tabs (3 s / 30 s / 5 min backoff, 1% see a change a minute), p99 < 100 ms",
         f"{live['tabs_held']:,} tabs held ({rounds})",
         f"stopped at {last['tabs']:,}" if last["p99_ms"] is None or last["p99_ms"] >= 100 else "every round held",
         "≥ 50,000 tabs", _ok(live["tabs_held"] >= 50_000)),
    ]


def imports_rows(found):
    """Issue 14's import: preview and save of the members, then of the dates, each under a minute."""
    if not found:
        return []
    rows = []
    for key, what, xlsx in (("members", "members", "members_xlsx_preview_s"), ("dates", "dates of participations",
                                                                            "dates_xlsx_preview_s")):
        preview, save, _ = found[key]
        count = found["sizes"][key]
        rows.append(("8", f"import of {count:,} {what} (CSV, CP949): preview; save",
                     f"{preview:.1f} s; {save:.1f} s", f"the same file as .xlsx: preview {found[xlsx]:.1f} s",
                     "each < 60 s", _ok(preview < 60 and save < 60 and found[xlsx] < 60)))
    return rows


def table(results):
    """The results, each beside its limit and target, as a Markdown table."""
    rows = []
    page = results.get("page")
    if page:
        counts = page["queries"]
        # Constant: the same page costs the same queries for 1 row or 1,000, on its first or last page.
        constant = len({count for name, count in counts.items() if "htmx" not in name}) == 1
        rows.append(("1", "활동내역: SQL queries per request (" + ", ".join(counts) + ")",
                     " / ".join(str(v) for v in counts.values()), f"{page['rows_total']} rows, {page['rows_shown']} shown",
                     "constant, ≤ 6", _ok(constant and max(counts.values()) <= 6)))
        rows.append(("1", "활동내역: server time per request (median; p95)",
                     f"{page['page']['median_ms']:.2f} ms; {page['page']['p95_ms']:.2f} ms",
                     f"bare render {page['bare']['median_ms']:.2f} ms; {page['bare']['p95_ms']:.2f} ms"
                     + ("" if page["same_html"] else " (HTML differs!)"),
                     f"≤ 1.5× bare (now {page['ratio']:.2f}×)", _ok(page["ratio"] <= 1.5)))
    pipe = results.get("pipeline")
    if pipe:
        p, n = pipe["pipeline"], pipe["naive"]
        rate = p["dates_per_s"]
        ratio = pipe.get("ratio")
        rows.append(("2", f"pipeline: {p['dates']} dates of {p['requests']} 연계신청, "
                     f"queued → final, {results['sizes']['RQ_WORKERS']} workers",
                     (f"{rate:.0f} dates/s ({p['seconds']:.1f} s){_outcome(p)}" if rate
                      else f"not finished: {p['error']}"),
                     f"naive 1 job/date: {n['dates_per_s']:.0f} dates/s ({n['dates']} dates{_outcome(n)})" if n["dates_per_s"]
                     else f"naive not finished: {n['error']}",
                     f"≥ 20× naive (now {ratio:.1f}×), ≥ 3,000/s" if ratio else "≥ 20× naive, ≥ 3,000/s",
                     _ok(bool(rate and ratio and ratio >= 20 and rate >= 3000))))
        rows.append(("2", "pipeline: 연계신청 as the web makes them (one process), and end to end",
                     f"{p['issue_dates_per_s']:.0f} dates/s; end to end "
                     + (f"{p['end_to_end_dates_per_s']:.0f} dates/s" if p["end_to_end_dates_per_s"] else "—"),
                     f"naive: {n['issue_dates_per_s']:.0f} dates/s", "(for information)", _ok(None)))
    load = results.get("load")
    if load:
        users = results["sizes"]["LOAD_CONNECTIONS"]
        page_load, bare_load = load["page"], load["bare"]
        rows.append(("3", f"server saturated: requests/s, {users} connections back to back, "
                     f"gunicorn {results['sizes']['WEB_WORKERS']} workers",
                     f"{page_load['rps']:.0f} req/s (p99 {page_load['p99_ms']:.0f} ms){_errors(page_load)}",
                     f"bare endpoint {bare_load['rps']:.0f} req/s (p99 {bare_load['p99_ms']:.0f} ms){_errors(bare_load)}",
                     f"≥ 50% of bare (now {load['ratio'] * 100:.0f}%)", _ok(load["ratio"] >= 0.5)))
        page_users, bare_users = load["page_users"], load["bare_users"]
        rows.append(("3", f"server: latency p50 / p90 / p99, {users} users each asking about once a second",
                     f"{page_users['p50_ms']:.0f} / {page_users['p90_ms']:.0f} / {page_users['p99_ms']:.0f} ms "
                     f"({page_users['rps']:.0f} req/s){_errors(page_users)}",
                     f"bare {bare_users['p50_ms']:.0f} / {bare_users['p90_ms']:.0f} / {bare_users['p99_ms']:.0f} ms",
                     "p99 < 100 ms", _ok(page_users["p99_ms"] < 100)))
        web = max(x for x in load["web_rss_mb"] if x)
        rows.append(("4", "memory: peak RSS of a web worker (during 3)", f"{web:.0f} MB",
                     f"bare {max(x for x in load['bare_rss_mb'] if x):.0f} MB", "< 150 MB", _ok(web < 150)))
    if pipe:
        rss = max(x for x in pipe["pipeline"]["worker_rss_mb"] + pipe["naive"]["worker_rss_mb"] if x)
        rows.append(("4", "memory: peak RSS of an RQ worker (during 2)", f"{rss:.0f} MB",
                     f"simulator {max(x for x in pipe['sim_rss_mb'] if x):.0f} MB", "< 150 MB", _ok(rss < 150)))
    if load:
        w = load["weight"]
        kinds = ", ".join(f"{i['url'].rsplit('/', 1)[-1] or 'page'} {i['wire'] / 1024:.1f}" for i in w["items"])
        rows.append(("5", "page weight, first load (KB on the wire)",
                     f"{w['wire'] / 1024:.1f} KB in {w['requests']} requests, {w['third_party']} third-party",
                     f"{kinds}; gzipped {w['gzip'] / 1024:.1f} KB",
                     "< 60 KB, no third-party", _ok(w["wire"] < 60 * 1024 and not w["third_party"])))
    cert = results.get("certificate")
    if cert:
        render, request = cert["render"], cert["request"]
        rows.append(("6", f"확인서 PDF of {cert['activities']} activities ({cert['dates']} dates), made on the server "
                     "(median; p95)", f"{render['median_ms']:.0f} ms; {render['p95_ms']:.0f} ms (CPU "
                     f"{cert['render_cpu']['median_ms']:.0f} ms; {cert['pdf_bytes'] / 1024:.0f} KB)",
                     f"whole 확인서 출력 request {request['median_ms']:.0f} ms; the process's first "
                     f"{cert['cold_request_ms']:.0f} ms (font parsed)", "< 300 ms", _ok(render["p95_ms"] < 300)))
    rows += live_rows(results)
    rows += imports_rows(results.get("imports"))
    chart = results.get("charts")
    if chart:
        for key, name in (("weekly", "dates answered per week by code"), ("times", "time to the final answer, "
                          "median and p90 per week"), ("failures", "failing dates by code per site")):
            ms = chart[key]
            rows.append(("9", f"통계: {name}, one grouped query on {chart['dates']:,} dates",
                         f"{ms['median_ms']:.0f} ms (max {ms['max_ms']:.0f})", "", "< 200 ms", _ok(ms["max_ms"] < 200)))
        rows.append(("9", "통계: the whole page (3 queries, 3 SVGs, tables), in process",
                     f"{chart['page']['median_ms']:.0f} ms (max {chart['page']['max_ms']:.0f})", "", "(for information)",
                     _ok(None)))
    lines = ["| # | measure | result | limit / baseline | target | met |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main():
    # Stop cleanly (every process, the database, the queue) on Ctrl-C or a TERM.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from . import charts, data, imports, load, page, pipeline
    from .world import World
    from pumasi.db import db

    wanted = config.only()
    sizes = {name: config.size(name) for name in config.SIZES}
    world = World()
    results = {"sizes": sizes}
    started = time.monotonic()
    try:
        results["machine"] = machine(world)
        print(f"pumasi benchmarks ({'quick' if config.QUICK else 'full'} sizes) on {world.database_kind}, "
              f"{results['machine']['cores']} cores; folder {world.tmp}", flush=True)
        if results["machine"]["load_average"][0] > 0.5 * results["machine"]["cores"]:
            print(f"warning: the machine is busy (load average {results['machine']['load_average'][0]:.1f}): "
                  "other processes share the cores, the numbers will be low and noisy", flush=True)
        app = world.app()
        with app.app_context(), db.connection_context():
            t = time.monotonic()
            big, small = data.page_volunteers(sizes["PAGE_PARTICIPATIONS"], sizes["PAGE_LOGS"])
            if "pipeline" in wanted:
                vault = app.extensions["rrn_vault"]
                naive_ids, naive_names = data.pipeline_volunteers(
                    "naive", max(sizes["NAIVE_DATES"] // 10, 1), sizes["NAIVE_DATES"], sizes["PIPE_PARTICIPATIONS"], vault)
                pipe_ids, pipe_names = data.pipeline_volunteers(
                    "pipe", sizes["PIPE_VOLUNTEERS"], sizes["PIPE_DATES"], sizes["PIPE_PARTICIPATIONS"], vault)
                data.sim_accounts(world.sim_db, naive_names + pipe_names)
            # What autovacuum (PostgreSQL) does within a minute of a bulk load, and what a database
            # in use has: statistics. Without them the planner scans whole tables for the page.
            db.execute_sql("ANALYZE")
            print(f"data ready in {time.monotonic() - t:.1f} s", flush=True)
        if "page" in wanted or "load" in wanted:
            profile = os.path.join(world.tmp, "page-profile.txt") if os.environ.get("BENCH_PROFILE") else None
            results["page"] = page.run(world, big, small, sizes["PAGE_REQUESTS"], profile)
            print("1. page done", flush=True)
            if profile:
                with open(profile) as f:
                    print(f.read())
        if "load" in wanted:
            results["load"] = load.run(world, big, sizes["LOAD_SECONDS"], sizes["LOAD_CONNECTIONS"],
                                       sizes["WEB_WORKERS"], sizes["WEB_THREADS"])
            print("3. load done", flush=True)
        if "pipeline" in wanted:
            results["pipeline"] = pipeline.run(world, pipe_ids, naive_ids, sizes["PIPE_TIMEOUT"],
                                               sizes["RQ_WORKERS"], sizes["SIM_WORKERS"],
                                               profile=bool(os.environ.get("BENCH_PROFILE")))
            print("2. pipeline done", flush=True)
        if "live" in wanted:
            from . import live
            results["live"] = live.run(world, big, sizes["LIVE_SECONDS"], sizes["LOAD_CONNECTIONS"],
                                       sizes["WEB_WORKERS"], sizes["WEB_THREADS"], sizes["PAGE_REQUESTS"])
            print("7. live done", flush=True)
        if "certificate" in wanted:
            from . import certificate
            results["certificate"] = certificate.run(world, sizes["CERT_COUNT"])
            print("6. certificate done", flush=True)
        if "imports" in wanted:
            results["imports"] = imports.run(world, sizes["IMPORT_MEMBERS"], sizes["IMPORT_DATES"])
            print("8. imports done", flush=True)
        if "charts" in wanted:
            results["charts"] = charts.run(world, sizes["CHART_DATES"])
            print("9. charts done", flush=True)
    finally:
        world.close()
    results["seconds"] = time.monotonic() - started
    results["load_average_after"] = os.getloadavg()
    out = os.environ.get("BENCH_OUT") or os.path.join(ROOT, "instance", "bench-last.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, ensure_ascii=False, indent=1, default=str)
    m = results["machine"]
    print(f"\n{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}; Python {m['python']}; "
          f"{m['database']}; Redis {m['redis']}; commit {m['commit']}; load average before "
          f"{m['load_average'][0]:.1f}, after {results['load_average_after'][0]:.1f}\n")
    print(table(results))
    if results.get("page"):
        print("\nwhere a 활동내역 request's time goes (median ms): " + "; ".join(
            f"{name} {ms:.2f}" for name, ms in results["page"]["breakdown_ms"].items()))
    print(f"\n(all numbers: {out}; {results['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
