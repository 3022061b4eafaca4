"""기술지원 on one participation: its dates, attempts and requests; per-date linkage of a whole-period
participation; a date corrected (a succeeded one too) with a reason that goes to the audit log."""
from flask import current_app, flash, redirect, render_template, request, url_for

from ...clock import today_kst
from ...linkage import reads
from ...linkage.requests import IdentityRequired, NoDailyLogs
from ...linkage.state import DateState
from ...models import DailyLog, Participation
from ...ops import helpdesk
from ...records import rules1365
from ..helpers import accessed, actor, get_or_404, queued
from ..security import reports_bad_input
from .blueprint import bp


@bp.route("/participations/<int:participation_id>")
def participation(participation_id):
    """One participation's dates, attempts and 기술지원 actions."""
    p = get_or_404(Participation, participation_id)
    accessed(p.volunteer_id, "조회", f"기술지원: 참여 내역({p.activity.title})")
    rows = reads.date_rows(p)
    # 1365's rules for what may still be sent (records.rules1365): warnings before linkage
    notes = [(log.date, message) for log, _ in rows if log.link_state in (DateState.UNSENT, DateState.FAILED)
             for message in rules1365.date_warnings(log.date, log.minutes, today_kst(),
                                                    current_app.config["RULES_OLD_MONTHS"])]
    return render_template("admin/participation.html", p=p, s=reads.summary(p), rows=rows,
                           requests=reads.recent_requests(p), notes=notes)


@bp.route("/participations/<int:participation_id>/per-date", methods=["POST"])
def per_date(participation_id):
    """기술지원: per-date linkage of a whole-period (연계완료) participation."""
    p = get_or_404(Participation, participation_id)
    try:
        link_request = queued(helpdesk.link_per_date(p, actor()))
    except IdentityRequired:
        flash("봉사자의 본인인증이 없어 날짜 별 연계를 할 수 없습니다.", "error")
    except NoDailyLogs:
        flash("상세봉사내역이 존재하지 않습니다. 활동처에서 날짜 별 봉사활동을 입력해야 합니다.", "error")
    else:
        flash("날짜 별 연계를 요청했습니다." if link_request else "보낼 날짜가 없습니다.", "info")
    return redirect(url_for(".participation", participation_id=p.id), 303)


@bp.route("/daily-logs/<int:log_id>/correct", methods=["GET", "POST"])
@reports_bad_input
def correct(log_id):
    """Correct a date (a succeeded one too), with a reason that goes to the audit log."""
    log = get_or_404(DailyLog, log_id)
    errors, values = {}, {"date": log.date.isoformat(), "start": f"{log.start:%H:%M}",
                          "end": f"{log.end:%H:%M}", "minutes": log.minutes, "reason": ""}
    status = 200
    if request.method == "POST":
        values = {key: (request.form.get(key) or "")[:300] for key in values}
        errors = helpdesk.correct_date(log, values, values["reason"], actor(), bool(request.form.get("resend")),
                                       today_kst())
        if not errors:
            flash("상세봉사내역을 수정했습니다.", "info")
            return redirect(url_for(".participation", participation_id=log.participation_id), 303)
        status = 422
    return render_template("admin/correct.html", log=log, values=values, errors=errors), status
