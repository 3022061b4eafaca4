"""/healthz: for a monitor, without log-in."""
from flask import Blueprint, current_app, jsonify

from ..ops import health
from .ratelimit import limiter
from .security import csrf

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    """200 {"ok": true, …} when every part is up, else 503 naming the parts that are down."""
    report = health.report(current_app)
    health.watch_workers(current_app, report)
    response = jsonify(report)
    response.status_code = 200 if report["ok"] else 503
    return response


healthz.connects_itself = True  # a database that is down must give this 503, not the error page
