"""What a site manager may reach: their own site's activities, participations and dates (anything
else is a 404), and how their pages show what is not theirs to see in full."""
from flask_login import current_user

from ...records import activities, dailylogs
from .. import htmx
from ..helpers import found_or_404

PAGE_LAYOUT = "site/_dialog_page.html"


def own_activity(activity_id):
    return found_or_404(activities.site_activity(current_user.site_id, activity_id))


def own_participation(participation_id):
    return found_or_404(activities.site_participation(current_user.site_id, participation_id))


def own_log(log_id):
    return found_or_404(dailylogs.site_log(current_user.site_id, log_id))


def dialog(template, status=200, **context):
    """A site's dialog: a modal for htmx, else a page of the site's pages."""
    return htmx.dialog(template, PAGE_LAYOUT, status, **context)


def masked_phone(phone):
    """A phone number with all but its last four digits hidden: '010-1234-5678' -> '***-****-5678'."""
    digits = sum(c.isdigit() for c in phone)
    seen, out = 0, []
    for c in phone:
        if c.isdigit():
            seen += 1
            out.append(c if seen > digits - 4 else "*")
        else:
            out.append(c)
    return "".join(out)
