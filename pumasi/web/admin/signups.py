"""가입 승인: sign-ups waiting for an operator's approval (any approval setting but none)."""
from ..signup import approval_list
from .blueprint import bp


@bp.route("/signups", methods=["GET", "POST"])
def signups():
    """Every waiting sign-up: 승인 or 거절."""
    return approval_list("admin/signups.html")
