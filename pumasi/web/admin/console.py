"""감사 기록 (the audit log, filtered) and 설정 (what the console may change; the 1365 host and code
shown, never changed here; 연결 테스트)."""
from flask import current_app, flash, redirect, render_template, request, url_for

from ...jobs.tasks import probe_portal
from ...ops import audit, console_settings
from ...portal.endpoint import endpoint_host
from ...settings import CONSOLE
from .. import htmx
from ..helpers import actor, page_arg, page_count
from ..listargs import audit_filter, date_field_values, filter_args
from ..security import reports_bad_input
from .blueprint import bp


@bp.route("/audit")
def audit_log():
    """The audit log, filtered by action, member, target and period."""
    filters, errors = audit_filter(request.args)
    size = current_app.config["LIST_PAGE_SIZE"]
    total, rows = audit.page(filters, page_arg(), size)
    return htmx.render("admin/audit.html", "admin/_audit.html", status=422 if errors else 200, rows=rows,
                       total=total, page=page_arg(), pages=page_count(total, size), errors=errors,
                       actions=audit.actions(), filters=filters, filter_args=filter_args(filters),
                       date_text=date_field_values(request.args, "date_from", "date_to"))


@bp.route("/settings", methods=["GET", "POST"])
@reports_bad_input
def settings_page():
    """Settings: organisation name, support phone; the 1365 host and code shown (environment only)."""
    values = {key: console_settings.effective(current_app)[key] for key in CONSOLE}
    errors, status = {}, 200
    if request.method == "POST":
        values, errors = console_settings.validate(request.form)
        if not errors:
            console_settings.save(current_app, values, actor())
            flash("설정을 저장했습니다.", "info")
            return redirect(url_for(".settings_page"), 303)
        values = {key: (request.form.get(key) or "")[:300] for key in CONSOLE}
        status = 422
    return _settings(values, errors), status


def _settings(values, errors, **context):
    return render_template("admin/settings.html", values=values, errors=errors, fields=CONSOLE,
                           portal_host=endpoint_host(current_app.config["PORTAL_URL"]),
                           org_code=current_app.config["ORG_CODE"], **context)


@bp.route("/settings/test-connection", methods=["POST"])
def test_connection():
    """Ask the 1365 endpoint for its health and show the answer: in place for htmx, else on the
    settings page (a tap without JavaScript never lands on a bare fragment)."""
    ok, detail = probe_portal(current_app)
    if htmx.is_fragment_request():
        return render_template("admin/_connection.html", ok=ok, detail=detail)
    values = {key: console_settings.effective(current_app)[key] for key in CONSOLE}
    return _settings(values, {}, connection=True, ok=ok, detail=detail)
