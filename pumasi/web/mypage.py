"""마이페이지 for volunteers: 활동내역확인, 연계신청, 본인인증, results, 재연계, 본인인증 초기화, 활동 나가기."""
from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ..identity import store as identities
from ..linkage import reads
from ..linkage.requests import IdentityRequired, NoDailyLogs, request_each, request_linkage
from ..linkage.state import ParticipationState, RequestKind, code_guide
from ..ops import certificate, console_settings, notify
from ..ops import privacy as notices
from ..db import db_int
from ..records.activities import LEAVE_LINKED_MESSAGE, date_count, removable, remove_volunteer
from ..records import entry_requests
from ..records.errors import NotAllowed
from . import certificates, htmx, live
from .forms import IdentityForm
from .helpers import actor, found_or_404, page_count, queued, role_required
from .ratelimit import limit_from, limiter, member_key
from .security import reports_bad_input

bp = Blueprint("mypage", __name__, url_prefix="/mypage")

PAGE_LAYOUT = "mypage/_dialog_page.html"


@bp.before_request
@role_required("volunteer")
def _volunteers_only():
    """Every page here is a volunteer's own."""


def _own(participation_id):
    return found_or_404(reads.participation_of(current_user.id, participation_id))


def _dialog(template, status=200, **context):
    return htmx.dialog(template, PAGE_LAYOUT, status, **context)


def _row_response(participation_id):
    """One row of 활동내역, as the table shows it (404 when it is not the volunteer's)."""
    row = found_or_404(reads.volunteer_row(current_user.id, participation_id))
    response = make_response(render_template("mypage/_row.html", r=row))
    response.vary.add("HX-Request")
    return response


NOTICE_CHANGED = "개인정보 처리방침이 바뀌었습니다. 바뀐 내용을 확인하신 뒤 다시 인증해 주세요."


def _notice():
    return notices.notice(console_settings.effective(current_app))


def _identity_dialog(form=None, status=200, participation_id=None):
    return _dialog("mypage/identity.html", status, form=form or IdentityForm(), participation_id=participation_id,
                   notice_version=_notice().version)


def _consent_to(form):
    """The 처리방침 the volunteer agreed to: the one their dialog showed (a client that sends no version
    was shown today's); None, with the message on the form, when the notice changed meanwhile."""
    notice = _notice()
    if (form.notice_version.data or notice.version) != notice.version:
        form.notice_version.errors = [NOTICE_CHANGED]
        return None
    return notice


def _identity_required(participation_id=None):
    """The 본인인증 modal, or without htmx the 본인인증 page (never a bare modal fragment as a page)."""
    if htmx.is_fragment_request():
        return _identity_dialog(participation_id=participation_id)
    return redirect(url_for(".verify", participation_id=participation_id), 303)


def _notices():
    """Linkage results the volunteer has not seen yet; shown once."""
    if not getattr(current_user, "has_unread_notices", True):  # known at log-in time (login.load_user)
        return []
    notices = notify.unread(current_user.id)
    notify.mark_read(notices)
    return notices


@bp.route("/")
def index():
    """마이페이지: the menu."""
    return render_template("mypage/index.html", identity=identities.of(current_user.id), notices=_notices())


@bp.route("/activities")
def activities():
    """활동내역확인: the volunteer's participations, newest first, PAGE_SIZE a page."""
    page = request.args.get("page", 1, type=db_int) or 1
    size = current_app.config["PAGE_SIZE"]
    page_version = live.page_version()  # before the rows: a change meanwhile makes the ETag older

    def read():
        total, rows = reads.volunteer_page(current_user.id, max(page, 1), size)
        pages = page_count(total, size)
        return None if page < 1 or page > pages else (total, rows, pages)

    table = live.table(current_user.id, page, page_version, read)  # kept from this version's last render
    if table is None:
        return redirect(url_for(".activities"))
    if htmx.is_fragment_request():
        response = make_response(table)
        response.vary.add("HX-Request")
    else:
        response = make_response(render_template("mypage/activities.html", table=table, notices=_notices()))
    return live.cacheable(response, current_user.id, page_version, page)


@bp.route("/activities/changes")
def changes():
    """The page poll: 204 while the version is the page's (answered by live.answer_unchanged before
    this view); else the rows that changed as out-of-band swaps (the whole table when rows came or
    went), the new version, and the words for the live region."""
    page, shown = live.page_arg() or 1, live.client_rows(request.args.get("rows", ""))
    page_version = live.page_version()
    if request.args.get("v") == str(page_version):
        return "", 204
    size = current_app.config["PAGE_SIZE"]
    total, rows = reads.volunteer_page(current_user.id, page, size)
    whole = shown is None or set(shown) != {r.id for r in rows}
    changed = rows if whole else [r for r in rows if live.signature(r) != shown[r.id][1]]
    ended = [r for r in changed if (shown or {}).get(r.id, ("",))[0] == ParticipationState.LINKING
             and r.state in (ParticipationState.DONE, ParticipationState.FAILED)]
    return render_template("mypage/_changes.html", whole=whole, rows=changed, ended=ended, total=total,
                           page=page, pages=page_count(total, size), page_version=page_version,
                           poll_seconds=current_app.config["ROW_POLL_SECONDS"])


@bp.route("/participations/<int:participation_id>/row")
def row(participation_id):
    """One row of the table (the 연계신청 and 재연계 answers swap it in)."""
    return _row_response(participation_id)


def _request_or_prompt(participation, kind):
    """Make the request and hand it to the workers; a response when the volunteer has something to
    do first (the no-detail notice, 본인인증) or when the page asked without htmx; None when the row
    should be shown."""
    try:
        queued(request_linkage(participation, actor(), kind=kind))
    except NoDailyLogs:
        return _dialog("mypage/nodetail.html", p=participation, asked=entry_requests.open_request(participation.id))
    except IdentityRequired:
        return _identity_required(participation.id)
    if not htmx.is_fragment_request():
        return redirect(url_for(".activities"), 303)
    return None


@bp.route("/participations/<int:participation_id>/link", methods=["POST"])
def link(participation_id):
    """연계신청: no daily logs → the notice; no 본인인증 → its modal; else the request."""
    participation = _own(participation_id)
    return _request_or_prompt(participation, RequestKind.REQUEST) or _row_response(participation.id)


@bp.route("/link", methods=["POST"])
def link_selected():
    """연계신청 for every checked row at once."""
    ids = request.form.getlist("participation_ids", type=db_int)[:200]
    if not ids:
        return _dialog("_notice.html", 422, title="선택된 활동이 없습니다", message="연계신청할 활동을 선택해 주세요.")
    participations = [_own(participation_id) for participation_id in dict.fromkeys(ids)]
    try:
        made, nothing, no_detail = request_each(participations, actor())
    except IdentityRequired:
        return _identity_required()
    for link_request in made:
        queued(link_request)
    response = _dialog("mypage/bulk.html", sent=made, nothing=nothing, no_detail=no_detail)
    return htmx.trigger(response, "rows-changed") if htmx.is_fragment_request() else response


@bp.route("/participations/<int:participation_id>/entry-request", methods=["POST"])
@limiter.limit(limit_from("ENTRY_REQUEST_LIMIT"), key_func=member_key)
def entry_request(participation_id):
    """입력 요청 (from the no-detail notice): ask the site to enter this participation's daily logs."""
    participation = _own(participation_id)
    try:
        asked = entry_requests.ask(participation, actor())
    except entry_requests.HasDates:
        asked = None
    if not htmx.is_fragment_request():
        return redirect(url_for(".activities"), 303)
    return htmx.trigger(htmx.modal("mypage/entry_request_done.html", p=participation, asked=asked), "rows-changed")


@bp.route("/participations/<int:participation_id>/result")
def result(participation_id):
    """The per-date results of a 연계완료/연계실패 row, with the 1365 result-code guide."""
    participation = _own(participation_id)
    return _dialog("mypage/result.html", p=participation, s=reads.summary(participation),
                   rows=reads.date_rows(participation), codes=code_guide(console_settings.effective(current_app)))


@bp.route("/participations/<int:participation_id>/relink", methods=["POST"])
def relink(participation_id):
    """재연계: send again only the dates that did not succeed."""
    participation = _own(participation_id)
    early = _request_or_prompt(participation, RequestKind.RELINK)
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
    none of its dates was ever sent to 1365 (records.activities.removable); audited."""
    participation = _own(participation_id)
    problem = None if removable(participation) else LEAVE_LINKED_MESSAGE
    if request.method == "POST" and problem is None:
        try:
            remove_volunteer(participation, actor(), leaving=True)
        except NotAllowed as exc:
            problem = exc.message
        else:
            if not htmx.is_fragment_request():
                return redirect(url_for(".activities"), 303)
            response = htmx.modal("mypage/leave_done.html", activity_title=participation.activity.title)
            return htmx.trigger(response, "rows-changed")
    status = 422 if problem and request.method == "POST" else 200
    unsent = 0 if problem else date_count(participation)
    return _dialog("mypage/leave.html", status, p=participation, problem=problem, unsent=unsent)


@bp.route("/identity", methods=["GET", "POST"])
@reports_bad_input
@limiter.limit(limit_from("IDENTITY_LIMIT"), methods=["POST"])
@limiter.limit(limit_from("IDENTITY_LIMIT"), methods=["POST"], key_func=member_key)
def verify():
    """본인인증: the RRN, asked once, kept encrypted, shown only masked."""
    form = IdentityForm()
    participation_id = request.values.get("participation_id", type=db_int)
    consent = form.validate() and _consent_to(form) if request.method == "POST" else None
    if not consent:
        return _identity_dialog(form, 422 if request.method == "POST" else 200, participation_id)
    identity = identities.verify(actor(), form.rrn, current_app.extensions["rrn_vault"], actor(), consent.version,
                                 notices.text(consent))
    form.rrn = None
    if htmx.is_fragment_request():
        return htmx.modal("mypage/identity_done.html", identity=identity, notice_version=consent.version)
    return redirect(url_for(".activities"), 303)


@bp.route("/identity/reset", methods=["GET", "POST"])
def reset():
    """본인인증 초기화: confirm, then delete the stored RRN."""
    if request.method == "GET":
        return _dialog("mypage/reset.html")
    identities.reset(actor(), actor())
    if htmx.is_fragment_request():
        return htmx.modal("mypage/reset_done.html")
    return redirect(url_for(".index"), 303)


@bp.route("/certificate", methods=["POST"])
@limiter.limit(limit_from("CERTIFICATE_LIMIT"), key_func=member_key)
def certificate_pdf():
    """확인서 출력: the checked activities issued as a certificate (number, code, QR) and downloaded as
    its PDF. A plain form POST: works without JavaScript, the CSRF token in the body."""
    ids = list(dict.fromkeys(request.form.getlist("participation_ids", type=db_int)))[:200]
    if not ids:  # said in place, as 선택 연계신청 says it (it led to a page of its own)
        return _dialog("_notice.html", 422, title="선택된 활동이 없습니다", message="확인서를 출력할 활동을 선택해 주세요.")
    participations = reads.participations_of(current_user.id, ids)  # one query, not one per activity
    if len(participations) != len(ids):  # someone else's, or none such
        abort(404)
    return certificates.download(certificates.issue(actor(), participations, actor()))


@bp.route("/certificates")
def certificate_list():
    """발급받은 확인서: the certificates the volunteer was issued, newest first, with their state."""
    return render_template("mypage/certificates.html", certificates=certificate.issued_to(current_user.id))


@bp.route("/certificates/<int:certificate_id>/pdf")
def certificate_again(certificate_id):
    """An issued certificate's PDF again (as it was issued)."""
    return certificates.download(found_or_404(certificate.of_member(current_user.id, certificate_id)))
