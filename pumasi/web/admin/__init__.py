"""운영관리 for operators: the linkage monitor and failing dates (`monitor`), 기술지원 on a
participation or a date (`helpdesk`), members (`members`), sites (`sites`), the audit log and 설정
(`console`). One blueprint; its routes are listed here, the views live in those modules."""
from flask import Blueprint

from ..helpers import role_required
from . import console, helpdesk, members, monitor, sites

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROUTES = [
    ("/", monitor.index, ["GET"]),
    ("/monitor/counts", monitor.counts, ["GET"]),
    ("/monitor/health", monitor.health, ["GET"]),
    ("/failures", monitor.failures, ["GET"]),
    ("/failures/retry", monitor.retry, ["POST"]),
    ("/participations/<int:participation_id>", helpdesk.participation, ["GET"]),
    ("/participations/<int:participation_id>/per-date", helpdesk.per_date, ["POST"]),
    ("/daily-logs/<int:log_id>/correct", helpdesk.correct, ["GET", "POST"]),
    ("/members", members.member_list, ["GET"]),
    ("/members/new", members.member_new, ["GET", "POST"]),
    ("/members/<int:member_id>", members.member, ["GET", "POST"]),
    ("/members/<int:member_id>/edit", members.member_edit, ["GET"]),
    ("/members/<int:member_id>/active", members.member_active, ["POST"]),
    ("/members/<int:member_id>/remove", members.member_remove, ["POST"]),
    ("/members/<int:member_id>/identity-reset", members.identity_reset, ["POST"]),
    ("/members/<int:member_id>/password-reset", members.password_reset, ["POST"]),
    ("/sites", sites.site_list, ["GET"]),
    ("/sites/new", sites.site, ["GET", "POST"]),
    ("/sites/<int:site_id>", sites.site, ["GET", "POST"]),
    ("/sites/<int:site_id>/managers", sites.site_manager, ["POST"]),
    ("/audit", console.audit_log, ["GET"]),
    ("/settings", console.settings_page, ["GET", "POST"]),
    ("/settings/test-connection", console.test_connection, ["POST"]),
]
for rule, view, methods in ROUTES:
    bp.add_url_rule(rule, view_func=view, methods=methods)


@bp.before_request
@role_required("operator")
def _operators_only():
    """Every page here is for operators."""
