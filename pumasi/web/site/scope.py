"""What a site manager may reach: their own site's activities, participations and dates (anything
else is a 404), and the dialogs they open."""
from flask import current_app, flash, redirect, url_for
from flask_login import current_user

from ...clock import today_kst
from ...records import activities, dailylogs, rules1365
from ...records.errors import NotAllowed
from .. import htmx
from ..helpers import found_or_404

PAGE_LAYOUT = "site/_dialog_page.html"
FLASHED_WARNINGS = 10  # the session is a cookie: a browser drops one over 4 KB, nginx a header over its buffer
MORE_WARNINGS_MESSAGE = "그 밖에 1365 확인 사항이 {count}건 더 있습니다."


def own_activity(activity_id):
    return found_or_404(activities.site_activity(current_user.site_id, activity_id))


def own_participation(participation_id):
    return found_or_404(activities.site_participation(current_user.site_id, participation_id))


def own_log(log_id):
    return found_or_404(dailylogs.site_log(current_user.site_id, log_id))


def dialog(template, status=200, **context):
    """A site's dialog: a modal for htmx, else a page of the site's pages."""
    return htmx.dialog(template, PAGE_LAYOUT, status, **context)


def rules_warnings(logs):
    """1365's rules the saved logs meet (records.rules1365): warnings shown where the date was entered."""
    return rules1365.warnings(logs, today_kst(), current_app.config["RULES_OLD_MONTHS"])


def flash_rules_warnings(warnings):
    """The warnings for the next page, after a redirect: the first FLASHED_WARNINGS and how many more
    (a file's preview listed every line's)."""
    for warning in warnings[:FLASHED_WARNINGS]:
        flash(f"1365 확인: {warning.name} {warning.date.isoformat()} — {warning.message}", "warn")
    if len(warnings) > FLASHED_WARNINGS:
        flash(MORE_WARNINGS_MESSAGE.format(count=len(warnings) - FLASHED_WARNINGS), "warn")


def carry_out(change, done, activity_id):
    """Make a change the rules may refuse (NotAllowed): (the response that follows it, None) — for htmx
    the page refreshes its lists and the dialog closes, else back to the activity with `done` —
    or (None, why it was refused)."""
    try:
        change()
    except NotAllowed as exc:
        return None, exc.message
    if htmx.is_fragment_request():
        return htmx.changed("logs-changed"), None
    flash(done)
    return redirect(url_for(".activity", activity_id=activity_id), 303), None

