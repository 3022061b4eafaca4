"""활동처관리 for site managers: their activities (`activities`), the volunteers in them, 일별 입력
(`days`), one date's edit and delete (`logs`), and files in and out (`files`). One blueprint; its
routes are listed here, the views live in those modules."""
from flask import Blueprint, abort
from flask_login import current_user

from ...records.activities import NOT_FOUND_MESSAGE
from ..forms import CATEGORIES
from ..helpers import role_required
from . import activities, days, files, logs
from .scope import masked_phone

bp = Blueprint("site", __name__, url_prefix="/site")

ROUTES = [
    ("/", activities.index, ["GET"]),
    ("/activities/new", activities.new_activity, ["GET", "POST"]),
    ("/activities/<int:activity_id>/edit", activities.edit_activity, ["GET", "POST"]),
    ("/activities/<int:activity_id>", activities.activity, ["GET"]),
    ("/activities/<int:activity_id>/volunteers/search", activities.search_volunteers, ["GET"]),
    ("/activities/<int:activity_id>/volunteers", activities.add_volunteer, ["POST"]),
    ("/participations/<int:participation_id>/remove", activities.remove_volunteer, ["GET", "POST"]),
    ("/activities/<int:activity_id>/day", days.day, ["GET", "POST"]),
    ("/logs/<int:log_id>/edit", logs.edit_log, ["GET", "POST"]),
    ("/logs/<int:log_id>/delete", logs.delete_log, ["GET", "POST"]),
    ("/activities/<int:activity_id>/import", files.import_file, ["GET", "POST"]),
    ("/activities/<int:activity_id>/import/confirm", files.confirm_import, ["POST"]),
    ("/activities/<int:activity_id>/export.csv", files.export_csv, ["GET"]),
    ("/template.csv", files.csv_template, ["GET"]),
]
for rule, view, methods in ROUTES:
    bp.add_url_rule(rule, view_func=view, methods=methods)


@bp.before_request
@role_required("site")
def _site_managers_only():
    """Every page here is one site's own; a manager without a site sees none."""
    if current_user.site_id is None:
        abort(403)


@bp.context_processor
def _words():
    return {"CATEGORIES": CATEGORIES, "masked_phone": masked_phone, "NOT_FOUND_MESSAGE": NOT_FOUND_MESSAGE}
