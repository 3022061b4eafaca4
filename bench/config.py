"""Sizes and switches of a benchmark run, from the environment (BENCH_QUICK=1: a small smoke run)."""
import os

QUICK = os.environ.get("BENCH_QUICK", "").lower() in ("1", "true", "yes")

# name: (full size, quick size, what it is)
SIZES = {
    "PAGE_PARTICIPATIONS": (1000, 100, "participations of the 활동내역 volunteer"),
    "PAGE_LOGS": (10000, 1000, "daily logs of the 활동내역 volunteer"),
    "PAGE_REQUESTS": (300, 40, "timed requests per variant of the in-process page benchmark"),
    "PIPE_VOLUNTEERS": (10000, 200, "volunteers whose dates the pipeline links"),
    "PIPE_DATES": (100000, 2000, "dates the pipeline links"),
    "PIPE_PARTICIPATIONS": (2, 2, "participations per pipeline volunteer (one 연계신청 each)"),
    "NAIVE_DATES": (2000, 200, "dates the naive one-job-per-date baseline links"),
    "CHART_DATES": (1000000, 20000, "answered dates under the operators' charts"),
    "PIPE_TIMEOUT": (1800, 300, "seconds the pipeline may take before the run gives up"),
    "LOAD_SECONDS": (20, 5, "seconds of load per endpoint"),
    "LOAD_CONNECTIONS": (50, 50, "concurrent users of the load generator"),
    "WEB_WORKERS": (2, 2, "gunicorn worker processes"),
    "WEB_THREADS": (4, 4, "threads per gunicorn worker, as `flask up` runs it (1: the sync worker)"),
    "RQ_WORKERS": (2, 2, "`python worker.py` processes"),
    "SIM_WORKERS": (2, 2, "gunicorn workers of the 1365 simulator"),
    "LIVE_SECONDS": (10, 4, "seconds of each round of 7 (the page poll under wrk, each number of open tabs)"),
    "CERT_COUNT": (30, 5, "timed 확인서 PDFs (and 확인서 출력 requests) of 20 activities"),
    "IMPORT_MEMBERS": (10000, 500, "members an operator imports (issue 14)"),
    "IMPORT_DATES": (100000, 5000, "dates of their participations an operator imports (issue 14)"),
}


def size(name):
    """A size: BENCH_<NAME> if set, else the quick or full default."""
    full, quick, _ = SIZES[name]
    raw = os.environ.get(f"BENCH_{name}")
    return int(raw) if raw else (quick if QUICK else full)


def only():
    """The benchmarks to run (BENCH_ONLY=page,load,pipeline,certificate,live,imports,charts; default all)."""
    raw = os.environ.get("BENCH_ONLY", "")
    return ({name.strip() for name in raw.split(",") if name.strip()}
            or {"page", "load", "pipeline", "certificate", "live", "imports", "charts"})


DATABASE = os.environ.get("BENCH_DB", "postgres")  # postgres (falls back to sqlite if unreachable) or sqlite
PG_ADMIN = os.environ.get("BENCH_PG", os.environ.get("PUMASI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"))
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")
KEEP = os.environ.get("BENCH_KEEP", "").lower() in ("1", "true", "yes")  # keep the temporary folder
# How long the workers wait before asking 1365 for answers; 0 with the zero-delay simulator.
POLL_INTERVAL = os.environ.get("BENCH_POLL_INTERVAL", "0")
