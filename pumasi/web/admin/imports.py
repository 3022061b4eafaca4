"""가져오기: an operator uploads a file of members (then sites and activities, participations), sees
each line's problems and the members already here (skip or update, line by line), and saves it whole.
The preview and the save run in a job; the page shows their progress and may be left and come back to."""
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for

from ...jobs import imports as import_jobs
from ...models import ImportRun
from ...records import readers
from ...records.exports import csv_text
from ...transfer import exports, members, runs, templates
from .. import htmx
from ..forms import DownloadReasonForm, UploadForm
from ..helpers import accessed, actor, get_or_404
from ..security import reports_bad_input
from .blueprint import bp

QUEUE_DOWN_MESSAGE = "작업 대기열에 연결할 수 없습니다. 잠시 후 '다시 시도'를 눌러 주세요."
STILL_WORKING_MESSAGE = "이 가져오기는 아직 처리 중이거나 차례를 기다리고 있습니다. 끝나면 이 화면에 결과가 나옵니다."
MAX_UPLOAD = 30 * 1024 * 1024  # a file of 100,000 dates as CSV is about 10 MB


def _index(forms=None, status=200, reasons=None):
    forms, reasons = forms or {}, reasons or {}
    return render_template("admin/imports.html", kinds=runs.LABELS, forms={k: forms.get(k) or UploadForm(
        formdata=None, prefix=k) for k in runs.LABELS}, recent=runs.recent(), accept=readers.ACCEPT,
        states=runs.STATES, reasons={k: reasons.get(k) or DownloadReasonForm(formdata=None, prefix=f"export-{k}")
                                     for k in runs.LABELS}), status


@bp.url_value_preprocessor
def _larger_import_files(endpoint, values):
    """An import file may be up to MAX_UPLOAD: set before anything reads the body (the CSRF check does,
    before any view)."""
    if endpoint == "admin.import_index" and request.method == "POST":
        request.max_content_length = MAX_UPLOAD


@bp.route("/import", methods=["GET", "POST"])
@reports_bad_input
def import_index():
    """가져오기: one upload form per kind, the templates, the recent imports; an upload is held and
    its preview queued."""
    if request.method == "GET":
        return _index()
    kind = request.args.get("kind", "")
    if kind not in runs.KINDS:
        abort(404)
    form = UploadForm(prefix=kind)
    if not form.validate_on_submit():
        return _index({kind: form}, 422)
    run = runs.start(kind, form.file.data.filename, form.file.data.read(), actor())
    if not import_jobs.queue(current_app, "preview_import", run.id):
        flash(QUEUE_DOWN_MESSAGE, "error")
    return redirect(url_for(".import_run", run_id=run.id), 303)


@bp.route("/import/runs/<int:run_id>")
def import_run(run_id):
    """One import: its progress while a job works on it, then its preview or what was saved."""
    run = runs.shown(run_id)
    if run is None:
        abort(404)
    module = runs.KINDS[run.kind]
    return htmx.render("admin/import_run.html", "admin/_import_run.html", run=run, shown=runs.read(run),
                       progress=import_jobs.progress_of(current_app, run.id), labels=module.LABELS,
                       columns=module.SHOWN_COLUMNS, kind_label=runs.LABELS[run.kind],
                       result=runs.result(run), states=runs.STATES, working=run.state in runs.WORKING,
                       retry=runs.retry_job(run, bool(run.held)))


@bp.route("/import/runs/<int:run_id>/save", methods=["POST"])
def import_save(run_id):
    """Save the previewed file whole, with the choices made for the members already here."""
    run = get_or_404(ImportRun, run_id)
    default = request.form.get("choice-all", "skip")
    shown = runs.read(run) or {"duplicates": []}
    choices = {line["n"]: request.form.get(f"choice-{line['n']}", default) for line in shown["duplicates"]}
    if not runs.choose(run, choices, default):
        flash(runs.GONE_MESSAGE if run.data is None else "저장할 수 없습니다. 오류가 있는 줄을 고쳐 다시 올려 주세요.",
              "error")
    elif not import_jobs.queue(current_app, "save_import", run.id):
        flash(QUEUE_DOWN_MESSAGE, "error")
    return redirect(url_for(".import_run", run_id=run.id), 303)


@bp.route("/import/runs/<int:run_id>/retry", methods=["POST"])
def import_retry(run_id):
    """Queue the run's job again (the queue was down, or a worker died while it ran: the sweep then
    failed the run, keeping its file, and this takes up the step that was lost)."""
    run = get_or_404(ImportRun, run_id)
    job = runs.retry_job(run, run.data is not None)
    if job and run.state in runs.WORKING and import_jobs.working_on(current_app, run):
        flash(STILL_WORKING_MESSAGE)  # a second job of the same step would only do the work twice
        job = None
    if job and run.state == "failed":
        runs.resume(run, job)
    if job and not import_jobs.queue(current_app, job, run.id):
        flash(QUEUE_DOWN_MESSAGE, "error")
    return redirect(url_for(".import_run", run_id=run.id), 303)


def _template(ext, make, mimetype):
    kind = request.args.get("kind", members.KIND)
    if kind not in runs.KINDS:
        abort(404)
    return Response(make(kind), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{kind}-template.{ext}"', "Cache-Control": "no-store"})


@bp.route("/import/template.xlsx")
def import_template_xlsx():
    """The template of a kind (?kind=…) as .xlsx."""
    return _template("xlsx", templates.xlsx, readers.XLSX_TYPE)


@bp.route("/import/template.csv")
def import_template_csv():
    """The template of a kind (?kind=…) as CSV."""
    return _template("csv", templates.csv, "text/csv")


@bp.route("/export", methods=["POST"])
@reports_bad_input
def export():
    """내보내기: a kind's data (?kind=…) as CSV in its import's format, after a 다운로드 사유; members'
    and participations' exports are access records (다운로드) naming every member in them."""
    kind = request.args.get("kind", "")
    if kind not in runs.KINDS:
        abort(404)
    form = DownloadReasonForm(prefix=f"export-{kind}")
    if not form.validate_on_submit():
        return _index(reasons={kind: form}, status=422)
    rows = exports.rows(kind)
    if kind != "activities":
        people = exports.member_ids(rows)
        accessed(people, "다운로드", f"{runs.LABELS[kind]} 내보내기 ({len(rows) - 1:,}줄)", form.reason.data)
    return Response(csv_text(rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{kind}.csv"', "Cache-Control": "no-store"})
