"""The simulator's HTTP API: the /api/v1 contract (docs/1365_CONTRACT.md), /sim/stats and /sim/records."""
from __future__ import annotations

import contextlib
import hmac
import random
import socket
import time

from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sim1365 import accounts, faults, rules, settings
from sim1365.store import open_store, transaction

bp = Blueprint("sim1365", __name__)


def create_app(db_path: str | None = None, api_key: str | None = None, delay: float | None = None) -> Flask:
    """Build the simulator's Flask app (gunicorn: `sim1365.app:create_app()`)."""
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.config.update(MAX_CONTENT_LENGTH=8 * 1024 * 1024, SIM_STORE=settings.store_path(db_path),
                      SIM_API_KEY=settings.api_key(api_key), SIM_OVERRIDES={} if delay is None else {"delay": delay})
    open_store(app.config["SIM_STORE"]).close()
    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, lambda exc: _error(exc.code, exc.name.lower()))
    app.teardown_appcontext(_close_store)
    return app


def _db():
    if "sim_db" not in g:
        g.sim_db = open_store(current_app.config["SIM_STORE"])
    return g.sim_db


def _close_store(_exc):
    conn = g.pop("sim_db", None)
    if conn is not None:
        conn.close()


def _error(status, message):
    return jsonify(error=message), status


def _answer(payload, status):
    """Send the answer, unless a drop or timeout fault strikes after processing."""
    if random.random() < g.faults["drop_rate"]:
        sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
    elif random.random() < g.faults["timeout_rate"]:
        time.sleep(g.faults["timeout_s"])
    return jsonify(payload), status


def _authorized():
    auth = request.headers.get("Authorization", "")
    key = current_app.config["SIM_API_KEY"]
    return (auth.startswith("Bearer ") and hmac.compare_digest(auth[7:].encode(), key.encode())
            and request.headers.get("X-Org-Code", "").strip())


@bp.before_app_request
def _gate():
    """Faults first (latency, 503), then the key, for every /api/v1 call but health's key check."""
    if not request.path.startswith("/api/v1/"):
        return None
    g.faults = faults.effective(_db(), current_app.config["SIM_OVERRIDES"])
    if g.faults["latency_ms"] > 0:
        time.sleep(g.faults["latency_ms"] / 1000)
    if random.random() < g.faults["error_rate"]:
        return _error(503, "unavailable")
    if request.path != "/api/v1/health" and not _authorized():
        return _error(401, "unauthorized")
    return None


@bp.get("/api/v1/health")
def health():
    return jsonify(ok=True)


@bp.post("/api/v1/records")
def records():
    body = request.get_json(silent=True)
    recs = body.get("records") if isinstance(body, dict) else None
    if not isinstance(recs, list):
        return _error(400, "body must be a JSON object with a 'records' list")
    if len(recs) > rules.MAX_RECORDS:
        return _error(400, f"at most {rules.MAX_RECORDS} records per request")
    accepted, rejected, now = [], [], time.time()
    with transaction(_db()) as conn:
        for rec in recs:
            problem = rules.validate_record(rec)
            if problem:
                ref = rec.get("ref") if isinstance(rec, dict) else None
                rejected.append({"ref": ref if isinstance(ref, str) else None, "error": problem})
                continue
            rules.receive_record(conn, rec, g.faults, now)
            accepted.append(rec["ref"])
    return _answer({"accepted": accepted, "rejected": rejected}, 202)


@bp.post("/api/v1/results")
def results():
    body = request.get_json(silent=True)
    refs = body.get("refs") if isinstance(body, dict) else None
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        return _error(400, "body must be a JSON object with a 'refs' list of strings")
    if len(refs) > rules.MAX_REFS:
        return _error(400, f"at most {rules.MAX_REFS} refs per request")
    now = time.time()
    return _answer({"results": [rules.result_of(_db(), ref, now) for ref in refs]}, 200)


@bp.get("/sim/stats")
def sim_stats():
    return jsonify(accounts.stats(current_app.config["SIM_STORE"]))


@bp.get("/sim/records")
def sim_records():
    user_id = request.args.get("user_id", "")
    rows = accounts.recorded_for(current_app.config["SIM_STORE"], user_id)
    if rows is None:
        return _error(404, "unknown user_id")
    return jsonify(user_id=user_id, records=rows)
