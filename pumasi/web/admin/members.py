"""회원: search, create, edit, deactivate, remove (탈퇴), 본인인증 초기화 and password resets."""
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for

from ...accounts import invitations, members, passwords, sites
from ...identity import store as identities
from ...linkage import reads
from ...models import Member
from ...ops import console_settings, notify
from ...ops.invite import invite
from .. import htmx
from ..helpers import accessed, actor, get_or_404, page_arg, page_count
from ..security import reports_bad_input
from .blueprint import bp


@bp.route("/members")
def member_list():
    """Members: search by name, 아이디 or phone."""
    text = (request.args.get("q") or "").strip()[:50]
    role = request.args.get("role", "")
    size = current_app.config["LIST_PAGE_SIZE"]
    total, rows = members.search(text, role, page_arg(), size)
    if rows:
        accessed(rows, "조회", "회원 목록·검색(이름·아이디·연락처)" + (f": {text}" if text else ""))
    return htmx.render("admin/members.html", "admin/_members.html", rows=rows, total=total, q=text, role=role,
                       page=page_arg(), pages=page_count(total, size), labels=members.ROLE_LABELS)


def _member_form(member, values, errors, status=200):
    return render_template("admin/member_form.html", member=member, values=values, errors=errors,
                           sites=sites.all_sites(), labels=members.ROLE_LABELS), status


@bp.route("/members/new", methods=["GET", "POST"])
@reports_bad_input
def member_new():
    """Create a member (volunteer, site manager or operator)."""
    if request.method == "GET":
        return _member_form(None, {"role": "volunteer"}, {})
    values, errors = members.check_member(request.form, creating=True)
    if errors:
        return _member_form(None, values, errors, 422)
    try:
        member = members.create_member(values, actor())
    except members.Taken as exc:
        return _member_form(None, values, exc.errors, 422)
    mailed, _ = invite([member], console_settings.effective(current_app), request.url_root, actor())
    flash(f"{member.name}({member.username}) 회원을 만들었습니다. " + (
        f"{member.email} 로 초대 이메일을 보냈습니다. 회원이 링크에서 비밀번호를 정합니다." if mailed else
        "이메일로 초대하지 못했습니다. '초대 코드 인쇄'로 초대장을 인쇄해 전해 주세요."), "info")
    return redirect(url_for(".member", member_id=member.id), 303)


@bp.route("/members/<int:member_id>", methods=["GET", "POST"])
@reports_bad_input
def member(member_id):
    """A member: details, edit, and their participations."""
    m = get_or_404(Member, member_id)
    if request.method == "POST":
        if m.removed_at:
            abort(409)
        values, errors = members.check_member(request.form, creating=False)
        if errors:
            return _member_form(m, values, errors, 422)
        members.update_member(m, values, actor())
        flash("회원 정보를 저장했습니다.", "info")
        return redirect(url_for(".member", member_id=m.id), 303)
    total, rows = reads.volunteer_page(m.id, 1, 200)
    identity = identities.of(m.id)
    accessed(m, "조회", "회원 상세(연락처·활동내역" + (", 주민등록번호 마스킹)" if identity else ")"))
    return render_template("admin/member.html", m=m, rows=rows, total=total, labels=members.ROLE_LABELS,
                           identity=identity, awaiting=invitations.awaiting(m))


@bp.route("/members/<int:member_id>/edit")
def member_edit(member_id):
    """The edit form of a member."""
    m = get_or_404(Member, member_id)
    values = {"username": m.username, "name": m.name, "role": m.role, "phone": m.phone, "email": m.email,
              "site_id": str(m.site_id or "")}
    accessed(m, "조회", "회원 정보 수정 화면(연락처)")
    return _member_form(m, values, {})


def _changeable(member_id):
    """A member an operator may deactivate or remove: not removed already, not themselves."""
    m = get_or_404(Member, member_id)
    if m.removed_at or m.id == actor().id:
        abort(409)
    return m


@bp.route("/members/<int:member_id>/active", methods=["POST"])
def member_active(member_id):
    """Deactivate or reactivate a member."""
    m = _changeable(member_id)
    members.set_active(m, request.form.get("active") == "1", actor())
    return redirect(url_for(".member", member_id=m.id), 303)


@bp.route("/members/<int:member_id>/remove", methods=["POST"])
def member_remove(member_id):
    """Remove a member: RRN deleted at once, records kept as 탈퇴회원."""
    m = _changeable(member_id)
    members.remove_member(m, actor())
    flash("회원을 탈퇴 처리했습니다. 주민등록번호는 삭제되었고 봉사기록은 보존됩니다.", "info")
    return redirect(url_for(".member", member_id=m.id), 303)


@bp.route("/members/<int:member_id>/identity-reset", methods=["GET", "POST"])
def identity_reset(member_id):
    """기술지원: reset a volunteer's 본인인증, after a confirmation (as the volunteer's own)."""
    m = get_or_404(Member, member_id)
    if request.method == "GET":
        return htmx.dialog("admin/identity_reset.html", "admin/_dialog_page.html", m=m)
    identities.reset(m, actor())
    flash("본인인증을 초기화했습니다.", "info")
    return htmx.redirect_to(url_for(".member", member_id=m.id))


@bp.route("/members/<int:member_id>/password-reset", methods=["POST"])
def password_reset(member_id):
    """Reset a member's password: a one-time link (e-mailed when they have an address) or a
    temporary password to be changed at the next log-in; shown once, here."""
    m = get_or_404(Member, member_id)
    kind = request.form.get("kind")
    if m.removed_at or not m.active or m.id == actor().id or kind not in ("link", "temporary"):
        abort(409)
    link = temporary = None
    mailed = False
    if kind == "link":
        link = url_for("account.reset", token=passwords.issue_link(m, actor()), _external=True)
        if m.email:
            mailed = notify.mail_reset_link(m, link, console_settings.effective(current_app))
    else:
        temporary = passwords.issue_temporary(m, actor())
    response = make_response(render_template("admin/password_reset.html", m=m, link=link, temporary=temporary,
                                             mailed=mailed))
    response.headers["Cache-Control"] = "no-store"  # shown once: not kept by the browser either
    return response
