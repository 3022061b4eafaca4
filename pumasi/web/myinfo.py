"""마이페이지 > 내 정보: what is held about the volunteer, their contact details corrected, all of it
downloaded (JSON), and 회원탈퇴 by themselves. Routes of the mypage blueprint (volunteers only)."""
from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import logout_user

from ..accounts import myinfo
from ..ops import console_settings, notify
from .helpers import actor
from .mypage import bp
from .ratelimit import limit_from, limiter, member_key
from .security import reports_bad_input


@bp.route("/info", methods=["GET", "POST"])
@reports_bad_input
def info():
    """내 정보, and the contact form on it (a wrong value: its Korean message by the field, 422)."""
    errors, values = {}, None
    if request.method == "POST":
        values, errors = myinfo.check_contact(request.form)
        if not errors:
            member, old_address = actor(), actor().email
            myinfo.update_contact(member, values)
            if old_address and old_address.lower() != values["email"].lower():
                notify.mail_in_background(notify.mail_contact_changed, member, old_address, values["email"],
                                          dict(console_settings.effective(current_app)))
            flash("연락처를 저장했습니다.", "info")
            return redirect(url_for(".info"), 303)
    found = myinfo.held(actor())
    values = values or {"phone": found.member.phone, "email": found.member.email}
    return render_template("mypage/info.html", held=found, values=values, errors=errors), 422 if errors else 200


@bp.route("/info/download")
def info_download():
    """All of it as a JSON file (the RRN only masked)."""
    response = make_response(myinfo.download(actor()))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = "attachment; filename=my-info.json"
    return response


@bp.route("/withdraw", methods=["GET", "POST"])
@limiter.limit(limit_from("LOGIN_FAIL_LIMIT"), methods=["POST"], key_func=member_key,
               deduct_when=lambda response: response.status_code == 401)
def withdraw():
    """회원탈퇴: what it does, the password, then done (logged out, the confirmation shown)."""
    problem = None
    if request.method == "POST":
        problem = myinfo.withdraw(actor(), request.form.get("password", ""))
        if problem is None:
            logout_user()
            return render_template("mypage/withdrawn.html")
    return render_template("mypage/withdraw.html", errors={"password": problem} if problem else {},
                           certificates=myinfo.certificates_kept(actor())), 401 if problem else 200
