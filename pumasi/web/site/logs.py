"""One date of a site: changed in a dialog, or deleted after a confirmation (never one 1365 holds or
is being sent: records.dailylogs locks those)."""
from flask import flash, redirect, request, url_for

from ...clock import today_kst
from ...records import dailylogs, dayform, hours
from ...records.errors import BatchInvalid
from .. import htmx
from ..forms import LogForm
from ..helpers import actor
from ..security import reports_bad_input
from .blueprint import bp
from .scope import carry_out, dialog, flash_rules_warnings, own_log, rules_warnings


def _log_dialog(log, form, status=200, problem=None):
    return dialog("site/log_edit.html", status, log=log, activity=log.participation.activity, form=form,
                  problem=problem)


@bp.route("/logs/<int:log_id>/edit", methods=["GET", "POST"])
@reports_bad_input
def edit_log(log_id):
    """Change one date (not one 1365 holds or is being sent)."""
    log = own_log(log_id)
    if request.method == "GET":
        form = LogForm(formdata=None, data={"date": log.date.isoformat(), "start": hours.format_clock(log.start),
                                            "end": hours.format_clock(log.end), "minutes": dayform.minutes_text(log)})
        return _log_dialog(log, form, problem=dailylogs.locked_message(log))
    form = LogForm()
    if not form.validate_on_submit():
        return _log_dialog(log, form, 400)
    row = dailylogs.LogInput(log.participation_id, form.date.data or "", form.start.data or "", form.end.data or "",
                             form.minutes.data or "", log_id=log.id)
    try:
        saved = dailylogs.save_batch(log.participation.activity, [row], actor(), today_kst())
    except BatchInvalid as exc:
        form.add_errors(exc.errors[0])
        return _log_dialog(log, form, 422)
    warnings = rules_warnings(saved)
    if htmx.is_fragment_request():
        if not warnings:
            return htmx.changed("logs-changed")
        # the dialog stays open with what to check; the list behind it shows the change already
        return htmx.trigger(dialog("site/log_saved.html", log=saved[0], activity=log.participation.activity,
                                   warnings=warnings), "logs-changed")
    flash("상세봉사내역을 저장했습니다.")
    flash_rules_warnings(warnings)
    return redirect(url_for(".activity", activity_id=log.participation.activity_id), 303)


@bp.route("/logs/<int:log_id>/delete", methods=["GET", "POST"])
def delete_log(log_id):
    """Delete one date (not one 1365 holds or is being sent), after a confirmation."""
    log = own_log(log_id)
    problem = dailylogs.locked_message(log)
    if request.method == "POST":
        done, problem = carry_out(lambda: dailylogs.delete_log(log, actor()), "상세봉사내역을 삭제했습니다.",
                                  log.participation.activity_id)
        if done:
            return done
    status = 422 if problem and request.method == "POST" else 200
    return dialog("site/log_delete.html", status, log=log, activity=log.participation.activity, problem=problem)
