"""활동처관리 for site managers: their activities, volunteers, daily logs (by date or CSV)."""
import base64
import binascii
from dataclasses import dataclass, field

from flask import (Blueprint, Response, abort, flash, make_response, redirect, render_template, request,
                   url_for)
from flask_login import current_user

from .. import dailylogs, hours, htmx, inputs, linkage
from ..dailylogs import BatchInvalid, CsvRejected, LogInput, NotAllowed
from ..models import today_kst
from ..site_forms import CATEGORIES, ActivityForm, CsvForm, LogForm, VolunteerSearchForm
from . import reports_bad_input, role_required

bp = Blueprint("site", __name__, url_prefix="/site")

LINK_LABELS = {"unsent": "미연계", "pending": "연계중", "succeeded": "연계완료", "failed": "연계실패"}


@bp.before_request
@role_required("site")
def _site_managers_only():
    """Every page here is one site's own; a manager without a site sees none."""
    if current_user.site_id is None:
        abort(403)


@bp.context_processor
def _labels():
    return {"LINK_LABELS": LINK_LABELS, "CATEGORIES": CATEGORIES, "masked_phone": _masked_phone,
            "NOT_FOUND_MESSAGE": dailylogs.NOT_FOUND_MESSAGE}


def _masked_phone(phone):
    """A phone number with all but its last four digits hidden: '010-1234-5678' -> '***-****-5678'."""
    digits = sum(c.isdigit() for c in phone)
    seen = 0
    out = []
    for c in phone:
        if c.isdigit():
            seen += 1
            out.append(c if seen > digits - 4 else "*")
        else:
            out.append(c)
    return "".join(out)


def _me():
    return current_user._get_current_object()


def _activity(activity_id):
    activity = dailylogs.site_activity(current_user.site_id, activity_id)
    if activity is None:
        abort(404)
    return activity


def _participation(participation_id):
    participation = dailylogs.site_participation(current_user.site_id, participation_id)
    if participation is None:
        abort(404)
    return participation


def _log(log_id):
    log = dailylogs.site_log(current_user.site_id, log_id)
    if log is None:
        abort(404)
    return log


def _changed(*events):
    """A 204 for htmx that tells the page what to refresh, then closes the modal.

    In that order: closing empties #modal, and an event fired on the detached form would not reach body.
    """
    response = make_response("", 204)
    response.headers["HX-Trigger"] = ", ".join(events + ("modal-close",))
    return response


def _body_context(activity, search=None, found=None):
    people = dailylogs.participants(activity)
    return {"activity": activity, "people": people, "summaries": linkage.summaries(people),
            "removable": dailylogs.removable_ids(people),
            "logs": dailylogs.activity_logs(activity), "search": search or VolunteerSearchForm(formdata=None),
            "found": found}


# --------------------------------------------------------------------------- activities

@bp.route("/")
def index():
    """활동처관리: the site's activities, newest first."""
    return render_template("site/index.html", activities=dailylogs.site_activities(current_user.site_id))


@bp.route("/activities/new", methods=["GET", "POST"])
@reports_bad_input
def new_activity():
    """A new activity: 구분, 봉사제목, 장소, 활동기간."""
    form = ActivityForm()
    if form.validate_on_submit():
        problems = dailylogs.check_period(None, form.start_date.value, form.end_date.value)
        if not problems:
            activity = dailylogs.save_activity(current_user.site_id, _me(), form.values())
            flash("봉사활동을 만들었습니다. 봉사자를 추가해 주세요.")
            return redirect(url_for(".activity", activity_id=activity.id), 303)
        form.end_date.errors = list(form.end_date.errors) + problems
    status = 422 if request.method == "POST" else 200
    return render_template("site/activity_form.html", form=form, activity=None), status


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@reports_bad_input
def edit_activity(activity_id):
    """Change an activity; its period must keep every entered date inside."""
    activity = _activity(activity_id)
    form = ActivityForm(data={"category": activity.category, "title": activity.title,
                              "location": activity.location, "start_date": activity.start_date.isoformat(),
                              "end_date": activity.end_date.isoformat()})
    if form.validate_on_submit():
        problems = dailylogs.check_period(activity, form.start_date.value, form.end_date.value)
        if not problems:
            dailylogs.save_activity(current_user.site_id, _me(), form.values(), activity)
            flash("봉사활동을 저장했습니다.")
            return redirect(url_for(".activity", activity_id=activity.id), 303)
        form.end_date.errors = list(form.end_date.errors) + problems
    status = 422 if request.method == "POST" else 200
    return render_template("site/activity_form.html", form=form, activity=activity), status


@bp.route("/activities/<int:activity_id>")
def activity(activity_id):
    """One activity: its volunteers with their hours and link state, and its daily logs."""
    activity = _activity(activity_id)
    return htmx.render("site/activity.html", "site/_activity_body.html", **_body_context(activity))


# --------------------------------------------------------------------------- volunteers

@bp.route("/activities/<int:activity_id>/volunteers/search")
@reports_bad_input
def search_volunteers(activity_id):
    """Find a member to add, by 회원아이디 or by 이름 and 연락처."""
    activity = _activity(activity_id)
    form = VolunteerSearchForm(request.args)
    found = dailylogs.find_volunteers(form.username.data, form.name.data, form.phone.data) \
        if form.validate() else None
    status = 200 if found is not None else 422
    if htmx.is_fragment_request():
        return render_template("site/_search.html", activity=activity, search=form, found=found), status
    return render_template("site/activity.html", **_body_context(activity, form, found)), status


@bp.route("/activities/<int:activity_id>/volunteers", methods=["POST"])
@reports_bad_input
def add_volunteer(activity_id):
    """Add a volunteer by 회원아이디 (as the search found them, or typed): never by a member id."""
    activity = _activity(activity_id)
    username = (request.form.get("username") or "").strip()[:40]
    try:
        if inputs.problem(username):
            raise NotAllowed(inputs.problem(username))
        participation = dailylogs.add_volunteer(activity, username, _me())
    except NotAllowed as exc:
        if htmx.is_fragment_request():
            return render_template("site/_search.html", activity=activity, search=VolunteerSearchForm(formdata=None),
                                   found=None, problem=exc.message), 422
        flash(exc.message, "error")
        return redirect(url_for(".activity", activity_id=activity.id), 303)
    if htmx.is_fragment_request():
        return _changed("logs-changed")
    flash(f"{participation.volunteer.name}님을 봉사자로 추가했습니다.")
    return redirect(url_for(".activity", activity_id=activity.id), 303)


@bp.route("/participations/<int:participation_id>/remove", methods=["GET", "POST"])
def remove_volunteer(participation_id):
    """Take a volunteer out of the activity (only while nothing of theirs went to 1365)."""
    participation = _participation(participation_id)
    problem = None
    if request.method == "POST":
        try:
            dailylogs.remove_volunteer(participation, _me())
        except NotAllowed as exc:
            problem = exc.message
        else:
            if htmx.is_fragment_request():
                return _changed("logs-changed")
            flash(f"{participation.volunteer.name}님을 봉사자에서 삭제했습니다.")
            return redirect(url_for(".activity", activity_id=participation.activity_id), 303)
    elif not dailylogs.removable(participation):
        problem = dailylogs.REMOVE_LINKED_MESSAGE
    status = 422 if problem and request.method == "POST" else 200
    if htmx.is_fragment_request():
        return htmx.modal("site/_remove_modal.html", status=status, p=participation, problem=problem)
    return render_template("site/remove.html", p=participation, problem=problem), status


# --------------------------------------------------------------------------- daily logs

@dataclass
class DayRow:
    """One line of the one-date form: a volunteer and a new or existing log, as typed."""

    key: str
    participation: object
    log: object = None
    start: str = ""
    end: str = ""
    minutes: str = ""
    picked: bool = False
    errors: list = field(default_factory=list)

    @property
    def locked(self):
        return self.log is not None and dailylogs.locked_message(self.log) is not None

    def errors_for(self, *names):
        return [e.message for e in self.errors if e.field in names]

    @property
    def computed(self):
        """end - start in minutes, for the placeholder of 인정시간 (or '')."""
        try:
            start, end = hours.parse_clock(self.start), hours.parse_clock(self.end)
        except hours.LogError:
            return ""
        span = hours.recognised_minutes(hours.Entry(None, start, end))
        return str(span) if span else ""


def _day_rows(activity, day, form=None):
    rows = []
    for participation, log in dailylogs.day_rows(activity, day):
        if log is None:
            row = DayRow(f"n{participation.id}", participation)
        else:
            row = DayRow(f"e{log.id}", participation, log, hours.format_clock(log.start),
                         hours.format_clock(log.end), _minutes_text(log))
        if form is not None and not row.locked and f"start-{row.key}" in form:
            row.start = form.get(f"start-{row.key}", "").strip()[:20]
            row.end = form.get(f"end-{row.key}", "").strip()[:20]
            row.minutes = form.get(f"minutes-{row.key}", "").strip()[:20]
        if form is not None:
            row.picked = row.key in form.getlist("pick")
        rows.append(row)
    return rows


def _day_problem(activity, day):
    """Why no log can be entered on that date (outside the period, or in the future), or None."""
    if not activity.start_date <= day <= activity.end_date:
        return hours.PERIOD_MESSAGE.format(period=hours.format_period(activity.start_date, activity.end_date))
    if day > today_kst():
        return hours.FUTURE_MESSAGE
    return None


def _default_day(activity):
    return max(min(today_kst(), activity.end_date), activity.start_date)


def _day_response(activity, day, rows, status=200, date_error=None, notice=None, problem=None,
                  common=("", "")):
    context = {"activity": activity, "day": day, "rows": rows, "date_error": date_error, "notice": notice,
               "problem": problem, "common_start": common[0], "common_end": common[1],
               "date_text": day.isoformat() if day else request.values.get("date", "")[:20]}
    return htmx.render("site/day.html", "site/_day_form.html", status=status, **context)


@bp.route("/activities/<int:activity_id>/day", methods=["GET", "POST"])
@reports_bad_input
def day(activity_id):
    """일별 입력: one date, every volunteer at once; the same times filled down, then adjusted."""
    activity = _activity(activity_id)
    text = request.values.get("date", "")
    try:
        day = hours.parse_date(text) if text else _default_day(activity)
    except hours.LogError as exc:
        return _day_response(activity, None, [], 422, date_error=exc.message)
    if request.method == "GET":
        return _day_response(activity, day, _day_rows(activity, day), date_error=_day_problem(activity, day))

    form = request.form
    rows = _day_rows(activity, day, form)
    common = (form.get("common_start", "").strip()[:20], form.get("common_end", "").strip()[:20])
    if form.get("action") == "fill":
        targets = ([r for r in rows if r.picked and not r.locked]
                   or [r for r in rows if r.log is None and not (r.start or r.end)])
        for row in targets:
            row.start, row.end, row.minutes, row.picked = common[0], common[1], "", True
        return _day_response(activity, day, rows, common=common)

    if _day_problem(activity, day):
        return _day_response(activity, day, rows, 422, date_error=_day_problem(activity, day), common=common,
                             problem="저장하지 않았습니다. 활동일을 확인해 주세요.")
    inputs, sources = [], []
    for row in rows:
        if row.locked or (row.log is not None and not _edited(row)):
            continue
        if row.log is None:
            if row.picked and not (row.start or row.end):
                row.start, row.end = common
            if not (row.start or row.end or row.minutes):
                continue
        inputs.append(LogInput(row.participation.id, day, row.start, row.end, row.minutes,
                               row.log.id if row.log else None))
        sources.append(row)
    if not inputs:
        return _day_response(activity, day, rows, 422, common=common,
                             problem="저장할 시간이 없습니다. 봉사자별 시작시간과 종료시간을 입력해 주세요.")
    try:
        saved = dailylogs.save_batch(activity, inputs, _me(), today_kst())
    except BatchInvalid as exc:
        for index, errors in exc.errors.items():
            sources[index].errors = errors
        return _day_response(activity, day, rows, 422, common=common,
                             problem="저장하지 않았습니다. 표시된 줄을 고쳐 다시 저장해 주세요.")
    notice = f"{day.isoformat()} 상세봉사내역 {len(saved)}건을 저장했습니다."
    if not htmx.is_fragment_request():
        flash(notice)
        return redirect(url_for(".day", activity_id=activity.id, date=day.isoformat()), 303)
    return _day_response(activity, day, _day_rows(activity, day), notice=notice)


def _minutes_text(log):
    """인정시간 as the form shows it: blank when it is the whole span (so new times recompute it)."""
    span = hours.recognised_minutes(hours.Entry(log.date, log.start, log.end))
    return "" if log.minutes == span else str(log.minutes)


def _edited(row):
    log = row.log
    return log is not None and (row.start, row.end, row.minutes) != (
        hours.format_clock(log.start), hours.format_clock(log.end), _minutes_text(log))


def _log_page(log, form, status=200, problem=None):
    if htmx.is_fragment_request():
        return htmx.modal("site/_log_modal.html", status=status, log=log, form=form, problem=problem)
    return render_template("site/log_edit.html", log=log, form=form, problem=problem), status


@bp.route("/logs/<int:log_id>/edit", methods=["GET", "POST"])
@reports_bad_input
def edit_log(log_id):
    """Change one date (not one 1365 holds or is being sent)."""
    log = _log(log_id)
    problem = dailylogs.locked_message(log)
    if request.method == "GET":
        form = LogForm(formdata=None, data={"date": log.date.isoformat(), "start": hours.format_clock(log.start),
                                            "end": hours.format_clock(log.end), "minutes": _minutes_text(log)})
        return _log_page(log, form, problem=problem)
    form = LogForm()
    if not form.validate_on_submit():
        return _log_page(log, form, 400)
    row = LogInput(log.participation_id, form.date.data or "", form.start.data or "", form.end.data or "",
                   form.minutes.data or "", log_id=log.id)
    try:
        dailylogs.save_batch(log.participation.activity, [row], _me(), today_kst())
    except BatchInvalid as exc:
        form.add_errors(exc.errors[0])
        return _log_page(log, form, 422)
    if htmx.is_fragment_request():
        return _changed("logs-changed")
    flash("상세봉사내역을 저장했습니다.")
    return redirect(url_for(".activity", activity_id=log.participation.activity_id), 303)


@bp.route("/logs/<int:log_id>/delete", methods=["GET", "POST"])
def delete_log(log_id):
    """Delete one date (not one 1365 holds or is being sent), after a confirmation."""
    log = _log(log_id)
    problem = dailylogs.locked_message(log)
    if request.method == "POST":
        try:
            dailylogs.delete_log(log, _me())
        except NotAllowed as exc:
            problem = exc.message
        else:
            if htmx.is_fragment_request():
                return _changed("logs-changed")
            flash("상세봉사내역을 삭제했습니다.")
            return redirect(url_for(".activity", activity_id=log.participation.activity_id), 303)
    status = 422 if problem and request.method == "POST" else 200
    if htmx.is_fragment_request():
        return htmx.modal("site/_delete_modal.html", status=status, log=log, problem=problem)
    return render_template("site/log_delete.html", log=log, problem=problem), status


# --------------------------------------------------------------------------- CSV

def _import_page(activity, form, preview=None, data=None, status=200, problem=None):
    encoded = base64.b64encode(dailylogs.decode_csv(data).encode("utf-8")).decode("ascii") if data else ""
    return render_template("site/import.html", activity=activity, form=form, preview=preview, csv_data=encoded,
                           problem=problem or (preview.problem if preview else None)), status


@bp.route("/activities/<int:activity_id>/import", methods=["GET", "POST"])
@reports_bad_input
def import_csv(activity_id):
    """CSV 가져오기: upload a spreadsheet and see each line's problems before anything is saved."""
    activity = _activity(activity_id)
    form = CsvForm()
    if request.method == "GET":
        return _import_page(activity, form)
    if not form.validate_on_submit():
        return _import_page(activity, form, status=422)
    data = form.file.data.read()
    preview = dailylogs.preview_csv(activity, data, today_kst())
    if preview.problem:
        form.file.errors = list(form.file.errors) + [preview.problem]
        return _import_page(activity, form, status=422)
    return _import_page(activity, form, preview, data, 422 if preview.bad else 200)


@bp.route("/activities/<int:activity_id>/import/confirm", methods=["POST"])
def confirm_import(activity_id):
    """Save the previewed lines (all, or only the good ones), checked again, in one transaction."""
    activity = _activity(activity_id)
    try:
        text = base64.b64decode(request.form.get("csv_data", ""), validate=True).decode("utf-8")
        lines = [int(n) for n in request.form.get("lines", "").split(",") if n.strip()]
    except (binascii.Error, UnicodeDecodeError, ValueError):
        abort(400)
    try:
        saved = dailylogs.import_csv(activity, text, _me(), today_kst(), only_lines=lines)
    except CsvRejected as exc:
        return _import_page(activity, CsvForm(formdata=None), exc.preview, text, 422,
                            problem="저장하지 않았습니다. 미리보기 이후 내용이 바뀌었거나 오류가 있는 줄이 있습니다. "
                                    "아래 내용을 다시 확인해 주세요.")
    except NotAllowed as exc:
        return _import_page(activity, CsvForm(formdata=None), status=422, problem=exc.message)
    flash(f"CSV에서 상세봉사내역 {len(saved)}건을 저장했습니다.")
    return redirect(url_for(".activity", activity_id=activity.id), 303)


def _csv_response(text, filename):
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.route("/activities/<int:activity_id>/export.csv")
def export_csv(activity_id):
    """CSV 내보내기: the activity's daily logs, by date (opens in Korean Excel)."""
    activity = _activity(activity_id)
    return _csv_response(dailylogs.export_csv(activity), f"activity-{activity.id}-daily-logs.csv")


@bp.route("/template.csv")
def csv_template():
    """The CSV template to fill in."""
    return _csv_response(dailylogs.template_csv(), "daily-logs-template.csv")
