"""The deployment kit in deploy/ stays true to the code: the environment file names every setting (its
commented defaults are the settings' defaults), the systemd units pass `systemd-analyze verify`, and
the README's production steps run the same commands as the units. (`nginx -t` on the site file:
tests/test_proxy.py.)"""
import os
import re
import shutil
import subprocess
import sys

import pytest

import helpers
from pumasi import settings

DEPLOY = os.path.join(helpers.ROOT, "deploy")
ENV_FILE = os.path.join(DEPLOY, "pumasi.env")
UNITS = ["pumasi-web.service", "pumasi-worker@.service", "pumasi-backup.service", "pumasi-backup.timer",
         "pumasi-access.service", "pumasi-access.timer"]
# Read by the app factory, not a Setting: where instance/ is.
NOT_SETTINGS = {"PUMASI_INSTANCE_PATH"}


def _env_lines():
    """[(name, value, commented)] of the environment file's assignments."""
    found = []
    with open(ENV_FILE, encoding="utf-8") as f:
        for line in f:
            match = re.match(r"(#?)([A-Z][A-Z0-9_]*)=(.*)$", line.rstrip("\n"))
            if match:
                value = match.group(3)
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                found.append((match.group(2), value, match.group(1) == "#"))
    return found


def test_the_environment_file_names_every_setting_once():
    names = [name for name, _, _ in _env_lines()]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    expected = {setting.env for setting in settings.SETTINGS} | NOT_SETTINGS
    assert set(names) == expected, (expected - set(names), set(names) - expected)


def test_its_commented_defaults_are_the_settings_defaults():
    by_env = {setting.env: setting for setting in settings.SETTINGS}
    for name, value, commented in _env_lines():
        if commented and value and name in by_env:  # "#NAME=" alone: unset, the default applies
            setting = by_env[name]
            expected = setting.default
            assert (settings._convert(setting, value) if value else None) == expected, (name, value, expected)


def test_it_reads_in_sh_as_systemd_reads_it(tmp_path):
    """The same file serves the units (EnvironmentFile=) and commands run by hand (deploy/pumasi-flask)."""
    out = subprocess.run(["sh", "-c", f"set -a; . {ENV_FILE}; set +a; env"], capture_output=True, text=True,
                         env={"PATH": os.environ["PATH"]}, check=True).stdout
    values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    assert values["PUMASI_ENV"] == "production" and values["PUMASI_PROXIES"] == "1"
    assert values["PUMASI_ORG_NAME"] == "문화품앗이"
    assert "PUMASI_LOGIN_LIMIT" not in values  # commented: the default applies


def _units_for_here(folder):
    """The units with the checkout, its venv and the environment file where they are on this machine."""
    env_file = folder / "pumasi.env"
    shutil.copy(ENV_FILE, env_file)
    bin_dir = os.path.dirname(sys.executable)
    for name in UNITS:
        with open(os.path.join(DEPLOY, "systemd", name)) as f:
            text = f.read()
        text = (text.replace("/srv/pumasi/.venv/bin", bin_dir).replace("/srv/pumasi", helpers.ROOT)
                .replace("/etc/pumasi/pumasi.env", str(env_file)))
        (folder / name).write_text(text)


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        helpers.missing("systemd-analyze is not installed (Debian: apt-get install systemd)")
    _units_for_here(tmp_path)
    # The worker template is verified as an instance, the way it is enabled.
    names = ["pumasi-web.service", "pumasi-worker@1.service", "pumasi-backup.service", "pumasi-backup.timer",
             "pumasi-access.service", "pumasi-access.timer"]
    result = subprocess.run([analyze, "verify", *names], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "pumasi" in line and "Failed to" not in line or "not executable" in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def _exec_start(name):
    with open(os.path.join(DEPLOY, "systemd", name)) as f:
        return re.search(r"^ExecStart=(.*)$", f.read(), re.M).group(1)


def test_the_readme_runs_what_the_units_run():
    with open(os.path.join(helpers.ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    production = readme[readme.index("## Running it in production"):]
    for unit in ("pumasi-web.service", "pumasi-worker@.service"):
        assert _exec_start(unit) in production, unit


def test_the_units_run_what_exists():
    web = _exec_start("pumasi-web.service")
    assert "--config /srv/pumasi/deploy/gunicorn.conf.py --bind 127.0.0.1:8000 app:app" in web
    with open(os.path.join(DEPLOY, "nginx", "pumasi.conf")) as f:
        assert "server 127.0.0.1:8000;" in f.read()  # where nginx sends requests
    assert _exec_start("pumasi-worker@.service") == "/srv/pumasi/.venv/bin/python worker.py"


@pytest.mark.parametrize("unit", ["pumasi-web.service", "pumasi-worker@.service"])
def test_the_units_keep_instance_files_private(unit):
    with open(os.path.join(DEPLOY, "systemd", unit)) as f:
        text = f.read()
    assert "UMask=0077" in text and "StateDirectoryMode=0700" in text and "Restart=always" in text
