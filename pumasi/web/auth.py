"""Log-in and log-out."""
from urllib.parse import unquote, urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..accounts import members, signups
from .forms import LoginForm
from .ratelimit import address_and_account, failed_login, limit_from, limiter
from .security import reports_bad_input

bp = Blueprint("auth", __name__)

HOME = {"volunteer": "mypage.index", "site": "site.index", "operator": "admin.index"}


def same_site_path(target):
    """target when it is a path of this site, else None.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so "/\t/evil" and
    "/\\evil" lead to //evil, another host; and a newline would break the Location header. So no
    control, format or whitespace character and no backslash, in the value or once percent-decoded;
    then it must be a path: one leading slash, no scheme, no host.
    """
    decoded = unquote(target)
    if any(not ch.isprintable() or ch.isspace() or ch == "\\" for ch in target + decoded):
        return None
    parts = urlsplit(target)
    if (not target.startswith("/") or target.startswith("//") or decoded.startswith("//")
            or parts.scheme or parts.netloc):
        return None
    return target


def home_url(member):
    """Where a member lands after log-in."""
    return url_for(HOME.get(member.role, "auth.home"))


@bp.route("/")
def index():
    """The front door: the log-in page, or the member's home."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@reports_bad_input
@limiter.limit(limit_from("LOGIN_LIMIT"), methods=["POST"], deduct_when=failed_login)
@limiter.limit(limit_from("LOGIN_FAIL_LIMIT"), methods=["POST"], key_func=address_and_account,
               deduct_when=failed_login)
def login():
    """Log in with 아이디 and 비밀번호."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        member = members.authenticate(form.username.data, form.password.data)
        if member is not None:
            session.clear()  # a fresh session at log-in (no fixation)
            login_user(member)
            return redirect(same_site_path(request.args.get("next", "")) or home_url(member), 303)
        waiting = signups.pending_login(form.username.data, form.password.data)
        form.password.errors.append(waiting or "아이디 또는 비밀번호가 올바르지 않습니다.")
        status = 403 if waiting else 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (every copy of this member's session cookie stops working)."""
    if current_user.is_authenticated:
        current_user.end_sessions()
    logout_user()
    session.clear()
    response = redirect(url_for("auth.login"), 303)
    # 활동내역 is kept by the browser to be revalidated (pumasi.web.live): gone with the log-in.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/home")
def home():
    """A landing page for members whose own pages come later."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("home.html")
