"""가입 승인 for a site: the sign-ups whose volunteer chose this site to approve them."""
from flask_login import current_user

from ..signup import approval_list
from .blueprint import bp


@bp.route("/signups", methods=["GET", "POST"])
def signups():
    """This site's waiting sign-ups: 승인 or 거절."""
    return approval_list("site/signups.html", site=current_user.site_id)
