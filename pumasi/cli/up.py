"""`flask up` (what `make run` runs): embedded Redis, the 1365 simulator, worker(s) and the web as
child processes of one supervisor, stopped together by Ctrl-C; and `flask sim1365 …`, the simulator's
command line on this instance's store."""
import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from sim1365 import cli as simulator_cli

from .. import demo
from ..jobs.embedded import embedded_command, embedded_paths, wait_for


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
               PUMASI_SIM1365_API_KEY=config["PORTAL_API_KEY"], PYTHONUNBUFFERED="1")
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
        if config["SIMULATED_1365"]:
            _spawn("sim1365", [sys.executable, "-m", "sim1365", "serve", "--host", "127.0.0.1",
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
@click.option("--db", default=None, help="store path (default: this instance's SIM1365_DB)")
@click.pass_context
@with_appcontext
def sim_cli(ctx, db):
    """The 1365 simulator: accounts, faults, serve (its store defaults to this app's SIM1365_DB)."""
    ctx.meta["sim1365.db"] = db or current_app.config["SIM1365_DB"]


for _command in simulator_cli.cli.commands.values():
    sim_cli.add_command(_command)


