"""Command line: init-db, seed-demo, create-user, rename-user, set-password, backup, restore, check,
rrn rotate-key, linkage sweep, sim1365, up."""
import functools
import logging
import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from peewee import IntegrityError

from . import audit, backup, demo, keycheck, migrations, passwords, selfcheck, sim1365, usernames
from .db import db, unique_columns
from .models import ROLES, Identity, Member, Site
from .queue import embedded_command, embedded_paths, wait_for

log = logging.getLogger(__name__)


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


def _read_password(from_stdin):
    """A new password from standard input (one line) or asked twice; the rules checked."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    if passwords.rule_error(password):
        raise click.ClickException(f"the password must have {passwords.MIN_LENGTH} to {passwords.MAX_LENGTH} "
                                   "characters")
    return password


@click.command("create-user")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--username", required=True)
@click.option("--name", required=True)
@click.option("--site", "site_name", default=None, help="site (활동처) name, for --role site")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
def create_user(role, username, name, site_name, password_stdin):
    """Create a member (the first operator of a real deployment, for instance)."""
    username = usernames.normalize(username)
    if usernames.problem(username):  # the rule of the operators' form, in English here
        raise click.ClickException("the username must be 3 to 40 of A-Z a-z 0-9 _ . - "
                                   f"and not start with {usernames.REMOVED_PREFIX!r}")
    password = _read_password(password_stdin)
    if role == "site" and not site_name:
        raise click.ClickException("--site is required for a site manager")
    taken = click.ClickException(f"username {username!r} exists already (user names are compared "
                                 "ignoring case and width)")
    with db.connection_context():
        try:
            with db.atomic():
                if Member.select().where(Member.named(username)).exists():
                    raise taken
                site = Site.get_or_create(name=site_name)[0] if site_name else None
                member = Member(username=username, name=name, role=role, site=site)
                member.set_password(password)
                member.save()
                audit.record("member.create", target=member, detail=f"role {role} (command line)")
        except IntegrityError as exc:  # created by someone else at the same moment
            if unique_columns(exc) & {"username", "username_key"}:
                raise taken from None
            raise
    click.echo(f"created {role} {username}")


@click.command("rename-user")
@click.argument("old")
@click.argument("new")
@with_appcontext
def rename_user(old, new):
    """Give a member another user name (audited; their sessions end). Works before and after the
    migration that compares names ignoring case and width, to settle names it finds colliding."""
    new = usernames.normalize(new)
    if usernames.problem(new):
        raise click.ClickException("the new username must be 3 to 40 of A-Z a-z 0-9 _ . -")
    with db.connection_context(), db.atomic():
        # Only id and username are read: the key column may not exist yet (before migration 7).
        rows = list(Member.select(Member.id, Member.username).tuples())
        found = [member_id for member_id, username in rows if username == old]
        if not found:
            raise click.ClickException(f"no member with username {old!r}")
        if any(usernames.key(username) == usernames.key(new) for member_id, username in rows
               if member_id != found[0]):
            raise click.ClickException(f"username {new!r} is taken (names are compared ignoring case and width)")
        changes = {Member.username: new, Member.session_version: Member.session_version + 1}
        if "username_key" in {column.name for column in db.get_columns("member")}:
            changes[Member.username_key] = usernames.key(new)
        Member.update(changes).where(Member.id == found[0]).execute()
        audit.record("member.rename", target=Member(id=found[0]), detail=f"{old} -> {new} (command line)")
    click.echo(f"renamed {old} to {new}")


@click.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--temporary", is_flag=True, help="the member must change it at the next log-in")
@with_appcontext
def set_password(username, password_stdin, temporary):
    """Set a member's password (ends every session of theirs; audited)."""
    with db.connection_context():
        member = Member.get_or_none(Member.named(username), Member.removed_at.is_null())
        if member is None:
            raise click.ClickException(f"no member with username {username!r}")
        password = _read_password(password_stdin)
        passwords.set_from_command_line(member, password, temporary=temporary)
    click.echo(f"password of {username} set" + (" (to be changed at the next log-in)" if temporary else ""))


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
    vault = current_app.extensions["rrn_vault"]
    count = 0
    with db.connection_context():
        for identity in Identity.select(Identity.id, Identity.member, Identity.rrn_token):
            # One transaction per identity, each with its audit row: an interrupted run is simply
            # run again (a token already under the first key is sealed again, and audited again).
            with db.atomic():
                Identity.update(rrn_token=vault.rotate(identity.rrn_token)) \
                    .where(Identity.id == identity.id).execute()
                audit.record_many("rrn.rotate", "Member", [(identity.member_id,
                                                            "re-encrypted under the first key (command line)")])
            count += 1
        keycheck.reseal(vault)
        audit.record("rrn.rotate", detail=f"{count} identities re-encrypted; key check value sealed again")
    click.echo(f"re-encrypted {count} identities; key check value sealed with the first key")


linkage_cli = AppGroup("linkage", help="The linkage queue.")


@linkage_cli.command("sweep")
def sweep_command():
    """Re-queue link requests that stalled (lost jobs, dead workers, Redis outages)."""
    from .jobs import sweep
    click.echo(f"re-queued {sweep(current_app._get_current_object())} requests")


def _spawn(name, argv, env, children):
    # Own session: Ctrl-C reaches only this supervisor, which stops the children in order.
    process = subprocess.Popen(argv, env=env, start_new_session=True)
    children.append((name, process))
    return process


def _stop(children):
    """Stop the children one by one, newest first, so the worker finishes before Redis goes."""
    for _, process in reversed(children):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@click.command("up")
@click.option("--workers", default=1, show_default=True, help="RQ worker processes")
@with_appcontext
def up(workers):
    """Run everything: embedded Redis (if REDIS_URL is unset), 1365 simulator, worker(s), web."""
    config = current_app.config
    instance = current_app.instance_path
    env = dict(os.environ, PUMASI_INSTANCE_PATH=instance, PUMASI_SIM1365_DB=config["SIM1365_DB"],
               PYTHONUNBUFFERED="1")
    children = []
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, lambda *_: sys.exit(0))
    try:
        if not config["REDIS_URL"]:
            sock = embedded_paths(instance)["sock"]
            url = f"unix://{sock}"
            try:
                wait_for(url, 0.2)
            except RuntimeError:
                _spawn("redis", embedded_command(instance, daemonize=False), env, children)
                wait_for(url)
            env["REDIS_URL"] = url
        if not os.environ.get("PUMASI_1365_URL"):
            _spawn("sim1365", [sys.executable, "-m", "pumasi.sim1365", "serve", "--host", "127.0.0.1",
                               "--port", str(config["SIM1365_PORT"]), "--db", config["SIM1365_DB"]],
                   env, children)
        for _ in range(workers):
            _spawn("worker", [sys.executable, "worker.py"], env, children)
        bind = f"{config['HOST']}:{config['PORT']}"
        _spawn("web", [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind", bind,
                       "--control-socket", os.path.join(instance, "gunicorn.ctl"), "app:app"], env, children)
        click.echo(f"\n  pumasi: http://{bind}/\n  1365 simulator: {config['PORTAL_URL']}\n"
                   f"  log-ins (password {demo.PASSWORD}): vol1, vol2, vol3 (volunteers), "
                   f"site1, site2 (sites), admin (operator)\n  Ctrl-C stops everything.\n")
        while True:
            for name, process in children:
                if process.poll() is not None:
                    raise click.ClickException(f"{name} stopped (exit {process.returncode})")
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("stopping…")
    finally:
        _stop(children)


@click.group("sim1365")
@click.option("--db", envvar="PUMASI_SIM1365_DB", default=None, help="store path (default: SIM1365_DB)")
@click.pass_context
@with_appcontext
def sim_cli(ctx, db):
    """The 1365 simulator: accounts, faults, serve (its store defaults to this app's SIM1365_DB)."""
    ctx.meta["sim1365.db"] = db or current_app.config["SIM1365_DB"]


for _command in sim1365.cli.commands.values():
    sim_cli.add_command(_command)


def _logged(command, name):
    """Log the end of every run of the command (or of each command of a group): its name, how long
    it took or the type of its error, so the log shows what was done on the command line as it shows
    the web's requests and the worker's jobs. Never its arguments (user names, passwords)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _logged(sub, f"{name} {sub.name}")
        return
    callback = command.callback
    if callback is None or getattr(callback, "logs_its_end", False):
        return

    @functools.wraps(callback)
    def run(*args, **kwargs):
        started = time.monotonic()
        try:
            result = callback(*args, **kwargs)
        except (click.exceptions.Exit, KeyboardInterrupt):
            raise
        except Exception as exc:
            log.warning("command %s failed after %.2fs (%s)", name, time.monotonic() - started, type(exc).__name__)
            raise
        log.info("command %s done in %.2fs", name, time.monotonic() - started)
        return result

    run.logs_its_end = True
    command.callback = run


class Commands(AppGroup):
    """The app's commands. While a setting stops the service from starting (RRN keys that fail the key
    check, an endpoint RRNs must not go to, a short secret key in production: pumasi.start_problem)
    each refuses to run with the message, except those made for that moment: `check` reports it,
    `backup` and `restore` copy the database as it is."""

    RUN_ANYWAY = {"check", "backup", "restore"}

    def __init__(self, app):
        super().__init__(app.name)
        self.app = app

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        problems = self.app.extensions.get("start_problems")
        if command is None or not problems or name in self.RUN_ANYWAY:
            return command

        def refuse():
            raise click.ClickException("\n".join(problems))
        return click.Command(name, callback=refuse, help=command.help, add_help_option=False,
                             context_settings={"ignore_unknown_options": True, "allow_extra_args": True})


def init_app(app):
    """Register the commands."""
    commands = Commands(app)
    commands.commands.update(app.cli.commands)
    app.cli = commands
    for command in (init_db, seed_demo, create_user, rename_user, set_password, backup_command, restore_command,
                    check_command, rrn_cli, linkage_cli, up, sim_cli):
        app.cli.add_command(command)
    for name, command in app.cli.commands.items():
        _logged(command, name)
