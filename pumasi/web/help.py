"""Help pages from the user guide, and the 개인정보 처리방침: public, no log-in needed."""
from flask import Blueprint, abort, current_app, render_template, request

from ..ops import console_settings
from ..ops import privacy as notices

bp = Blueprint("help", __name__)


@bp.route("/help/1365-consent")
def consent():
    """※ 참고 1365 연계동의 방법."""
    return render_template("help/consent.html")


@bp.route("/help/")
def index():
    """The guide: how linkage works and what to do when it fails."""
    return render_template("help/index.html")


@bp.route("/privacy")
def privacy():
    """개인정보 처리방침, built from the settings, with its 시행일 and version; ?version= an earlier one
    someone agreed to, as it was shown then (404 when no one did)."""
    current = notices.notice(console_settings.effective(current_app))
    asked = request.args.get("version", "")[:40]
    if not asked or asked == current.version:
        return render_template("help/privacy.html", notice=current, current=None)
    earlier = notices.archived(asked)
    if earlier is None:
        abort(404)
    return render_template("help/privacy.html", notice=earlier, current=current)
