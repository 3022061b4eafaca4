"""The command line (`flask --app app …`): the schema and demo (`schema`), members (`members`), keeping
an instance (`maintenance`), the access records (`records`: `flask audit verify|purge`), and running
everything (`up`). While a setting stops the service from
starting, every command but `check`, `backup` and `restore` refuses (Commands)."""
import functools
import logging
import time

import click
from flask.cli import AppGroup

from . import maintenance, members, records, schema, up

log = logging.getLogger(__name__)


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
    for command in (schema.init_db, schema.seed_demo, members.create_user, members.rename_user,
                    members.set_password, maintenance.backup_command, maintenance.restore_command,
                    maintenance.check_command, maintenance.rrn_cli, maintenance.linkage_cli, records.audit_cli,
                    up.up, up.sim_cli):
        app.cli.add_command(command)
    for name, command in app.cli.commands.items():
        _logged(command, name)
