"""The simulator's command line (`python -m sim1365 …`, or `flask --app app sim1365 …` on the app's store)."""
import click

from sim1365 import accounts, faults, settings

db_option = click.option("--db", default=None,
                         help=f"Store path (default: env {settings.STORE_ENV} or {settings.STORE}).")


def _cli_db(db):
    return settings.store_path(db or click.get_current_context().meta.get("sim1365.db"))


@click.group("sim1365")
@click.option("--db", envvar=settings.STORE_ENV, default=None, help=f"Store path (env {settings.STORE_ENV}).")
@click.pass_context
def cli(ctx, db):
    """1365 record-linkage simulator: accounts, faults and the HTTP server."""
    ctx.meta["sim1365.db"] = db


@cli.command("add-account")
@click.option("--name", required=True)
@click.option("--user-id", required=True, help="The 1365 ID.")
@click.option("--rrn", required=True, help="13 digits, a dash allowed; only its hash and masked form are kept.")
@click.option("--consent/--no-consent", default=False, show_default=True)
@db_option
def add_account_cmd(name, user_id, rrn, consent, db):
    """Add or update a 1365 account."""
    try:
        account = accounts.add_account(_cli_db(db), name, user_id, rrn, consent)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{account['user_id']}\t{account['name']}\t{account['rrn_masked']}\t"
               f"consent={'yes' if consent else 'no'}")


@cli.command("set-consent")
@click.argument("user_id")
@click.argument("consent", type=click.Choice(["yes", "no"]))
@db_option
def set_consent_cmd(user_id, consent, db):
    """Give (yes) or withdraw (no) an account's linkage consent."""
    try:
        accounts.set_consent(_cli_db(db), user_id, consent == "yes")
    except KeyError:
        raise click.ClickException(f"no account with user_id {user_id!r}") from None
    click.echo(f"{user_id}\tconsent={consent}")


@cli.command("list")
@db_option
def list_cmd(db):
    """List the accounts (masked RRNs only)."""
    found = accounts.list_accounts(_cli_db(db))
    if not found:
        click.echo("no accounts")
    for account in found:
        click.echo(f"{account['user_id']}\t{account['name']}\t{account['rrn_masked']}\t"
                   f"consent={'yes' if account['consent'] else 'no'}"
                   + ("\tRRN erased: add-account again" if account["rrn_missing"] else ""))


@cli.command("faults")
@click.option("--set", "pairs", multiple=True, metavar="KEY=VALUE",
              help=f"One of: {', '.join(settings.FAULT_DEFAULTS)}.")
@click.option("--clear", is_flag=True, help="Remove all run-time overrides first.")
@db_option
def faults_cmd(pairs, clear, db):
    """Show, set or clear the fault settings."""
    path = _cli_db(db)
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--set")
        values[key.strip()] = value.strip()
    if clear:
        faults.clear_faults(path)
    try:
        effective = faults.set_faults(path, **values) if values else faults.get_faults(path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for key, value in effective.items():
        click.echo(f"{key}={value:g}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, envvar=settings.PORT_ENV, default=settings.PORT, show_default=True)
@click.option("--delay", type=float, default=None,
              help=f"Answer delay in seconds (default: env {settings.DELAY_ENV} or {settings.DELAY:g}).")
@db_option
def serve_cmd(host, port, delay, db):
    """Run the simulator's HTTP server."""
    from werkzeug.serving import run_simple

    from sim1365.app import create_app

    path = _cli_db(db)
    app = create_app(path, delay=delay)
    click.echo(f"1365 simulator on http://{host}:{port} (store {path})", err=True)
    run_simple(host, port, app, threaded=True)
