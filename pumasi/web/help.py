"""Help pages from the user guide."""
from flask import Blueprint, render_template

bp = Blueprint("help", __name__, url_prefix="/help")


@bp.route("/1365-consent")
def consent():
    """※ 참고 1365 연계동의 방법."""
    return render_template("help/consent.html")


@bp.route("/")
def index():
    """The guide: how linkage works and what to do when it fails."""
    return render_template("help/index.html")
