"""A test kit for a 1365 adapter: runs it against the 1365 simulator and checks what pumasi relies on.

    python -m pumasi.portal.testkit package.module:Class [--set KEY=VALUE …]

(no class: the one PUMASI_1365_ADAPTER names, else pumasi's HTTP client). The kit starts the simulator
on a free port of this machine, with a store in a temporary folder holding the demo volunteers' 1365
accounts, builds the adapter with settings that point at it (PORTAL_URL, PORTAL_API_KEY, ORG_CODE,
PORTAL_TIMEOUT, and any --set), runs each check and prints `ok` or `FAILED` with the reason; the exit
status is 1 when a check failed. So the adapter must reach the simulator with those settings: one that
speaks the contract's HTTP with more (client certificates, a gateway's headers, another path) does.
pumasi's own suite runs the kit against its HTTP adapter (tests/test_portal.py).
"""
import argparse
import contextlib
import itertools
import os
import re
import sys
import tempfile
import threading
import time
from datetime import date, timedelta

from werkzeug.serving import make_server

from sim1365 import accounts, faults
from sim1365.app import create_app

from ..demo import VOLUNTEERS
from .adapter import PortalError, adapter_class

DEFAULT_ADAPTER = "pumasi.portal.http:HttpAdapter"
KEY, ORG, DELAY, TIMEOUT = "testkit-key", "TESTKIT", 0.5, 2.0
# The demo volunteers (pumasi.demo; their RRNs fail the pre-2020 check digit, so none is a person's):
# {who: (name, 1365 ID, RRN, consent, the code 1365 answers)}.
_CODES = {True: ("consenting", 300), False: ("without consent", 200), None: ("without an account", 100)}
PEOPLE = {_CODES[consent][0]: (name, user_id, rrn.replace("-", ""), consent, _CODES[consent][1])
          for _, name, user_id, rrn, consent in VOLUNTEERS}
CHECKS = []


def check(name):
    """Register a check: a function of the kit that raises AssertionError with what went wrong."""
    def register(function):
        CHECKS.append((name, function))
        return function
    return register


class Kit:
    """The simulator in a thread, the adapter pointed at it, and what the checks share."""

    def __init__(self, adapter_path, settings=None):
        self.folder = tempfile.TemporaryDirectory(prefix="pumasi-testkit-")
        self.store = os.path.join(self.folder.name, "sim1365.db")
        for name, user_id, rrn, consent, _ in PEOPLE.values():
            if user_id:
                accounts.add_account(self.store, name, user_id, rrn, consent)
        faults.set_faults(self.store, delay=DELAY)
        self.server = make_server("127.0.0.1", 0, create_app(self.store, api_key=KEY), threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.config = {"PORTAL_URL": f"http://127.0.0.1:{self.server.server_port}", "PORTAL_API_KEY": KEY,
                       "ORG_CODE": ORG, "PORTAL_TIMEOUT": TIMEOUT, "PORTAL_ADAPTER": adapter_path,
                       **(settings or {})}
        self.adapter = adapter_class(adapter_path)(self.config)
        self.errors = []  # every PortalError's text: none may hold an RRN
        self._dates = itertools.count()

    def close(self):
        self.server.shutdown()
        self.folder.cleanup()

    def record(self, who="consenting", **changes):
        """A record of the contract for one of PEOPLE, on a date no other record of the kit has."""
        name, _, rrn, _, _ = PEOPLE[who]
        day = date(2020, 1, 1) + timedelta(days=next(self._dates))
        ref = f"kit{os.getpid()}x{day:%Y%m%d}x{who[:3]}"
        return {"ref": ref, "name": name, "rrn": rrn, "site": "테스트 활동처", "activity": "테스트 활동",
                "date": day.isoformat(), "start": "10:00", "end": "12:00", "minutes": 120, **changes}

    def submitted(self, records):
        accepted, rejected = self.adapter.submit(records)
        assert set(accepted) == {r["ref"] for r in records} and not rejected, (accepted, rejected)

    def answers(self, refs, seconds=10.0):
        """The adapter's answers once none is pending any more."""
        deadline = time.monotonic() + seconds
        while True:
            found = self.adapter.results(refs)
            if all(found.get(ref, ("pending",))[0] != "pending" for ref in refs) or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def refused(self, call):
        """call() must raise PortalError (kept, to be searched for RRNs)."""
        try:
            call()
        except PortalError as exc:
            self.errors.append(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - said as the failure
            raise AssertionError(f"raised {type(exc).__name__}, not PortalError: pumasi retries only PortalError")
        raise AssertionError("returned instead of raising PortalError: dates would be taken as sent")

    @contextlib.contextmanager
    def fault(self, **values):
        faults.set_faults(self.store, **values)
        try:
            yield
        finally:
            faults.clear_faults(self.store)
            faults.set_faults(self.store, delay=DELAY)


@check("health: the simulator answers")
def _health(kit):
    ok, detail = kit.adapter.health()
    assert ok is True and isinstance(detail, str), (ok, detail)


@check("submit: a date of each person accepted, then pending, then answered 300, 200 and 100")
def _codes(kit):
    records = {who: kit.record(who) for who in PEOPLE}
    kit.submitted(list(records.values()))
    early = kit.adapter.results([r["ref"] for r in records.values()])
    assert {found[0] for found in early.values()} == {"pending"}, f"before the delay: {early}"
    found = kit.answers([r["ref"] for r in records.values()])
    for who, record in records.items():
        status, code, message = found[record["ref"]]
        assert (status, code) == ("done", PEOPLE[who][4]) and message, (who, found[record["ref"]])


@check("a ref sent again is accepted and recorded once")
def _same_ref(kit):
    record = kit.record()
    kit.submitted([record])
    before = accounts.stats(kit.store)
    kit.submitted([record])
    after = accounts.stats(kit.store)
    assert (after["submissions"], after["recorded"]) == (before["submissions"], before["recorded"]), after
    assert after["received_twice"] == before["received_twice"] + 1, after
    assert kit.answers([record["ref"]])[record["ref"]][:2] == ("done", 300)


@check("the same date under a new ref is answered 400 (duplicate)")
def _duplicate(kit):
    record = kit.record()
    kit.submitted([record])
    again = dict(record, ref=record["ref"] + "b")
    kit.submitted([again])
    assert kit.answers([again["ref"]])[again["ref"]][:2] == ("done", 400)


@check("a malformed record is rejected by its ref, the others of the call accepted")
def _rejected(kit):
    good, bad = kit.record(), kit.record(date="2021-13-01")
    accepted, rejected = kit.adapter.submit([good, bad])
    assert set(accepted) == {good["ref"]}, accepted
    assert set(rejected) == {bad["ref"]} and rejected[bad["ref"]], rejected


@check("a ref 1365 never received is unknown")
def _unknown(kit):
    assert kit.adapter.results(["kit-never-sent"])["kit-never-sent"][0] == "unknown"


@check("500 records in one call (the contract's most)")
def _batch(kit):
    records = [kit.record() for _ in range(500)]
    kit.submitted(records)
    assert len(kit.adapter.results([r["ref"] for r in records])) == 500


@check("1365 failing (HTTP 503): submit and results raise PortalError, health says so")
def _failing(kit):
    with kit.fault(error_rate=1):
        kit.refused(lambda: kit.adapter.submit([kit.record()]))
        kit.refused(lambda: kit.adapter.results(["kit-never-sent"]))
        ok, detail = kit.adapter.health()
        assert ok is False and detail, (ok, detail)


@check("an answer lost after 1365 recorded the dates: PortalError; sent again, recorded once")
def _lost(kit):
    record = kit.record()
    with kit.fault(drop_rate=1):
        kit.refused(lambda: kit.adapter.submit([record]))
    kit.submitted([record])
    assert kit.answers([record["ref"]])[record["ref"]][:2] == ("done", 300)
    assert accounts.recorded_for(kit.store, "minjun1365").count(
        {"site": record["site"], "date": record["date"], "start": "10:00", "end": "12:00", "ref": record["ref"]}) == 1


@check(f"1365 too slow: PortalError within PORTAL_TIMEOUT ({TIMEOUT:g} s) and a little")
def _slow(kit):
    with kit.fault(timeout_rate=1, timeout_s=TIMEOUT + 3):
        started = time.monotonic()
        kit.refused(lambda: kit.adapter.submit([kit.record()]))
        assert time.monotonic() - started < TIMEOUT + 2, f"took {time.monotonic() - started:.1f} s"


@check("no RRN in any error")
def _no_rrn(kit):
    rrns = [rrn for _, _, rrn, _, _ in PEOPLE.values()]
    found = [text for text in kit.errors for rrn in rrns if re.search(f"{rrn[:6]}-?{rrn[6:]}|{rrn[6:]}", text)]
    assert kit.errors and not found, found


def run(adapter_path=DEFAULT_ADAPTER, settings=None, echo=print):
    """Run every check against the adapter; [(check, None or what went wrong)], each echoed."""
    kit = Kit(adapter_path, settings)
    outcomes = []
    try:
        for name, function in CHECKS:
            try:
                function(kit)
                problem = None
            except AssertionError as exc:
                problem = str(exc) or "failed"
            except Exception as exc:  # noqa: BLE001 - an adapter's error is the check's failure
                problem = f"{type(exc).__name__}: {exc}"
            outcomes.append((name, problem))
            echo(f"{'ok' if problem is None else 'FAILED':7} {name}" + (f": {problem}" if problem else ""))
    finally:
        kit.close()
    return outcomes


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pumasi.portal.testkit", description=__doc__.split("\n")[0])
    parser.add_argument("adapter", nargs="?", help="package.module:Class (default: PUMASI_1365_ADAPTER or "
                                                  f"{DEFAULT_ADAPTER})")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="another setting the adapter reads")
    args = parser.parse_args(argv)
    path = args.adapter or os.environ.get("PUMASI_1365_ADAPTER") or DEFAULT_ADAPTER
    settings = dict(pair.split("=", 1) for pair in args.set)
    failed = [name for name, problem in run(path, settings) if problem]
    print(f"\n{len(CHECKS) - len(failed)} of {len(CHECKS)} checks passed ({path})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
