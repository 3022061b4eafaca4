"""Daily logs in and out by file: an upload previewed line by line (held on the server meanwhile,
records.uploads), then saved whole or only its good lines; the activity's dates as CSV; the template
as CSV or .xlsx."""
from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...clock import today_kst
from ...records import exports, imports, readers, uploads
from ...records.errors import NotAllowed
from ..forms import DownloadReasonForm, UploadForm
from ..helpers import accessed, actor
from ..security import reports_bad_input
from .blueprint import bp
from .scope import dialog, flash_rules_warnings, own_activity, rules_warnings

CHANGED_MESSAGE = ("저장하지 않았습니다. 미리보기 이후 내용이 바뀌었거나 오류가 있는 줄이 있습니다. "
                   "아래 내용을 다시 확인해 주세요.")


def _page(activity, form, preview=None, token="", status=200, problem=None):
    return render_template("site/import.html", activity=activity, form=form, preview=preview, upload=token,
                           accept=readers.ACCEPT, problem=problem or (preview.problem if preview else None)), status


@bp.route("/activities/<int:activity_id>/import", methods=["GET", "POST"])
@reports_bad_input
def import_file(activity_id):
    """파일 가져오기: upload a spreadsheet and see each line's problems before anything is saved."""
    activity = own_activity(activity_id)
    form = UploadForm()
    if request.method == "GET":
        return _page(activity, form)
    if not form.validate_on_submit():
        return _page(activity, form, status=422)
    filename, data = form.file.data.filename or "", form.file.data.read()
    preview = imports.preview(activity, data, today_kst(), filename, current_app.config["RULES_OLD_MONTHS"])
    if preview.problem:
        form.file.errors = list(form.file.errors) + [preview.problem]
        return _page(activity, form, status=422)
    token = uploads.hold(actor(), activity, filename, data) if preview.good else ""
    return _page(activity, form, preview, token, 422 if preview.bad else 200)


def _line_numbers(text):
    try:
        return [int(n) for n in (text or "").split(",") if n.strip()]
    except ValueError:
        return None


@bp.route("/activities/<int:activity_id>/import/confirm", methods=["POST"])
def confirm_import(activity_id):
    """Save the previewed lines (all, or only the good ones), read and checked again, in one transaction."""
    activity = own_activity(activity_id)
    token = request.form.get("upload", "")
    upload, lines = uploads.held(token, current_user.id, activity.id), _line_numbers(request.form.get("lines"))
    if upload is None or lines is None:
        return _page(activity, UploadForm(formdata=None), status=400, problem=uploads.GONE_MESSAGE)
    try:
        saved = imports.import_lines(activity, bytes(upload.data), actor(), today_kst(), lines, upload.filename)
    except imports.ImportRejected as exc:
        return _page(activity, UploadForm(formdata=None), exc.preview, token, 422, CHANGED_MESSAGE)
    except NotAllowed as exc:
        return _page(activity, UploadForm(formdata=None), status=422, problem=exc.message)
    uploads.discard(upload)
    flash(f"파일에서 상세봉사내역 {len(saved)}건을 저장했습니다.")
    flash_rules_warnings(rules_warnings(saved))
    return redirect(url_for(".activity", activity_id=activity.id), 303)


def _csv_response(text, filename):
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.route("/activities/<int:activity_id>/export.csv", methods=["GET", "POST"])
@reports_bad_input
def export_csv(activity_id):
    """CSV 내보내기: the activity's daily logs, by date (opens in Korean Excel). It holds volunteers'
    names, so the 사유 is asked first and the download is an access record (다운로드)."""
    activity = own_activity(activity_id)
    form = DownloadReasonForm()
    if not form.validate_on_submit():
        return dialog("site/export.html", 422 if request.method == "POST" else 200, form=form, activity=activity)
    people, text = exports.export(activity)
    accessed(people, "다운로드", f"일별 봉사내역 CSV: {activity.title}", reason=form.reason.data)
    return _csv_response(text, f"activity-{activity.id}-daily-logs.csv")


@bp.route("/template.csv")
def csv_template():
    """The CSV template to fill in."""
    return _csv_response(exports.template_csv(), "daily-logs-template.csv")


@bp.route("/template.xlsx")
def xlsx_template():
    """The .xlsx template to fill in (dates, times and text columns already formatted)."""
    return Response(exports.template_xlsx(), mimetype=readers.XLSX_TYPE, headers={
        "Content-Disposition": 'attachment; filename="daily-logs-template.xlsx"', "Cache-Control": "no-store"})
