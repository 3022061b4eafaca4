"""연계 현황 and 연계실패: counts of dates by state and code, the queue's health (both polled), and the
failing dates, filtered, with 재연계 of the chosen ones."""
from flask import current_app, flash, redirect, render_template, request, url_for

from ...accounts import sites
from ...db import db_int
from ...jobs.status import queue_report
from ...linkage.state import FAILURE_CODES
from ...ops import helpdesk, monitor
from .. import htmx
from ..helpers import accessed, actor, page_arg, page_count, queued
from ..listargs import date_field_values, failure_filter, filter_args
from .blueprint import bp


def _counts_context():
    return {"counts": monitor.counts(), "oldest": monitor.format_age(monitor.oldest_pending_age())}


def _health_context():
    return {"health": queue_report(current_app)}


def _failures_context():
    filters, errors = failure_filter(request.args)
    size = current_app.config["LIST_PAGE_SIZE"]
    total, rows = monitor.failing_dates(filters, page_arg(), size)
    if rows:  # volunteers' names and dates: an access record (a search when filtered by volunteer)
        accessed([log.participation.volunteer_id for log in rows], "조회",
                 "연계실패 목록(봉사자 이름·날짜)" + (f": 봉사자 {filters.volunteer}" if filters.volunteer else ""))
    return {"filters": filters, "filter_args": filter_args(filters), "failures": rows, "failures_total": total,
            "page": page_arg(), "pages": page_count(total, size), "sites": sites.all_sites(),
            "filter_errors": errors, "codes": FAILURE_CODES,
            "date_text": date_field_values(request.args, "date_from", "date_to")}


@bp.route("/")
def index():
    """The linkage monitor: counts, queue health and the failing dates."""
    return render_template("admin/index.html", **_counts_context(), **_health_context(), **_failures_context())


@bp.route("/monitor/counts")
def counts():
    """Dates by state and code (polled); without htmx, the monitor page that holds them."""
    if not htmx.is_fragment_request():
        return redirect(url_for(".index"), 303)
    return htmx.render("admin/index.html", "admin/_counts.html", **_counts_context())


@bp.route("/monitor/health")
def health():
    """Queue health (polled); without htmx, the monitor page that holds it."""
    if not htmx.is_fragment_request():
        return redirect(url_for(".index"), 303)
    return htmx.render("admin/index.html", "admin/_health.html", **_health_context())


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
    back = url_for(".failures", **filter_args(failure_filter(request.args)[0]))
    if not ids:
        flash("재연계할 날짜를 선택해 주세요.", "error")
        return redirect(back, 303)
    outcome = helpdesk.retry_dates(ids, actor())
    for link_request in outcome.requests:
        queued(link_request)
    flash(f"{len(outcome.requests)}건의 재연계를 요청했습니다."
          + "".join(f" {p.activity.title}: {why}." for p, why in outcome.skipped), "info")
    return redirect(back, 303)
