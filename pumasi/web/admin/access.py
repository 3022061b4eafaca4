"""접속기록: the access records looked up (filtered, newest first). 접속기록 점검: the monthly review
(counts, decryptions, downloads and their reasons, access outside working hours, accounts touching
many members), signed off with a note; and the reminder every operator page shows while last month is
not signed off."""
from flask import current_app, flash, redirect, render_template, request, url_for
from peewee import DatabaseError, InterfaceError

from ...clock import today_kst
from ...ops import access_list, access_review
from ...ops.access import ACTIONS
from .. import htmx
from ..helpers import actor, page_arg, page_count
from ..listargs import access_filter, date_field_values, filter_args
from ..security import reports_bad_input
from .blueprint import bp


def _due():
    try:
        return access_review.due(today_kst())
    except (DatabaseError, InterfaceError):  # an error page while the database is away: no reminder
        return None


@bp.app_context_processor
def _reminder():
    """access_review_due() for the reminder on operator pages (asked only where it is shown)."""
    return {"access_review_due": _due}


def _page(month, note="", error=None, status=200):
    review = access_review.review(month, current_app.config)
    ended = month.next().first_day() <= today_kst()
    first = access_review.earliest()
    earlier = month.previous() if first is not None and first.key < month.key else None
    return render_template("admin/access_review.html", review=review, month=month, actions=ACTIONS, note=note,
                           error=error, ended=ended, earlier=earlier, later=month.next() if ended else None), status


@bp.route("/access-review")
def access_review_page():
    """One month's review (last month unless ?month=YYYY-MM says another)."""
    text = (request.args.get("month") or "")[:20]
    month = access_review.parse_month(text) if text else access_review.month_of(today_kst()).previous()
    if month is None:  # not a month: last month's page instead
        return redirect(url_for(".access_review_page"), 303)
    return _page(month)


@bp.route("/access-review/<month_key>/sign", methods=["POST"])
@reports_bad_input
def access_review_sign(month_key):
    """Sign a month off with the reviewer's note."""
    month = access_review.parse_month(month_key)
    if month is None:
        return redirect(url_for(".access_review_page"), 303)
    note = request.form.get("review_note", "")
    try:
        access_review.sign_off(month, note, actor(), today_kst())
    except access_review.ReviewError as exc:
        return _page(month, note[:access_review.NOTE_MAX + 100], str(exc), 422)
    flash(f"{month.label} 접속기록 점검을 완료했습니다.", "info")
    return redirect(url_for(".access_review_page", month=month.key), 303)


@bp.route("/access-records")
def access_records():
    """The access records, filtered by account, member, action and period, newest first."""
    filters, errors = access_filter(request.args)
    size = current_app.config["LIST_PAGE_SIZE"]
    total, rows = access_list.page(filters, page_arg(), size)
    return htmx.render("admin/access_records.html", "admin/_access_records.html", status=422 if errors else 200,
                       rows=rows, total=total, page=page_arg(), pages=page_count(total, size), errors=errors,
                       actions=ACTIONS, filters=filters, filter_args=filter_args(filters),
                       date_text=date_field_values(request.args, "date_from", "date_to"))
