"""The first log-in of an invited member: a printed code with the 아이디 (/invite), or the e-mailed
link (/invite/<token>); either sets their own password and logs them in."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session
from flask_login import login_user

from ..accounts import invitations, passwords
from .account import one_time_page
from .auth import home_url
from .ratelimit import address_and_account, failed_login, limit_from, limiter

bp = Blueprint("invite", __name__)

WELCOME = "비밀번호를 정했습니다. 환영합니다!"


def _welcome(member):
    session.clear()  # a fresh session at log-in (no fixation)
    login_user(member)
    flash(WELCOME, "info")
    return redirect(home_url(member), 303)


@bp.after_request
def _not_kept(response):
    """A page with a code or a token (in its address) is never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/invite", methods=["GET", "POST"])
@limiter.limit(limit_from("LOGIN_LIMIT"), methods=["POST"], deduct_when=failed_login)
@limiter.limit(limit_from("LOGIN_FAIL_LIMIT"), methods=["POST"], key_func=address_and_account,
               deduct_when=failed_login)
def code():
    """처음 로그인: 아이디 and the printed invitation code, then the new password twice."""
    form = {key: (request.form.get(key) or "")[:60] for key in ("username", "code")}
    errors, status = {}, 200
    if request.method == "POST":
        for key, message in (("username", "아이디를 입력해 주세요."), ("code", "초대 코드를 입력해 주세요.")):
            if not form[key].strip():
                errors[key] = message
        try:
            member = None if errors else invitations.use_code(
                form["username"], form["code"], request.form.get("new_password", ""),
                request.form.get("confirm", ""), current_app.config)
        except passwords.PasswordError as exc:
            errors.update(exc.errors)
        else:
            if member is not None:
                return _welcome(member)
            if not errors:  # counted like a failed log-in
                errors["code"] = invitations.CODE_GONE_MESSAGE
                status = 401
        status = status if status != 200 else 422
    return render_template("invite/code.html", form=form, errors=errors), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(limit_from("LOGIN_LIMIT"), methods=["POST"])
def link(token):
    """The e-mailed invitation link: set the first password (once, while it is valid) and log in."""
    return one_time_page(token, invitations, "invite/link.html", lambda: (render_template(
        "invite/gone.html", message=invitations.LINK_GONE_MESSAGE), 410), _welcome)
