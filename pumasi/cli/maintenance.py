"""Keeping an instance: `flask backup`, `flask restore`, `flask check`, `flask rrn rotate-key`,
`flask linkage sweep`."""
import os

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .. import migrations
from ..db import db
from ..identity import keycheck
from ..identity import store as identities
from ..jobs import alerting
from ..jobs.sweeper import sweep
from ..ops import backup, selfcheck


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(file):
    """Write a backup of the database to FILE (SQLite: online copy; PostgreSQL: pg_dump -Fc)."""
    try:
        kind = backup.backup(current_app.config["DATABASE_URL"], file)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{kind} backup written to {os.path.abspath(file)} (mode 0600; the RRN keys are not in it)")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="do not ask before replacing the database")
@with_appcontext
def restore_command(file, yes):
    """Replace the whole database with the backup in FILE (stop the web and the workers first)."""
    if not yes:
        click.confirm("This replaces the whole database with the backup. Are the web and the workers "
                      "stopped, and go on?", abort=True)
    db.close_all()  # this process's idle connections would hold the old database open
    try:
        kind = backup.restore(current_app.config["DATABASE_URL"], file)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    with db.connection_context():
        before, after = migrations.upgrade()
        click.echo(f"{kind} database restored from {file} (schema version {before}"
                   + (f", upgraded to {after})" if after != before else ")"))
        try:
            keycheck.verify(current_app.extensions["rrn_vault"])
        except keycheck.KeyCheckError as exc:
            raise click.ClickException(f"restored, but {exc}") from None
    click.echo("the RRN keys open the restored database")


@click.command("check")
@click.option("--web-processes", type=int, default=None, help="instead of PUMASI_WEB_PROCESSES")
@click.option("--web-threads", type=int, default=None, help="instead of PUMASI_WEB_THREADS")
@click.option("--workers", type=int, default=None, help="instead of PUMASI_WORKERS")
@with_appcontext
def check_command(web_processes, web_threads, workers):
    """Check this instance against what production needs; exit status 1 if anything fails."""
    items = selfcheck.run(current_app, web_processes, web_threads, workers)
    for item in items:
        click.echo(f"{'ok' if item.ok else 'FAILING':8} {item.name}: {item.detail}")
    failing = [item.name for item in items if not item.ok]
    if failing:
        click.echo(f"\n{len(failing)} of {len(items)} items failing: {', '.join(failing)}")
        raise SystemExit(1)
    click.echo(f"\nall {len(items)} items ok")


rrn_cli = AppGroup("rrn", help="The RRN vault.")


@rrn_cli.command("rotate-key")
def rotate_key():
    """Re-encrypt every stored RRN under the first key of PUMASI_RRN_KEYS (audited per member)."""
    with db.connection_context():
        count = identities.rotate_all(current_app.extensions["rrn_vault"])
    click.echo(f"re-encrypted {count} identities; key check value sealed with the first key")


linkage_cli = AppGroup("linkage", help="The linkage queue.")


@linkage_cli.command("sweep")
def sweep_command():
    """Re-queue link requests that stalled (lost jobs, dead workers, Redis outages), and check the
    operators' alerts (what `python worker.py` does every LINK_SWEEP_INTERVAL)."""
    app = current_app._get_current_object()
    click.echo(f"re-queued {sweep(app)} requests")
    for kind, event in alerting.run(app).items():
        click.echo(f"alert {kind} {event}")


