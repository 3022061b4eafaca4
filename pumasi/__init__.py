"""pumasi: links volunteers' activity records into Korea's 1365 volunteer portal.

The factory: an app with its settings (pumasi.settings) checked (pumasi.startup), its database, its
RRN vault, the web (pumasi.web) and the command line (pumasi.cli). The worker (pumasi.worker) builds
the same app and runs the jobs inside it."""
import os

from flask import Flask

from . import cli, settings, startup, web
from . import db as database
from .instance import ROOT, instance_path, private_folder
from .ops import access, logmask, logs
from .web import requestlog


def create_app(test_config=None):
    """Build the app: settings, database, RRN vault, web, command line."""
    logmask.install()
    app = Flask(__name__, instance_path=instance_path(test_config),
                template_folder=os.path.join(ROOT, "templates"), static_folder=os.path.join(ROOT, "static"))
    private_folder(app.instance_path)
    app.config.update(settings.load(app.instance_path, test_config))
    startup.check_settings(app, test_config)
    access.configure(app.config)
    if not app.testing:  # tests keep pytest's own log capture
        logs.configure(app.config)
    requestlog.init_app(app)  # first: a request's time includes its database connection
    database.init_app(app)
    startup.open_vault(app)
    app.before_request(lambda: startup.fit_to_serve(app))
    web.init_app(app)
    cli.init_app(app)
    return app
