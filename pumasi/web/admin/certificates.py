"""확인서 for operators: the list (search by number, name or 아이디), a certificate's PDF again, 취소
(revoke, with a reason), and issuing one for any volunteer. A PDF holds a volunteer's name and birth
date: its 다운로드 사유 is asked first and goes into the access record (접속기록)."""
from flask import current_app, flash, redirect, render_template, request, url_for

from ... import korean
from ...db import db_int
from ...models import Certificate, Member
from ...ops import certificate
from .. import certificates
from ..forms import DownloadReasonForm
from ..helpers import accessed, actor, get_or_404, page_arg, page_count
from ..ratelimit import limit_from, limiter, member_and_subject
from ..security import reports_bad_input
from .blueprint import bp

REVOKE_REASON = "취소 사유를 2자 이상 200자 이하로 입력해 주세요."
NONE_CHECKED = "확인서에 넣을 활동을 선택해 주세요."


@bp.route("/certificates")
def certificate_list():
    """발급된 확인서: newest first, with their state."""
    text = (request.args.get("q") or "").strip()[:50]
    size = current_app.config["LIST_PAGE_SIZE"]
    total, rows = certificate.search(text, page_arg(), size)
    if rows:
        accessed([c.member_id for c in rows], "조회", "확인서 목록·검색(이름·발급번호)" + (f": {text}" if text else ""))
    return render_template("admin/certificates.html", rows=rows, total=total, q=text, page=page_arg(),
                           pages=page_count(total, size))


@bp.route("/certificates/<int:certificate_id>/pdf", methods=["GET", "POST"])
@reports_bad_input
def certificate_download(certificate_id):
    """An issued certificate's PDF, after its 다운로드 사유."""
    cert = get_or_404(Certificate, certificate_id)
    form = DownloadReasonForm()
    if not form.validate_on_submit():
        return render_template("admin/certificate_download.html", cert=cert, form=form,
                               state=certificate.state(cert)), 422 if request.method == "POST" else 200
    accessed(cert.member_id, "다운로드", f"확인서 {cert.number} PDF", reason=form.reason.data)
    return certificates.download(cert)


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
def certificate_revoke(certificate_id):
    """취소: the verification page says 취소됨 from now on."""
    cert = get_or_404(Certificate, certificate_id)
    reason = (request.form.get("reason") or "").strip()
    if not 2 <= len(reason) <= 200:
        return render_template("admin/certificate_download.html", cert=cert, form=DownloadReasonForm(formdata=None),
                               state=certificate.state(cert), revoke_error=REVOKE_REASON, reason=reason), 422
    if certificate.revoke(cert, actor(), reason):
        flash(korean.particles(f"확인서 {cert.number}을(를) 취소했습니다."))
    return redirect(url_for(".certificate_list", q=cert.number), 303)


@bp.route("/members/<int:member_id>/certificate", methods=["GET", "POST"])
@reports_bad_input
@limiter.limit(limit_from("CERTIFICATE_LIMIT"), methods=["POST"], key_func=member_and_subject)
def certificate_issue(member_id):
    """확인서 발급 for a volunteer: the activities checked, the 다운로드 사유, then the PDF."""
    member = get_or_404(Member, member_id)
    if member.role != "volunteer":
        return redirect(url_for(".member", member_id=member.id), 303)
    rows = certificate.participations_of(member.id)
    form = DownloadReasonForm()
    own = {p.id: p for p in rows}
    chosen = [own[i] for i in dict.fromkeys(request.form.getlist("participation_ids", type=db_int)) if i in own]
    problem = NONE_CHECKED if request.method == "POST" and not chosen else None
    if not form.validate_on_submit() or problem:
        # (What this form shows, the member's page showed and recorded as 조회; issuing is 다운로드.)
        return render_template("admin/certificate_issue.html", m=member, rows=rows, form=form, problem=problem,
                               chosen={p.id for p in chosen}), 422 if request.method == "POST" else 200
    issued = certificates.issue(member, chosen, actor())
    accessed(member, "다운로드", f"확인서 {issued.number} 발급(운영자)", reason=form.reason.data)
    return certificates.download(issued)
