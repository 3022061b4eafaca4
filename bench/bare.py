"""The limit: a bare Flask app that renders the same 활동내역 HTML from a plain list.

Same templates, filters and URLs as pumasi, nothing else: no database, no log-in, no session, no
CSRF, no rate limiter. The rows come from a JSON file written by the benchmark (BENCH_BARE_ROWS).
Served by gunicorn as `bench.bare:create_app()`.
"""
import json
import os
from datetime import date
from types import SimpleNamespace

from flask import Flask, render_template

import pumasi

# A CSRF token has this shape; the bare page shows a constant one.
TOKEN = "I" * 91


def load_rows(path):
    """The page's context from the JSON file: total, page, pages and rows (what each row shows)."""
    with open(path) as f:
        data = json.load(f)
    rows = [SimpleNamespace(id=row["id"], category=row["category"], title=row["title"], location=row["location"],
                            site_name=row["site"], start_date=date.fromisoformat(row["start_date"]),
                            end_date=date.fromisoformat(row["end_date"]), state=row["state"],
                            minutes=row["minutes"]) for row in data["rows"]]
    return {"total": data["total"], "page": data["page"], "pages": data["pages"], "rows": rows}


def create_app(rows_path=None, real=None):
    """The bare app; its URL map copies pumasi's app (`real`, else one built from the environment),
    and every endpoint but 활동내역 and its poll (a bare 204) is an empty stub."""
    real = real or pumasi.create_app()
    app = Flask("bare", template_folder=real.template_folder, static_folder=real.static_folder)
    app.jinja_env.filters.update(real.jinja_env.filters)
    app.jinja_env.globals.update({k: v for k, v in real.jinja_env.globals.items() if k != "csrf_token"},
                                 csrf_token=lambda: TOKEN)
    context = load_rows(rows_path or os.environ["BENCH_BARE_ROWS"])
    me = SimpleNamespace(is_authenticated=True, role="volunteer", name="김활동")
    constants = {"me": me, "org_name": real.config["ORG_NAME"], "support_phone": real.config["SUPPORT_PHONE"],
                 "notices": [], "poll_seconds": real.config["ROW_POLL_SECONDS"], "page_version": 0}

    def activities():
        """활동내역 from the plain list."""
        return render_template("mypage/activities.html", **constants, **context)

    def stub(**_):
        return ""

    def poll():
        """The page poll's bare answer: nothing changed (no session, no database)."""
        return "", 204

    for rule in real.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = {"mypage.activities": activities, "mypage.changes": poll}.get(rule.endpoint, stub)
        app.add_url_rule(rule.rule, endpoint=rule.endpoint, view_func=view, methods=rule.methods)
    return app
