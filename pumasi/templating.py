"""Jinja filters and globals shared by every template, and versioned static URLs."""
import hashlib

from flask_login import current_user
from werkzeug.security import safe_join

from . import config_store, hours, linkage
from .models import KST

STATE_LABELS = {linkage.REQUEST: "연계신청", linkage.LINKING: "연계중", linkage.DONE: "연계완료",
                linkage.FAILURE: "연계실패"}


def _local(moment, fmt="%Y-%m-%d %H:%M"):
    """A stored UTC timestamp shown in Korean time."""
    if moment is None:
        return ""
    from datetime import timezone
    return moment.replace(tzinfo=timezone.utc).astimezone(KST).strftime(fmt)


def page_window(page, pages, around=1):
    """The page numbers a pager shows, in order: the first, the last, and `around` either side of
    `page`; None where numbers are left out (never for a single number: that one is shown)."""
    wanted = {1, pages, *range(max(page - around, 1), min(page + around, pages) + 1)}
    shown, last = [], 0
    for n in sorted(wanted):
        if n - last == 2:
            shown.append(n - 1)
        elif n - last > 2:
            shown.append(None)
        shown.append(n)
        last = n
    return shown


def _static_versions(app):
    """url_for('static', …) adds ?v=<hash of the file>: a changed file gets a new URL, so a proxy
    may let browsers keep static files for a year (deploy/nginx/pumasi.conf)."""
    versions = {}

    @app.url_defaults
    def _version(endpoint, values):
        if endpoint != "static" or "v" in values or "filename" not in values:
            return
        filename = values["filename"]
        if filename not in versions:
            path = safe_join(app.static_folder, filename)
            try:
                with open(path or "", "rb") as f:
                    versions[filename] = hashlib.sha256(f.read()).hexdigest()[:10]
            except OSError:
                versions[filename] = None
        if versions[filename]:
            values["v"] = versions[filename]


def init_app(app):
    """Register filters and globals."""
    _static_versions(app)
    app.jinja_env.filters.update(
        hours=hours.format_minutes,
        clock=hours.format_clock,
        period=hours.format_period,
        local=_local,
    )
    app.jinja_env.globals.update(STATE_LABELS=STATE_LABELS, HTMX_VERSION=HTMX_VERSION, page_window=page_window)

    @app.context_processor
    def _globals():
        config = config_store.effective(app)
        return {"support_phone": config["SUPPORT_PHONE"], "org_name": config["ORG_NAME"], "me": current_user}


HTMX_VERSION = "2.0.11"
