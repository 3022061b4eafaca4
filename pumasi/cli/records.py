"""The access records (접속기록) from the command line: `flask audit verify`, `flask audit purge`."""
import click
from flask import current_app
from flask.cli import AppGroup

from ..clock import utcnow
from ..db import db
from ..ops import access

audit_cli = AppGroup("audit", help="The access records (접속기록): check the chain, purge old records.")


@audit_cli.command("verify")
def verify_command():
    """Check every access record against its keyed hash chain; name any edited, removed or inserted
    record; exit status 1 if any. It ends with the chain's head: noted somewhere else (a ticket, the
    monthly review's note), it shows later that the records were not rolled back to an older copy."""
    with db.connection_context():
        count, problems = access.verify()
        head = access.head()
    for problem in problems:
        click.echo(f"FAILING {problem}")
    if problems:
        click.echo(f"\n{len(problems)} problems in {count} access records")
        raise SystemExit(1)
    click.echo(f"all {count} access records verify; head #{head[0]} {head[1][:16]}")


@audit_cli.command("purge")
@click.option("--years", type=int, default=None, help="instead of PUMASI_ACCESS_RECORD_YEARS")
def purge_command(years):
    """Delete access records older than the retention (PUMASI_ACCESS_RECORD_YEARS, at least 2 while
    RRNs are held); the rest still verify, and the purge is recorded."""
    years = current_app.config["ACCESS_RECORD_YEARS"] if years is None else years
    with db.connection_context():
        try:
            deleted = access.purge(years, utcnow())
        except access.PurgeRefused as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"{deleted} access records older than {years} years deleted")
