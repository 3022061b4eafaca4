"""Simulator of the 1365 volunteer portal's record-linkage API (contract: docs/1365_CONTRACT.md)."""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import os
import random
import re
import secrets
import socket
import sqlite3
import threading
import time

import click
from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

MESSAGES = {
    99: "시스템 오류 입니다.",
    100: "1365 에 아이디가 존재하지 않습니다.",
    200: "1365 연계동의를 되어있지 않거나, 본인인증 주민등록번호와 1365 주민등록번호가 일치하지 않습니다.",
    300: "연계 성공",
    400: "연계 성공(중복)",
}
FAULT_DEFAULTS = {"latency_ms": 0.0, "error_rate": 0.0, "timeout_rate": 0.0, "timeout_s": 30.0,
                  "drop_rate": 0.0, "code99_rate": 0.0, "delay": 3.0}
RATE_KEYS = {"error_rate", "timeout_rate", "drop_rate", "code99_rate"}
MAX_RECORDS, MAX_REFS = 500, 1000
REF_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
TIME_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
DEFAULT_DB = os.path.join("instance", "sim1365.db")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, user_id TEXT NOT NULL UNIQUE, birth7 TEXT NOT NULL,
    rrn_hash TEXT NOT NULL, rrn_masked TEXT NOT NULL, consent INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS accounts_name_birth7 ON accounts (name, birth7);
CREATE TABLE IF NOT EXISTS submissions (
    ref TEXT PRIMARY KEY, account_id INTEGER, name TEXT, birth7 TEXT, site TEXT, activity TEXT,
    date TEXT, "start" TEXT, "end" TEXT, minutes INTEGER, code INTEGER, message TEXT,
    received_at REAL NOT NULL, release_at REAL NOT NULL, times_received INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS recorded (
    account_id INTEGER NOT NULL, site TEXT NOT NULL, date TEXT NOT NULL, "start" TEXT NOT NULL,
    "end" TEXT NOT NULL, ref TEXT NOT NULL, UNIQUE (account_id, site, date, "start", "end"));
CREATE TABLE IF NOT EXISTS faults (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_ready: set[str] = set()
_ready_lock = threading.Lock()


def resolve_db_path(path: str | None = None) -> str:
    """Resolve the store path: the argument, else env PUMASI_SIM1365_DB, else instance/sim1365.db."""
    return os.path.abspath(path or os.environ.get("PUMASI_SIM1365_DB") or DEFAULT_DB)


HASH_SCHEME = "hmac-sha256"
SECRET_ENV = "PUMASI_SIM1365_SECRET"


class _Store(sqlite3.Connection):
    """A connection to a store that holds the store's secret: the HMAC key of its RRN hashes."""

    secret = b""


_secrets: dict[tuple[str, str], bytes] = {}


def secret_path(path: str) -> str:
    """Where a store's secret is kept when PUMASI_SIM1365_SECRET does not give one: beside the store."""
    return path + ".secret"


def _secret(path: str) -> bytes:
    """The store's HMAC key: PUMASI_SIM1365_SECRET, else a random one generated once into
    <store>.secret (mode 0600; created whole, so two processes starting at once read the same)."""
    configured = os.environ.get(SECRET_ENV, "")
    cached = _secrets.get((path, configured))
    if cached:
        return cached
    if configured:
        value = configured.encode()
    else:
        key_path = secret_path(path)
        if not os.path.exists(key_path):
            temporary = f"{key_path}.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            try:
                os.link(temporary, key_path)
            except FileExistsError:
                pass  # another process made it first: theirs is the one
            finally:
                os.unlink(temporary)
        with open(key_path, "rb") as f:
            value = f.read().strip()
        if not value:
            raise RuntimeError(f"the simulator's secret {key_path} is empty: delete it to have a new one made")
    _secrets[(path, configured)] = value
    return value


def _upgrade_hashes(conn) -> None:
    """A store made before keyed hashes kept salted SHA-256 of each RRN beside its first 7 digits:
    10^6 tries reverse one. Those cannot become keyed hashes (the store never held the RRNs), so
    they are erased, from the file too (secure_delete, a truncated WAL): those accounts answer 200
    until added again (add-account; `flask seed-demo` re-adds the demo's)."""
    if conn.execute("SELECT value FROM meta WHERE key = 'hash'").fetchone():
        return
    with _tx(conn):
        if conn.execute("SELECT value FROM meta WHERE key = 'hash'").fetchone():
            return
        erased = [row[0] for row in conn.execute("SELECT user_id FROM accounts WHERE rrn_hash != '' ORDER BY id")]
        conn.execute("UPDATE accounts SET rrn_hash = ''")
        conn.execute("DELETE FROM meta WHERE key = 'salt'")
        conn.execute("INSERT INTO meta (key, value) VALUES ('hash', ?)", (HASH_SCHEME,))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if erased:
        click.echo(f"1365 simulator: unkeyed RRN hashes of {len(erased)} accounts erased; add them again "
                   f"(add-account) to match: {', '.join(erased)}", err=True)


def open_store(path: str | None = None) -> sqlite3.Connection:
    """Open the store (creating its tables on first use); the caller closes the connection."""
    path = resolve_db_path(path)
    fresh = path not in _ready or not os.path.exists(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, factory=_Store)
    conn.secret = _secret(path)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA secure_delete = ON")  # replaced hashes leave no copy in the file's free pages
    if fresh:
        with _ready_lock:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA)
            _upgrade_hashes(conn)
            _ready.add(path)
    return conn


@contextlib.contextmanager
def _store(path):
    """Yield a fresh connection and close it afterwards."""
    conn = open_store(path)
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def _tx(conn):
    """Run a block inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _norm_rrn(rrn) -> str:
    """Return the RRN as 13 digits (a dash is allowed in the input); never echo it in errors."""
    digits = str(rrn).strip().replace("-", "")
    if not re.fullmatch(r"\d{13}", digits):
        raise ValueError("rrn must be 13 digits (optionally with a dash after the 6th)")
    return digits


def _mask(rrn: str) -> str:
    return f"{rrn[:6]}-{rrn[6]}******"


def _hash(conn, rrn: str) -> str:
    """The keyed hash of an RRN (HMAC-SHA256 under the store's secret): without the secret, the
    store's hashes cannot be tried against the 10^6 RRNs that share its first 7 digits."""
    return hmac.new(conn.secret, rrn.encode(), hashlib.sha256).hexdigest()


def add_account(path, name: str, user_id: str, rrn: str, consent: bool) -> dict:
    """Create a 1365 account, or update the one with this user_id; returns its masked view."""
    rrn = _norm_rrn(rrn)
    if not name or not user_id:
        raise ValueError("name and user_id are required")
    with _store(path) as conn, _tx(conn):
        conn.execute(
            "INSERT INTO accounts (name, user_id, birth7, rrn_hash, rrn_masked, consent, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET name = excluded.name,"
            " birth7 = excluded.birth7, rrn_hash = excluded.rrn_hash, rrn_masked = excluded.rrn_masked,"
            " consent = excluded.consent",
            (name, user_id, rrn[:7], _hash(conn, rrn), _mask(rrn), int(bool(consent)),
             datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")))
    return {"name": name, "user_id": user_id, "rrn_masked": _mask(rrn), "consent": bool(consent)}


def set_consent(path, user_id: str, consent: bool) -> None:
    """Set an account's linkage consent; KeyError if the user_id is unknown."""
    with _store(path) as conn:
        if not conn.execute("UPDATE accounts SET consent = ? WHERE user_id = ?",
                            (int(bool(consent)), user_id)).rowcount:
            raise KeyError(user_id)


def list_accounts(path=None) -> list[dict]:
    """All accounts, with the masked RRN only (and whether its hash was erased, to be added again)."""
    with _store(path) as conn:
        rows = conn.execute("SELECT name, user_id, rrn_masked, consent, created_at, rrn_hash = '' AS rrn_missing"
                            " FROM accounts ORDER BY id")
        return [dict(r, consent=bool(r["consent"]), rrn_missing=bool(r["rrn_missing"])) for r in rows]


def without_rrn(path, user_ids) -> set[str]:
    """Of these user_ids, those with no account or an account whose RRN hash was erased."""
    with _store(path) as conn:
        hashed = {row[0] for row in conn.execute("SELECT user_id FROM accounts WHERE rrn_hash != ''")}
    return set(user_ids) - hashed


def recorded_for(path, user_id: str) -> list[dict] | None:
    """The volunteer records 1365 holds for one account, or None if the user_id is unknown."""
    with _store(path) as conn:
        acc = conn.execute("SELECT id FROM accounts WHERE user_id = ?", (user_id,)).fetchone()
        if acc is None:
            return None
        rows = conn.execute('SELECT site, date, "start", "end", ref FROM recorded WHERE account_id = ?'
                            ' ORDER BY date, "start", site', (acc["id"],))
        return [dict(r) for r in rows]


def _fault_values(conn, overrides=None) -> dict:
    """Effective faults: the faults table, else overrides, else env PUMASI_SIM1365_<KEY>, else default."""
    table = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM faults")}
    values = {}
    for key, default in FAULT_DEFAULTS.items():
        for raw in (table.get(key), (overrides or {}).get(key), os.environ.get(f"PUMASI_SIM1365_{key.upper()}")):
            if raw is not None and raw != "":
                try:
                    values[key] = float(raw)
                    break
                except ValueError:
                    continue
        else:
            values[key] = default
    return values


def get_faults(path=None) -> dict:
    """The effective fault settings (table, then env, then defaults)."""
    with _store(path) as conn:
        return _fault_values(conn)


def set_faults(path=None, **values) -> dict:
    """Override fault settings at run time (keys of FAULT_DEFAULTS); returns the effective settings."""
    clean = {}
    for key, value in values.items():
        if key not in FAULT_DEFAULTS:
            raise ValueError(f"unknown fault {key!r}; known: {', '.join(FAULT_DEFAULTS)}")
        number = float(value)
        if number < 0 or (key in RATE_KEYS and number > 1):
            raise ValueError(f"{key} must be >= 0" + (" and <= 1" if key in RATE_KEYS else ""))
        clean[key] = number
    with _store(path) as conn, _tx(conn):
        conn.executemany("INSERT INTO faults (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                         " SET value = excluded.value", [(k, repr(v)) for k, v in clean.items()])
        return _fault_values(conn)


def clear_faults(path=None) -> None:
    """Remove every run-time fault override."""
    with _store(path) as conn:
        conn.execute("DELETE FROM faults")


def stats(path=None) -> dict:
    """Counts of accounts, submissions, recorded rows, refs received more than once, and codes."""
    with _store(path) as conn:
        def count(sql):
            return conn.execute(sql).fetchone()[0]
        by_code = conn.execute("SELECT code, COUNT(*) FROM submissions WHERE code IS NOT NULL"
                               " GROUP BY code ORDER BY code")
        return {"accounts": count("SELECT COUNT(*) FROM accounts"),
                "submissions": count("SELECT COUNT(*) FROM submissions"),
                "recorded": count("SELECT COUNT(*) FROM recorded"),
                "received_twice": count("SELECT COUNT(*) FROM submissions WHERE times_received > 1"),
                "by_code": {str(code): n for code, n in by_code}}


def validate_record(rec) -> str | None:
    """Return an English error for an invalid record, or None if it is valid."""
    if not isinstance(rec, dict):
        return "record must be an object"
    if not isinstance(rec.get("ref"), str) or not REF_RE.fullmatch(rec["ref"]):
        return "ref must be 1-64 characters of [A-Za-z0-9_-]"
    for key in ("name", "site"):
        if not isinstance(rec.get(key), str) or not rec[key].strip():
            return f"{key} is required"
    if not isinstance(rec.get("activity", ""), str):
        return "activity must be a string"
    if not isinstance(rec.get("rrn"), str) or not re.fullmatch(r"\d{13}", rec["rrn"]):
        return "rrn must be 13 digits"
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", rec.get("date") or ""):
            raise ValueError
        datetime.date.fromisoformat(rec["date"])
    except (TypeError, ValueError):
        return "date must be YYYY-MM-DD"
    for key in ("start", "end"):
        if not isinstance(rec.get(key), str) or not TIME_RE.fullmatch(rec[key]):
            return f"{key} must be HH:MM"
    minutes = rec.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 1440:
        return "minutes must be an integer from 1 to 1440"
    return None


def receive_record(conn, rec: dict, faults: dict, now: float) -> int | None:
    """Store and evaluate one valid record inside the caller's transaction; None if the ref was known."""
    birth7 = rec["rrn"][:7]
    cur = conn.execute(
        'INSERT OR IGNORE INTO submissions (ref, name, birth7, site, activity, date, "start", "end", minutes,'
        " received_at, release_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (rec["ref"], rec["name"], birth7, rec["site"], rec.get("activity", ""), rec["date"], rec["start"],
         rec["end"], rec["minutes"], now, now + faults["delay"]))
    if not cur.rowcount:
        conn.execute("UPDATE submissions SET times_received = times_received + 1 WHERE ref = ?", (rec["ref"],))
        return None
    account_id = None
    if random.random() < faults["code99_rate"]:
        code = 99
    else:
        rows = conn.execute("SELECT id, consent, rrn_hash FROM accounts WHERE name = ? AND birth7 = ? ORDER BY id",
                            (rec["name"], birth7)).fetchall()
        digest = _hash(conn, rec["rrn"])
        matches = [r for r in rows if r["consent"] and hmac.compare_digest(r["rrn_hash"], digest)]
        if not rows:
            code = 100
        elif not matches:
            code, account_id = 200, rows[0]["id"]
        else:
            account_id = matches[0]["id"]
            code = 300 if conn.execute(
                'INSERT OR IGNORE INTO recorded (account_id, site, date, "start", "end", ref)'
                " VALUES (?, ?, ?, ?, ?, ?)",
                (account_id, rec["site"], rec["date"], rec["start"], rec["end"], rec["ref"])).rowcount else 400
    conn.execute("UPDATE submissions SET code = ?, message = ?, account_id = ? WHERE ref = ?",
                 (code, MESSAGES[code], account_id, rec["ref"]))
    return code


def create_app(db_path: str | None = None, api_key: str | None = None, delay: float | None = None) -> Flask:
    """Build the simulator's Flask app (the /api/v1 contract plus /sim/stats and /sim/records)."""
    path = resolve_db_path(db_path)
    key = api_key or os.environ.get("PUMASI_SIM1365_API_KEY") or "sim-key"
    overrides = {} if delay is None else {"delay": delay}
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
    open_store(path).close()

    def db():
        if "sim_db" not in g:
            g.sim_db = open_store(path)
        return g.sim_db

    def error(status, message):
        return jsonify(error=message), status

    def answer(payload, status):
        """Send the answer, unless a drop or timeout fault strikes after processing."""
        if random.random() < g.faults["drop_rate"]:
            sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        elif random.random() < g.faults["timeout_rate"]:
            time.sleep(g.faults["timeout_s"])
        return jsonify(payload), status

    @app.teardown_appcontext
    def close_db(_exc):
        conn = g.pop("sim_db", None)
        if conn is not None:
            conn.close()

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return error(exc.code, exc.name.lower())

    @app.before_request
    def gate():
        if not request.path.startswith("/api/v1/"):
            return None
        g.faults = _fault_values(db(), overrides)
        if g.faults["latency_ms"] > 0:
            time.sleep(g.faults["latency_ms"] / 1000)
        if random.random() < g.faults["error_rate"]:
            return error(503, "unavailable")
        if request.path == "/api/v1/health":
            return None
        auth = request.headers.get("Authorization", "")
        if not (auth.startswith("Bearer ") and hmac.compare_digest(auth[7:].encode(), key.encode())
                and request.headers.get("X-Org-Code", "").strip()):
            return error(401, "unauthorized")
        return None

    @app.get("/api/v1/health")
    def health():
        return jsonify(ok=True)

    @app.post("/api/v1/records")
    def records():
        body = request.get_json(silent=True)
        recs = body.get("records") if isinstance(body, dict) else None
        if not isinstance(recs, list):
            return error(400, "body must be a JSON object with a 'records' list")
        if len(recs) > MAX_RECORDS:
            return error(400, f"at most {MAX_RECORDS} records per request")
        accepted, rejected, now = [], [], time.time()
        with _tx(db()) as conn:
            for rec in recs:
                problem = validate_record(rec)
                if problem:
                    ref = rec.get("ref") if isinstance(rec, dict) else None
                    rejected.append({"ref": ref if isinstance(ref, str) else None, "error": problem})
                    continue
                receive_record(conn, rec, g.faults, now)
                accepted.append(rec["ref"])
        return answer({"accepted": accepted, "rejected": rejected}, 202)

    @app.post("/api/v1/results")
    def results():
        body = request.get_json(silent=True)
        refs = body.get("refs") if isinstance(body, dict) else None
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            return error(400, "body must be a JSON object with a 'refs' list of strings")
        if len(refs) > MAX_REFS:
            return error(400, f"at most {MAX_REFS} refs per request")
        out, now = [], time.time()
        for ref in refs:
            row = db().execute("SELECT code, message, release_at FROM submissions WHERE ref = ?", (ref,)).fetchone()
            if row is None:
                out.append({"ref": ref, "status": "unknown"})
            elif now < row["release_at"]:
                out.append({"ref": ref, "status": "pending"})
            else:
                out.append({"ref": ref, "status": "done", "code": row["code"], "message": row["message"]})
        return answer({"results": out}, 200)

    @app.get("/sim/stats")
    def sim_stats():
        return jsonify(stats(path))

    @app.get("/sim/records")
    def sim_records():
        user_id = request.args.get("user_id", "")
        rows = recorded_for(path, user_id)
        if rows is None:
            return error(404, "unknown user_id")
        return jsonify(user_id=user_id, records=rows)

    return app


db_option = click.option("--db", default=None, help="Store path (default: env PUMASI_SIM1365_DB or instance/sim1365.db).")


def _cli_db(db):
    return resolve_db_path(db or click.get_current_context().meta.get("sim1365.db"))


@click.group("sim1365")
@click.option("--db", envvar="PUMASI_SIM1365_DB", default=None, help="Store path (env PUMASI_SIM1365_DB).")
@click.pass_context
def cli(ctx, db):
    """1365 record-linkage simulator: accounts, faults and the HTTP server."""
    ctx.meta["sim1365.db"] = db


@cli.command("add-account")
@click.option("--name", required=True)
@click.option("--user-id", required=True, help="The 1365 ID.")
@click.option("--rrn", required=True, help="13 digits, a dash allowed; only its hash and masked form are kept.")
@click.option("--consent/--no-consent", default=False, show_default=True)
@db_option
def add_account_cmd(name, user_id, rrn, consent, db):
    """Add or update a 1365 account."""
    try:
        acc = add_account(_cli_db(db), name, user_id, rrn, consent)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{acc['user_id']}\t{acc['name']}\t{acc['rrn_masked']}\tconsent={'yes' if consent else 'no'}")


@cli.command("set-consent")
@click.argument("user_id")
@click.argument("consent", type=click.Choice(["yes", "no"]))
@db_option
def set_consent_cmd(user_id, consent, db):
    """Give (yes) or withdraw (no) an account's linkage consent."""
    try:
        set_consent(_cli_db(db), user_id, consent == "yes")
    except KeyError:
        raise click.ClickException(f"no account with user_id {user_id!r}") from None
    click.echo(f"{user_id}\tconsent={consent}")


@cli.command("list")
@db_option
def list_cmd(db):
    """List the accounts (masked RRNs only)."""
    accounts = list_accounts(_cli_db(db))
    if not accounts:
        click.echo("no accounts")
    for acc in accounts:
        click.echo(f"{acc['user_id']}\t{acc['name']}\t{acc['rrn_masked']}\tconsent={'yes' if acc['consent'] else 'no'}"
                   + ("\tRRN erased: add-account again" if acc["rrn_missing"] else ""))


@cli.command("faults")
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE", help=f"One of: {', '.join(FAULT_DEFAULTS)}.")
@click.option("--clear", is_flag=True, help="Remove all run-time overrides first.")
@db_option
def faults_cmd(pairs, clear, db):
    """Show, set or clear the fault settings."""
    path = _cli_db(db)
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--set")
        values[key.strip()] = value.strip()
    if clear:
        clear_faults(path)
    try:
        effective = set_faults(path, **values) if values else get_faults(path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for key, value in effective.items():
        click.echo(f"{key}={value:g}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, envvar="PUMASI_SIM1365_PORT", default=5365, show_default=True)
@click.option("--delay", type=float, default=None, help="Answer delay in seconds (default: env PUMASI_SIM1365_DELAY or 3).")
@db_option
def serve_cmd(host, port, delay, db):
    """Run the simulator's HTTP server."""
    from werkzeug.serving import run_simple

    path = _cli_db(db)
    app = create_app(path, delay=delay)
    click.echo(f"1365 simulator on http://{host}:{port} (store {path})", err=True)
    run_simple(host, port, app, threaded=True)


if __name__ == "__main__":
    cli()
