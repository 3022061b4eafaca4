"""The 1365 adapter: chosen by PUMASI_1365_ADAPTER, checked by the test kit an adapter author runs
(`python -m pumasi.portal.testkit package.module:Class`), and pumasi's own HTTP adapter passes it."""
import os
import subprocess

import pytest

from pumasi import create_app
from pumasi.jobs import tasks
from pumasi.portal import testkit
from pumasi.portal.adapter import Adapter, PortalError
from pumasi.portal.http import HttpAdapter

import helpers
from helpers import child_env, ctx, outcomes, request_all, wait_until_final

TESTS = os.path.dirname(os.path.abspath(__file__))


class CountingAdapter(HttpAdapter):
    """pumasi's HTTP adapter that also writes how many records each submission carried to the file
    PUMASI_TEST_ADAPTER_LOG names (so a test sees that the worker used this class)."""

    def submit(self, records):
        with open(os.environ["PUMASI_TEST_ADAPTER_LOG"], "a") as log:
            log.write(f"{len(records)}\n")
        return super().submit(records)


class SwallowingAdapter(HttpAdapter):
    """A broken adapter: it takes a failure to reach 1365 for an answer (the kit must say so)."""

    def submit(self, records):
        try:
            return super().submit(records)
        except PortalError:
            return set(), {}


class TalkativeAdapter(HttpAdapter):
    """A broken adapter: its errors carry the records, RRNs and all (the kit must say so)."""

    def submit(self, records):
        try:
            return super().submit(records)
        except PortalError as exc:
            raise PortalError(f"{exc}: {records}") from None


class NotAnAdapter:
    pass


def test_the_kit_passes_pumasis_http_adapter():
    said = []
    outcomes_ = testkit.run("pumasi.portal.http:HttpAdapter", echo=said.append)
    assert len(outcomes_) == len(testkit.CHECKS) >= 10
    assert [name for name, problem in outcomes_ if problem] == [], said
    assert all(line.startswith("ok ") for line in said)


@pytest.mark.parametrize("adapter, failing", [
    ("test_portal:SwallowingAdapter", {"HTTP 503", "answer lost", "too slow", "no RRN"}),  # no error seen at all
    ("test_portal:TalkativeAdapter", {"no RRN"}),
])
def test_the_kit_finds_what_is_wrong_with_an_adapter(adapter, failing):
    failed = {name for name, problem in testkit.run(adapter, echo=lambda line: None) if problem}
    assert failed and all(any(word in name for word in failing) for name in failed), failed
    assert all(any(word in name for name in failed) for word in failing), failed


def test_the_kit_from_the_command_line():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([helpers.ROOT, TESTS]))
    good = subprocess.run([helpers.python(), "-m", "pumasi.portal.testkit"], cwd=helpers.ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stdout + good.stderr
    assert f"{len(testkit.CHECKS)} of {len(testkit.CHECKS)} checks passed" in good.stdout
    bad = subprocess.run([helpers.python(), "-m", "pumasi.portal.testkit", "test_portal:SwallowingAdapter"],
                         cwd=helpers.ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "FAILED" in bad.stdout, bad.stdout + bad.stderr


def test_the_adapter_of_the_setting_carries_the_linkage(app, stack, demo, tmp_path):
    """PUMASI_1365_ADAPTER names another class: the worker sends every date through it."""
    log = tmp_path / "adapter.log"
    app.config["PORTAL_ADAPTER"] = "test_portal:CountingAdapter"
    stack.start_sim()
    stack.processes.start("worker", [helpers.python(), "worker.py"], child_env(
        app, PYTHONPATH=os.pathsep.join([helpers.ROOT, TESTS]), PUMASI_TEST_ADAPTER_LOG=log))
    request_all(app, ["vol1"])
    found = wait_until_final(app, ["vol1"], 30, stack)
    assert {code for _, _, code in found.values()} == {300}
    assert sum(int(n) for n in log.read_text().split()) == len(outcomes(app, ["vol1"]))
    with ctx(app):
        assert isinstance(tasks.portal_for(app).adapter, CountingAdapter)


@pytest.mark.parametrize("path, why", [
    ("no.such.module:Adapter", "cannot be imported"),
    ("test_portal:NotAnAdapter", "not a subclass"),
    ("pumasi.portal.http", "not of the form"),
])
def test_an_adapter_that_cannot_be_used_stops_the_start(tmp_path, redis_url, path, why):
    with pytest.raises(RuntimeError, match=f"PUMASI_1365_ADAPTER.*{why}"):
        create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                    "REDIS_URL": redis_url, "PORTAL_ADAPTER": path, "TESTING": True})
    assert issubclass(HttpAdapter, Adapter)
