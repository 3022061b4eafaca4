"""The schema and the demo world: `flask init-db`, `flask seed-demo`."""
import click
from flask import current_app
from flask.cli import with_appcontext

from .. import demo, migrations
from ..db import db
from ..identity import keycheck
from ..models import Member


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the schema (safe to run twice)."""
    with db.connection_context():
        before, after = migrations.upgrade()
        try:
            sealed = keycheck.verify(current_app.extensions["rrn_vault"]) == "sealed"
        except keycheck.KeyCheckError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"schema version {before} -> {after}" if before != after else f"schema is up to date ({after})")
    if sealed:
        click.echo("RRN key check value sealed with the first key of PUMASI_RRN_KEYS")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="only when the database has no members yet")
@with_appcontext
def seed_demo(if_empty):
    """Create the demo world (idempotent) and the simulator's demo accounts."""
    with db.connection_context():
        if if_empty and Member.select().exists():
            demo.seed_simulator(current_app.config["SIM1365_DB"], missing_only=True)
            click.echo("members exist: demo world not seeded")
            return
        demo.seed(sim_db=current_app.config["SIM1365_DB"])
    click.echo("demo world ready: admin, site1, site2, vol1, vol2, vol3 (password pumasi-demo)")


