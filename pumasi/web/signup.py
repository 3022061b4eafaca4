"""회원가입 (when the setting SIGNUP is on): the public form, and the approval list that operators
(admin.signups) and, with approval "site", the chosen site's managers (site.signups) decide from."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user

from ..accounts import signups
from ..accounts.sites import all_sites
from ..ops import console_settings, notify, privacy
from .auth import home_url
from .helpers import accessed, actor, found_or_404
from .ratelimit import limit_from, limiter
from .security import reports_bad_input

bp = Blueprint("signup", __name__)


@bp.route("/signup", methods=["GET", "POST"])
@reports_bad_input
@limiter.limit(limit_from("SIGNUP_LIMIT"), methods=["POST"])
def form():
    """회원가입: 아이디, name, birth date, phone, e-mail, password, consent to the 처리방침."""
    config = console_settings.effective(current_app)
    if config["SIGNUP"] != "on":
        abort(404)
    approval = config["SIGNUP_APPROVAL"] if config["SIGNUP_APPROVAL"] in signups.APPROVALS else "operator"
    values, errors = {}, {}
    if request.method == "POST":
        try:
            checked = signups.check(request.form, approval)
            notice = privacy.notice(config)
            member = signups.create(checked, approval, notice.version, privacy.text(notice))
        except signups.SignupError as exc:
            values, errors = exc.values, exc.errors
        else:
            if approval == "none":
                session.clear()
                login_user(member)
                flash("회원가입을 마쳤습니다. 환영합니다!", "info")
                return redirect(home_url(member), 303)
            return render_template("signup/done.html", member=member, approval=approval)
    return render_template("signup/form.html", values=values, errors=errors, approval=approval,
                           sites=all_sites() if approval == "site" else []), 422 if errors else 200


def approval_list(template, site=None):
    """The waiting sign-ups (a site's: those asked of it) and their decisions."""
    if request.method == "POST":
        found = found_or_404(next((s for s in signups.waiting(site) if str(s.id) == request.form.get("signup")),
                                  None))
        approve = request.form.get("decision") == "approve"
        if not approve and request.form.get("confirm") != "1":  # 거절 deletes the sign-up: asked first
            return render_template(template, rows=signups.waiting(site), refusing=found)
        try:
            decided = signups.decide(found, approve, actor())
        except signups.HasRecords as exc:
            flash(str(exc), "error")
            return redirect(request.path, 303)
        if decided:
            if approve:
                notify.mail_signup_approved(found.member, console_settings.effective(current_app),
                                            url_for("auth.login", _external=True))
            flash(f"{found.member.name}({found.member.username})님의 가입을 "
                  + ("승인했습니다. 이제 로그인할 수 있습니다." if approve else "거절했습니다. 가입 정보는 삭제되었습니다."), "info")
        return redirect(request.path, 303)
    rows = signups.waiting(site)
    if rows:
        accessed([row.member for row in rows], "조회", "가입 승인 대기 목록(이름, 생년월일, 연락처, 이메일)")
    return render_template(template, rows=rows)
