"""일별 입력: one date, every volunteer of the activity at once; common times filled down, then
adjusted per person, and saved whole or not at all (records.dayform, records.dailylogs)."""
from flask import flash, redirect, request, url_for

from ...clock import today_kst
from ...records import dailylogs, dayform, hours
from ...records.errors import BatchInvalid
from .. import htmx
from ..helpers import accessed, actor
from ..security import reports_bad_input
from .blueprint import bp
from .scope import flash_rules_warnings, own_activity, rules_warnings


def _response(activity, day, rows, status=200, date_error=None, notice=None, problem=None, common=("", ""),
              warnings=()):
    context = {"activity": activity, "day": day, "rows": rows, "date_error": date_error, "notice": notice,
               "warnings": warnings,
               "problem": problem, "common_start": common[0], "common_end": common[1],
               "date_text": day.isoformat() if day else ""}  # a type=date input holds a real date or nothing
    if rows:  # the form shows each volunteer's phone: where a site needs it, and each view recorded
        accessed([row.participation.volunteer_id for row in rows], "조회", f"일별 입력(연락처): {activity.title}")
    return htmx.render("site/day.html", "site/_day_form.html", status=status, **context)


def _save(activity, day, rows, common):
    """Save the form's batch: the saved form again, or the form with each row's problems."""
    inputs, sources = dayform.batch(rows, day, common)
    if not inputs:
        return _response(activity, day, rows, 422, common=common,
                         problem="저장할 시간이 없습니다. 봉사자별 시작시간과 종료시간을 입력해 주세요.")
    try:
        saved = dailylogs.save_batch(activity, inputs, actor(), today_kst())
    except BatchInvalid as exc:
        for index, errors in exc.errors.items():
            sources[index].errors = errors
        return _response(activity, day, rows, 422, common=common,
                         problem="저장하지 않았습니다. 표시된 줄을 고쳐 다시 저장해 주세요.")
    notice = f"{day.isoformat()} 상세봉사내역 {len(saved)}건을 저장했습니다."
    warnings = rules_warnings(saved)
    if not htmx.is_fragment_request():
        flash(notice)
        flash_rules_warnings(warnings)
        return redirect(url_for(".day", activity_id=activity.id, date=day.isoformat()), 303)
    return _response(activity, day, dayform.rows(activity, day), notice=notice, warnings=warnings)


@bp.route("/activities/<int:activity_id>/day", methods=["GET", "POST"])
@reports_bad_input
def day(activity_id):
    """일별 입력: one date, every volunteer at once; the same times filled down, then adjusted."""
    activity = own_activity(activity_id)
    text = request.values.get("date", "")
    try:
        day = hours.parse_date(text) if text else dayform.default_day(activity, today_kst())
    except hours.LogError as exc:
        return _response(activity, None, [], 422, date_error=exc.message)
    problem = dayform.day_problem(activity, day, today_kst())
    if request.method == "GET":
        return _response(activity, day, dayform.rows(activity, day), date_error=problem)
    form = request.form
    rows = dayform.rows(activity, day, form, set(form.getlist("pick")))
    common = (dayform.as_typed(form.get("common_start")), dayform.as_typed(form.get("common_end")))
    if form.get("action") == "fill":
        dayform.fill(rows, common)
        return _response(activity, day, rows, common=common)
    if problem:
        return _response(activity, day, rows, 422, date_error=problem, common=common,
                         problem="저장하지 않았습니다. 활동일을 확인해 주세요.")
    return _save(activity, day, rows, common)
