"""운영관리 for operators: linkage monitor, failures, 기술지원, members, sites, audit log, settings."""
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit, config_store, htmx, inputs, linkage, mail, members, monitor, passwords, queue, support
from ..jobs import enqueue_request, probe_portal
from ..portal1365 import endpoint_host
from ..models import AuditLog, DailyLog, Identity, LinkRequest, Member, Participation, Site, today_kst
from . import db_int, reports_bad_input, role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE = 30


@bp.before_request
@role_required("operator")
def _operators_only():
    """Every page here is for operators."""


def _me():
    return current_user._get_current_object()


def _page():
    return max(request.args.get("page", 1, type=db_int) or 1, 1)


def _get(model, object_id):
    found = model.get_or_none(model.id == object_id)
    if found is None:
        abort(404)
    return found


@bp.route("/")
def index():
    """The linkage monitor: counts, queue health and the failing dates."""
    return render_template("admin/index.html", **_counts_context(), **_health_context(),
                           **_failures_context())


def _counts_context():
    return {"counts": monitor.counts(), "oldest": monitor.format_age(monitor.oldest_pending_age())}


def _health_context():
    return {"health": queue.health(current_app)}


@bp.route("/monitor/counts")
def counts():
    """Dates by state and code (polled)."""
    return render_template("admin/_counts.html", **_counts_context())


@bp.route("/monitor/health")
def health():
    """Queue health (polled)."""
    return render_template("admin/_health.html", **_health_context())


def _failures_context():
    filters, errors = monitor.FailureFilter.from_args(request.args)
    total, rows = monitor.failing_dates(filters, _page(), PAGE)
    return {"filters": filters, "failures": rows, "failures_total": total, "page": _page(),
            "pages": max((total + PAGE - 1) // PAGE, 1), "sites": list(Site.select().order_by(Site.name)),
            "filter_errors": errors, "codes": monitor.FAILURE_CODES,
            "date_text": {name: (request.args.get(name) or "")[:10] for name in ("date_from", "date_to")}}


@bp.route("/failures")
def failures():
    """The failing dates, filtered."""
    context = _failures_context()
    status = 422 if context["filter_errors"] else 200
    return htmx.render("admin/failures.html", "admin/_failures.html", status=status, **context)


@bp.route("/failures/retry", methods=["POST"])
def retry():
    """Send the selected failed dates again."""
    ids = request.form.getlist("log_ids", type=db_int)[:1000]
    back = url_for(".failures", **monitor.FailureFilter.from_args(request.args)[0].query_args())
    if not ids:
        flash("재연계할 날짜를 선택해 주세요.", "error")
        return redirect(back, 303)
    outcome = support.retry_dates(ids, _me())
    for link_request in outcome.requests:
        enqueue_request(current_app, link_request.id)
    flash(f"{len(outcome.requests)}건의 재연계를 요청했습니다."
          + "".join(f" {p.activity.title}: {why}." for p, why in outcome.skipped), "info")
    return redirect(back, 303)


@bp.route("/participations/<int:participation_id>")
def participation(participation_id):
    """One participation's dates, attempts and 기술지원 actions."""
    p = _get(Participation, participation_id)
    return render_template("admin/participation.html", p=p, s=linkage.summary(p), rows=linkage.date_rows(p),
                           requests=list(p.link_requests.order_by(LinkRequest.id.desc()).limit(20)))


@bp.route("/participations/<int:participation_id>/per-date", methods=["POST"])
def per_date(participation_id):
    """기술지원: per-date linkage of a whole-period (연계완료) participation."""
    p = _get(Participation, participation_id)
    try:
        link_request = support.link_per_date(p, _me())
    except linkage.IdentityRequired:
        flash("봉사자의 본인인증이 없어 날짜 별 연계를 할 수 없습니다.", "error")
        return redirect(url_for(".participation", participation_id=p.id), 303)
    except linkage.NoDailyLogs:
        flash("상세봉사내역이 존재하지 않습니다. 활동처에서 날짜 별 봉사활동을 입력해야 합니다.", "error")
        return redirect(url_for(".participation", participation_id=p.id), 303)
    if link_request is None:
        flash("보낼 날짜가 없습니다.", "info")
    else:
        enqueue_request(current_app, link_request.id)
        flash("날짜 별 연계를 요청했습니다.", "info")
    return redirect(url_for(".participation", participation_id=p.id), 303)


@bp.route("/daily-logs/<int:log_id>/correct", methods=["GET", "POST"])
@reports_bad_input
def correct(log_id):
    """Correct a date (a succeeded one too), with a reason that goes to the audit log."""
    log = _get(DailyLog, log_id)
    errors, values = {}, {"date": log.date.isoformat(), "start": f"{log.start:%H:%M}",
                          "end": f"{log.end:%H:%M}", "minutes": log.minutes, "reason": ""}
    status = 200
    if request.method == "POST":
        values = {key: (request.form.get(key) or "")[:300] for key in values}
        errors = support.correct_date(log, values, values["reason"], _me(), bool(request.form.get("resend")),
                                      today_kst())
        if not errors:
            flash("상세봉사내역을 수정했습니다.", "info")
            return redirect(url_for(".participation", participation_id=log.participation_id), 303)
        status = 422
    return render_template("admin/correct.html", log=log, values=values, errors=errors), status


@bp.route("/members")
def member_list():
    """Members: search by name, 아이디 or phone."""
    text = (request.args.get("q") or "").strip()[:50]
    role = request.args.get("role", "")
    total, rows = members.search(text, role, _page(), PAGE)
    return htmx.render("admin/members.html", "admin/_members.html", rows=rows, total=total, q=text, role=role,
                       page=_page(), pages=max((total + PAGE - 1) // PAGE, 1), labels=members.ROLE_LABELS)


def _member_form(member, values, errors, status=200):
    return render_template("admin/member_form.html", member=member, values=values, errors=errors,
                           sites=list(Site.select().order_by(Site.name)), labels=members.ROLE_LABELS), status


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
        member = members.create_member(values, _me())
    except members.Taken as exc:
        return _member_form(None, values, exc.errors, 422)
    flash(f"{member.name}({member.username}) 회원을 만들었습니다.", "info")
    return redirect(url_for(".member", member_id=member.id), 303)


@bp.route("/members/<int:member_id>", methods=["GET", "POST"])
@reports_bad_input
def member(member_id):
    """A member: details, edit, and their participations."""
    m = _get(Member, member_id)
    if request.method == "POST":
        if m.removed_at:
            abort(409)
        values, errors = members.check_member(request.form, creating=False)
        if errors:
            return _member_form(m, values, errors, 422)
        members.update_member(m, values, _me())
        flash("회원 정보를 저장했습니다.", "info")
        return redirect(url_for(".member", member_id=m.id), 303)
    total, rows = linkage.volunteer_page(m.id, 1, 200)
    return render_template("admin/member.html", m=m, rows=rows, total=total, labels=members.ROLE_LABELS,
                           identity=Identity.get_or_none(Identity.member == m.id),
                           sites=list(Site.select().order_by(Site.name)))


@bp.route("/members/<int:member_id>/edit")
def member_edit(member_id):
    """The edit form of a member."""
    m = _get(Member, member_id)
    values = {"username": m.username, "name": m.name, "role": m.role, "phone": m.phone, "email": m.email,
              "site_id": str(m.site_id or "")}
    return _member_form(m, values, {})


@bp.route("/members/<int:member_id>/active", methods=["POST"])
def member_active(member_id):
    """Deactivate or reactivate a member."""
    m = _get(Member, member_id)
    if m.removed_at or m.id == current_user.id:
        abort(409)
    members.set_active(m, request.form.get("active") == "1", _me())
    return redirect(url_for(".member", member_id=m.id), 303)


@bp.route("/members/<int:member_id>/remove", methods=["POST"])
def member_remove(member_id):
    """Remove a member: RRN deleted at once, records kept as 탈퇴회원."""
    m = _get(Member, member_id)
    if m.removed_at or m.id == current_user.id:
        abort(409)
    members.remove_member(m, _me())
    flash("회원을 탈퇴 처리했습니다. 주민등록번호는 삭제되었고 봉사기록은 보존됩니다.", "info")
    return redirect(url_for(".member", member_id=m.id), 303)


@bp.route("/members/<int:member_id>/identity-reset", methods=["POST"])
def identity_reset(member_id):
    """기술지원: reset a volunteer's 본인인증."""
    m = _get(Member, member_id)
    linkage.reset_identity(m, _me())
    flash("본인인증을 초기화했습니다.", "info")
    return redirect(url_for(".member", member_id=m.id), 303)


@bp.route("/members/<int:member_id>/password-reset", methods=["POST"])
def password_reset(member_id):
    """Reset a member's password: a one-time link (e-mailed when they have an address) or a
    temporary password to be changed at the next log-in; shown once, here."""
    m = _get(Member, member_id)
    kind = request.form.get("kind")
    if m.removed_at or not m.active or m.id == current_user.id or kind not in ("link", "temporary"):
        abort(409)
    link = temporary = None
    mailed = False
    if kind == "link":
        link = url_for("account.reset", token=passwords.issue_link(m, _me()), _external=True)
        if m.email:
            config = config_store.effective(current_app)
            mailed = mail.send(config, m.email, "비밀번호 재설정 안내", mail.signature(m, config, (
                "운영자가 비밀번호 재설정 링크를 발급했습니다. 아래 링크에서 1시간 안에 새 비밀번호를 정해 주세요. "
                f"링크는 한 번만 쓸 수 있습니다.\n\n{link}\n\n요청하지 않았다면 기술지원으로 연락해 주세요.")),
                log_as=f"password reset link for member {m.id}")
    else:
        temporary = passwords.issue_temporary(m, _me())
    response = make_response(render_template("admin/password_reset.html", m=m, link=link, temporary=temporary,
                                             mailed=mailed))
    response.headers["Cache-Control"] = "no-store"  # shown once: not kept by the browser either
    return response


@bp.route("/sites")
def site_list():
    """Sites and their managers."""
    sites = list(Site.select().order_by(Site.name))
    managers = {}
    for m in Member.select().where(Member.role == "site", Member.removed_at.is_null()):
        managers.setdefault(m.site_id, []).append(m)
    return render_template("admin/sites.html", sites=sites, managers=managers)


@bp.route("/sites/new", methods=["GET", "POST"])
@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@reports_bad_input
def site(site_id=None):
    """Create or edit a site; assign a manager."""
    s = _get(Site, site_id) if site_id else None
    errors, status = {}, 200
    values = {"name": s.name if s else "", "phone": s.phone if s else ""}
    if request.method == "POST":
        values = {"name": request.form.get("name", ""), "phone": request.form.get("phone", "")}
        saved, errors = members.save_site(s, values["name"], values["phone"], _me())
        if not errors:
            flash("활동처를 저장했습니다.", "info")
            return redirect(url_for(".site", site_id=saved.id), 303)
        status = 422
    managers = list(Member.select().where(Member.site == s, Member.role == "site")) if s else []
    return render_template("admin/site.html", s=s, values=values, errors=errors, managers=managers), status


@bp.route("/sites/<int:site_id>/managers", methods=["POST"])
@reports_bad_input
def site_manager(site_id):
    """Assign a member as the site's manager (by 아이디)."""
    s = _get(Site, site_id)
    username = (request.form.get("username") or "").strip()[:40]
    problem = inputs.problem(username)
    m = None if problem else Member.get_or_none(Member.named(username), Member.removed_at.is_null())
    if m is None:
        managers = list(Member.select().where(Member.site == s, Member.role == "site"))
        return render_template("admin/site.html", s=s, values={"name": s.name, "phone": s.phone}, errors={},
                               managers=managers, manager_error=problem or "해당 아이디의 회원이 없습니다."), 422
    members.assign_manager(s, m, _me())
    flash(f"{m.name}님을 담당자로 지정했습니다.", "info")
    return redirect(url_for(".site", site_id=s.id), 303)


@bp.route("/audit")
def audit_log():
    """The audit log, filtered by action, member, target and period."""
    filters, errors = audit.AuditFilter.from_args(request.args)
    query = filters.select()
    total = query.count()
    rows = list(query.order_by(AuditLog.id.desc()).paginate(_page(), PAGE))
    actions = [a for (a,) in AuditLog.select(AuditLog.action).distinct().order_by(AuditLog.action).tuples()]
    return htmx.render("admin/audit.html", "admin/_audit.html", status=422 if errors else 200, rows=rows,
                       total=total, page=_page(), pages=max((total + PAGE - 1) // PAGE, 1), errors=errors,
                       actions=actions, filters=filters,
                       date_text={name: (request.args.get(name) or "")[:10] for name in ("date_from", "date_to")})


@bp.route("/settings", methods=["GET", "POST"])
@reports_bad_input
def settings_page():
    """Settings: organisation name, support phone; the 1365 host and code shown (environment only); test the connection."""
    values = {key: config_store.effective(current_app)[key] for key in config_store.EDITABLE}
    errors, status = {}, 200
    if request.method == "POST":
        values, errors = config_store.validate(request.form)
        if not errors:
            config_store.save(current_app, values, _me())
            flash("설정을 저장했습니다.", "info")
            return redirect(url_for(".settings_page"), 303)
        values = {key: (request.form.get(key) or "")[:300] for key in config_store.EDITABLE}
        status = 422
    return render_template("admin/settings.html", values=values, errors=errors, fields=config_store.EDITABLE,
                           portal_host=endpoint_host(current_app.config["PORTAL_URL"]),
                           org_code=current_app.config["ORG_CODE"]), status


@bp.route("/settings/test-connection", methods=["POST"])
def test_connection():
    """Ask the 1365 endpoint for its health and show the answer."""
    ok, detail = probe_portal(current_app)
    return render_template("admin/_connection.html", ok=ok, detail=detail)
