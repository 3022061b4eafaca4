"""A member's own account: 비밀번호 변경, 비밀번호 찾기, and the page a one-time reset link opens."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from ..accounts import passwords
from ..db import db
from ..ops import console_settings, notify
from .helpers import actor
from .ratelimit import asked_account, limit_from, limiter, member_key

bp = Blueprint("account", __name__)

# What a member who must replace a temporary password may still open.
_ALLOWED_WHILE_TEMPORARY = {"account.password", "auth.logout", "static", "help.index"}


@bp.before_app_request
def _temporary_password_must_go():
    """A member with a temporary password sees only 비밀번호 변경 until they have changed it."""
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in _ALLOWED_WHILE_TEMPORARY):
        target = url_for("account.password")
        if request.headers.get("HX-Request") == "true":
            return "", 204, {"HX-Redirect": target}
        return redirect(target, 303)
    return None


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(limit_from("FORGOT_ADDRESS_LIMIT"), methods=["POST"])
@limiter.limit(limit_from("FORGOT_LIMIT"), methods=["POST"], key_func=asked_account)
def forgot():
    """비밀번호 찾기: by 아이디 or e-mail; a one-time link to each member found with an address. The
    same answer, as fast, whether anyone was found (the e-mails go out in the background)."""
    errors, identifier = {}, (request.form.get("identifier") or "").strip()[:120]
    if request.method == "POST":
        if not identifier:
            errors["identifier"] = "아이디 또는 이메일 주소를 입력해 주세요."
        else:
            # Who is asked for is looked up after the answer, with the e-mails: a member found got a
            # link written (an insert and its audit line) inside the request, which made the answer
            # twice as slow for a known 아이디 or address (19 against 10 ms, median on PostgreSQL).
            link_base = url_for("account.reset", token="-", _external=True)[:-1]
            notify.mail_in_background(_mail_reset_links, current_app._get_current_object(), identifier, link_base,
                                      dict(console_settings.effective(current_app)))
            return render_template("account/forgot.html", sent=True, message=passwords.FORGOT_MESSAGE)
    return render_template("account/forgot.html", sent=False, identifier=identifier, errors=errors), \
        422 if errors else 200


def _mail_reset_links(app, identifier, link_base, config):
    """비밀번호 찾기's work, in a thread of its own: the members found, a one-time link each, e-mailed."""
    with app.app_context(), db.connection_context():
        for member, token in passwords.forgotten(identifier):
            notify.mail_reset_link(member, link_base + token, config, True)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(limit_from("LOGIN_FAIL_LIMIT"), methods=["POST"], key_func=member_key,
               deduct_when=lambda response: response.status_code == 401)
def password():
    """비밀번호 변경: the current password, then the new one twice."""
    errors, status = {}, 200
    if request.method == "POST":
        member = actor()
        try:
            passwords.change_own(member, request.form.get("current_password", ""),
                                 request.form.get("new_password", ""), request.form.get("confirm", ""))
        except passwords.PasswordError as exc:
            errors = exc.errors
            # A wrong current password counts like a failed log-in (a borrowed session cannot guess it).
            status = 401 if "current_password" in errors else 422
        else:
            login_user(member)  # this session goes on; every other one has ended
            flash("비밀번호를 변경했습니다. 다른 기기의 로그인은 모두 종료되었습니다.", "info")
            return redirect(url_for("account.password"), 303)
    return render_template("account/password.html", errors=errors,
                           forced=current_user.must_change_password), status


@bp.after_request
def _not_kept(response):
    """A password page (and a reset link's, with its token in the address) is never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


def one_time_page(token, link, page, gone, done):
    """The page a one-time link opens (link: passwords' open/use pair for its purpose): the new
    password twice; gone(): the 410 of a link unknown, used or expired (or used by another tab a
    moment ago); done(member) once the password is set."""
    member = link.open_link(token)
    if member is None:
        return gone()
    errors = {}
    if request.method == "POST":
        try:
            member = link.use_link(token, request.form.get("new_password", ""), request.form.get("confirm", ""))
        except passwords.PasswordError as exc:
            errors = exc.errors
        else:
            return gone() if member is None else done(member)
    return render_template(page, member=member, errors=errors), 422 if errors else 200


def _reset_done(member):
    flash("비밀번호를 설정했습니다. 새 비밀번호로 로그인해 주세요.", "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(limit_from("LOGIN_LIMIT"), methods=["POST"])
def reset(token):
    """The page of a one-time reset link: set a new password (once, within the hour)."""
    return one_time_page(token, passwords, "account/reset.html", lambda: (render_template(
        "account/reset_gone.html", message=passwords.LINK_GONE_MESSAGE), 410), _reset_done)
