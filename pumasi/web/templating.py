"""Jinja filters and globals shared by every template, and versioned static URLs."""
import hashlib

from flask_login import current_user
from werkzeug.security import safe_join

from .. import inputs
from ..clock import korean_time
from ..linkage.state import PARTICIPATION_LABELS, REQUEST_LABELS, DateState, ParticipationState, date_label
from ..ops import console_settings
from ..ops.audit_labels import TARGET_LABELS, action_label, target_label
from ..records import hours

HTMX_VERSION = "2.0.11"


def _local(moment, fmt="%Y-%m-%d %H:%M"):
    """A stored UTC timestamp shown in Korean time."""
    moment = korean_time(moment)
    return "" if moment is None else moment.strftime(fmt)


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
        end_clock=hours.format_end,
        period=hours.format_period,
        local=_local,
        audit_label=action_label,
        target_label=target_label,
    )
    # One label table for every screen (pumasi.linkage.state): a participation's state, a date's.
    app.jinja_env.globals.update(PARTICIPATION_LABELS=PARTICIPATION_LABELS, REQUEST_LABELS=REQUEST_LABELS,
                                 date_label=date_label, DateState=DateState, ParticipationState=ParticipationState,
                                 HTMX_VERSION=HTMX_VERSION, page_window=page_window,
                                 AUDIT_TARGETS=TARGET_LABELS, INPUT_REFUSALS=inputs.REFUSALS)

    @app.context_processor
    def _globals():
        config = console_settings.effective(app)
        return {"support_phone": config["SUPPORT_PHONE"], "org_name": config["ORG_NAME"], "me": current_user,
                "signup_open": config["SIGNUP"] == "on"}
