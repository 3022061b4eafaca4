"""The blueprint of 운영관리: for operators only."""
from flask import Blueprint

from ..helpers import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required("operator")
def _operators_only():
    """Every page here is for operators."""
