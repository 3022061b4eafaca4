"""경보: the alerts now on and before (each with its page: what it is about and what to do), and the
banner every operator page shows while one is on."""
from flask import current_app, render_template
from peewee import DatabaseError, InterfaceError

from ...models import Alert
from ...ops import alert_pages, alerts
from ..helpers import accessed, get_or_404
from .blueprint import bp


def _open_alerts():
    try:
        return alerts.open_alerts()
    except (DatabaseError, InterfaceError):  # an error page while the database is away: no banner
        return []


@bp.app_context_processor
def _banner():
    """open_alerts() for the banner of operator pages (base.html; asked only when one is shown)."""
    return {"open_alerts": _open_alerts, "alert_kinds": alerts.KINDS}


@bp.route("/alerts")
def alert_list():
    """The alerts now on, then the latest that cleared."""
    return render_template("admin/alerts.html", history=alerts.history())


@bp.route("/alerts/<int:alert_id>")
def alert(alert_id):
    """One alert: what was seen, since when, what to do, and the dates or requests it is about."""
    found = get_or_404(Alert, alert_id)
    listed = alert_pages.affected(found, current_app.config)
    volunteers = [log.participation.volunteer_id for log in listed.get("dates", (0, []))[1]]
    volunteers += [request.participation.volunteer_id for request, _ in listed.get("requests", (0, []))[1]]
    if volunteers:  # volunteers' names: an access record
        accessed(volunteers, "조회", f"경보 화면(봉사자 이름): {alerts.KINDS[found.kind].title}")
    return render_template("admin/alert.html", alert=found, kind=alerts.KINDS[found.kind], **listed)
