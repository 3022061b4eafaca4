"""마이페이지 for volunteers: 활동내역확인, 연계신청, 본인인증, results, 재연계, 본인인증 초기화."""
from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from .. import certificate, config_store, dailylogs, htmx, identity, linkage, notify
from ..forms import IdentityForm
from ..jobs import enqueue_request
from ..ratelimit import limit_from, limiter, member_key
from ..models import DailyLog, Identity, today_kst
from . import db_int, reports_bad_input, role_required

bp = Blueprint("mypage", __name__, url_prefix="/mypage")


@bp.before_request
@role_required("volunteer")
def _volunteers_only():
    """Every page here is a volunteer's own."""


def _own(participation_id):
    participation = linkage.participation_of(current_user.id, participation_id)
    if participation is None:
        abort(404)
    return participation


def _row_response(participation_id):
    """One row of 활동내역, as the table shows it (404 when it is not the volunteer's)."""
    row = linkage.volunteer_row(current_user.id, participation_id)
    if row is None:
        abort(404)
    response = make_response(render_template(
        "mypage/_row.html", r=row, poll_seconds=current_app.config["ROW_POLL_SECONDS"]))
    response.vary.add("HX-Request")
    return response


def _identity_modal(form=None, status=200, participation_id=None):
    form = form or IdentityForm()
    return htmx.modal("mypage/_identity_modal.html", status=status, form=form,
                      participation_id=participation_id)


def _modal_or_page(modal_template, title, body=None, status=200, **context):
    """A modal for htmx; else the same words as a page (a tap before the scripts loaded, or no JavaScript)."""
    if htmx.is_fragment_request():
        return htmx.modal(modal_template, status=status, title=title, **context)
    return render_template("mypage/notice.html", title=title, body=body, **context), status


def _no_detail():
    """상세봉사내역이 존재하지 않습니다."""
    return _modal_or_page("mypage/_nodetail_modal.html", "상세봉사내역 없음", "mypage/_nodetail_body.html")


def _identity_required(participation_id=None):
    """The 본인인증 modal, or without htmx the 본인인증 page (never a bare modal fragment as a page)."""
    if htmx.is_fragment_request():
        return _identity_modal(participation_id=participation_id)
    return redirect(url_for(".verify", participation_id=participation_id), 303)


def _send(participation, kind):
    """Make the request and queue it; returns the request or None when nothing was left to send."""
    link_request = linkage.request_linkage(participation, current_user._get_current_object(), kind=kind)
    if link_request is not None:
        enqueue_request(current_app, link_request.id)
    return link_request


def _notices():
    """Linkage results the volunteer has not seen yet; shown once."""
    if not getattr(current_user, "has_unread_notices", True):  # known at log-in time (load_user)
        return []
    notices = notify.unread(current_user.id)
    notify.mark_read(notices)
    return notices


@bp.route("/")
def index():
    """마이페이지: the menu."""
    mine = Identity.get_or_none(Identity.member == current_user.id)
    return render_template("mypage/index.html", identity=mine, notices=_notices())


@bp.route("/activities")
def activities():
    """활동내역확인: the volunteer's participations, newest first, 20 a page."""
    page = request.args.get("page", 1, type=db_int) or 1
    size = current_app.config["PAGE_SIZE"]
    total, rows = linkage.volunteer_page(current_user.id, max(page, 1), size)
    pages = max((total + size - 1) // size, 1)
    if page < 1 or page > pages:
        return redirect(url_for(".activities"))
    notices = [] if htmx.is_fragment_request() else _notices()
    return htmx.render("mypage/activities.html", "mypage/_table.html", total=total, rows=rows, notices=notices,
                       page=page, pages=pages, poll_seconds=current_app.config["ROW_POLL_SECONDS"])


@bp.route("/participations/<int:participation_id>/row")
def row(participation_id):
    """One row of the table; a 연계중 row asks for it every few seconds until it settles."""
    return _row_response(participation_id)


def _ask(participation, kind):
    """Make the request; a response when the volunteer has something to do first (the no-detail
    notice, 본인인증) or when the page asked without htmx; None when the row should be shown."""
    try:
        _send(participation, kind)
    except linkage.NoDailyLogs:
        return _no_detail()
    except linkage.IdentityRequired:
        return _identity_required(participation.id)
    if not htmx.is_fragment_request():
        return redirect(url_for(".activities"), 303)
    return None


@bp.route("/participations/<int:participation_id>/link", methods=["POST"])
def link(participation_id):
    """연계신청: no daily logs → the notice; no 본인인증 → its modal; else the request."""
    participation = _own(participation_id)
    return _ask(participation, "request") or _row_response(participation.id)


@bp.route("/link", methods=["POST"])
def link_selected():
    """연계신청 for every checked row at once."""
    ids = request.form.getlist("participation_ids", type=db_int)[:200]
    if not ids:
        return _modal_or_page("_notice_modal.html", "선택된 활동이 없습니다", status=422,
                              message="연계신청할 활동을 선택해 주세요.")
    participations = [_own(participation_id) for participation_id in dict.fromkeys(ids)]
    if not Identity.select().where(Identity.member == current_user.id).exists():
        return _identity_required()
    sent, nothing, no_detail = [], [], []
    for participation in participations:
        try:
            (sent if _send(participation, "request") else nothing).append(participation)
        except linkage.NoDailyLogs:
            no_detail.append(participation)
    if not htmx.is_fragment_request():
        return _modal_or_page("mypage/_bulk_modal.html", "연계신청 결과", "mypage/_bulk_body.html",
                              sent=sent, nothing=nothing, no_detail=no_detail)
    response = htmx.modal("mypage/_bulk_modal.html", sent=sent, nothing=nothing, no_detail=no_detail)
    return htmx.trigger(response, "rows-changed")


@bp.route("/participations/<int:participation_id>/result")
def result(participation_id):
    """The per-date results of a 연계완료/연계실패 row, with the 1365 result-code guide."""
    participation = _own(participation_id)
    summary = linkage.summary(participation)
    rows = linkage.date_rows(participation)
    codes = [(code, linkage.message_for(code, config_store.effective(current_app)))
             for code in sorted(linkage.MESSAGES)]
    return htmx.render("mypage/result.html", "mypage/_result_modal.html", p=participation, s=summary,
                       rows=rows, codes=codes)


@bp.route("/participations/<int:participation_id>/relink", methods=["POST"])
def relink(participation_id):
    """재연계: send again only the dates that did not succeed."""
    participation = _own(participation_id)
    early = _ask(participation, "relink")
    if early is not None:
        return early
    response = _row_response(participation.id)
    response.headers["HX-Retarget"] = f"#p-{participation.id}"
    response.headers["HX-Reswap"] = "outerHTML"
    # After the swap: closing the modal first would detach this form and break the retarget.
    return htmx.trigger(response, "modal-close", after="swap")


@bp.route("/participations/<int:participation_id>/leave", methods=["GET", "POST"])
def leave(participation_id):
    """활동 나가기: a volunteer leaves an activity a site added them to, after confirming, while
    none of its dates was ever sent to 1365 (dailylogs.removable); audited as participation.leave."""
    participation = _own(participation_id)
    problem = None if dailylogs.removable(participation) else dailylogs.LEAVE_LINKED_MESSAGE
    if request.method == "POST" and problem is None:
        me = current_user._get_current_object()
        try:
            dailylogs.remove_volunteer(participation, me, action="participation.leave")
        except dailylogs.NotAllowed as exc:
            problem = dailylogs.LEAVE_LINKED_MESSAGE if exc.message == dailylogs.REMOVE_LINKED_MESSAGE else exc.message
        else:
            if not htmx.is_fragment_request():
                return redirect(url_for(".activities"), 303)
            response = htmx.modal("mypage/_leave_done_modal.html", title=participation.activity.title)
            return htmx.trigger(response, "rows-changed")
    status = 422 if problem and request.method == "POST" else 200
    unsent = DailyLog.select().where(DailyLog.participation == participation).count() if not problem else 0
    if htmx.is_fragment_request():
        return htmx.modal("mypage/_leave_modal.html", status=status, p=participation, problem=problem, unsent=unsent)
    return render_template("mypage/leave.html", p=participation, problem=problem, unsent=unsent), status


@bp.route("/identity", methods=["GET", "POST"])
@reports_bad_input
@limiter.limit(limit_from("IDENTITY_LIMIT"), methods=["POST"])
@limiter.limit(limit_from("IDENTITY_LIMIT"), methods=["POST"], key_func=member_key)
def verify():
    """본인인증: the RRN, asked once, kept encrypted, shown only masked."""
    form = IdentityForm()
    participation_id = request.values.get("participation_id", type=db_int)
    if request.method == "POST":
        if not form.validate():
            if htmx.is_fragment_request():
                return _identity_modal(form, 422, participation_id)
            return render_template("mypage/identity.html", form=form), 422
        vault = current_app.extensions["rrn_vault"]
        linkage.save_identity(current_user._get_current_object(), vault.encrypt(form.rrn),
                              identity.mask(form.rrn), current_user._get_current_object())
        form.rrn = None
        if htmx.is_fragment_request():
            return htmx.modal("mypage/_identity_done_modal.html")
        return redirect(url_for(".activities"), 303)
    if htmx.is_fragment_request():
        return _identity_modal(form, participation_id=participation_id)
    return render_template("mypage/identity.html", form=form)


@bp.route("/identity/reset", methods=["GET", "POST"])
def reset():
    """본인인증 초기화: confirm, then delete the stored RRN."""
    if request.method == "GET":
        return htmx.render("mypage/reset.html", "mypage/_reset_modal.html")
    linkage.reset_identity(current_user._get_current_object(), current_user._get_current_object())
    if htmx.is_fragment_request():
        return htmx.modal("mypage/_reset_done_modal.html")
    return redirect(url_for(".index"), 303)


@bp.route("/certificate")
def certificate_page():
    """확인서 출력: the checked activities on an A4 page to print or save as PDF."""
    ids = list(dict.fromkeys(request.args.getlist("participation_ids", type=db_int)))[:200]
    if not ids:
        return render_template("mypage/certificate.html", lines=[], empty=True), 422
    participations = [_own(participation_id) for participation_id in ids]
    return render_template("mypage/certificate.html", issued=today_kst(), empty=False,
                           **certificate.build(current_user.id, participations))
