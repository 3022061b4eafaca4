"""The blueprint of 활동처관리: for site managers with a site, each seeing only their own."""
from flask import Blueprint, abort
from flask_login import current_user

from ...records.activities import NOT_FOUND_MESSAGE
from ..forms import CATEGORIES
from ..helpers import role_required

bp = Blueprint("site", __name__, url_prefix="/site")


@bp.before_request
@role_required("site")
def _site_managers_only():
    """Every page here is one site's own; a manager without a site sees none."""
    if current_user.site_id is None:
        abort(403)


@bp.context_processor
def _words():
    return {"CATEGORIES": CATEGORIES, "NOT_FOUND_MESSAGE": NOT_FOUND_MESSAGE}
