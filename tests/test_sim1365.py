"""Tests for the 1365 simulator, over real HTTP against a subprocess."""
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
try:
    from pumasi import sim1365
except ImportError:
    sys.path.insert(0, str(ROOT / "pumasi"))
    import sim1365

KIM = {"name": "김민준", "rrn": "9001011234567"}   # vol1, consenting
LEE = {"name": "이서연", "rrn": "8805152345678"}   # vol2, no consent
PARK = {"name": "박지호", "rrn": "0203044567890"}  # no account
AUTH = {"Authorization": "Bearer sim-key", "X-Org-Code": "ORG1"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("sim") / "sim1365.db")
    sim1365.add_account(db, KIM["name"], "vol1", KIM["rrn"], True)
    sim1365.add_account(db, LEE["name"], "vol2", "880515-2345678", False)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), PUMASI_SIM1365_DELAY="0", PUMASI_SIM1365_API_KEY="sim-key")
    proc = subprocess.Popen([sys.executable, "-m", "pumasi.sim1365", "serve", "--port", str(port), "--db", db],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(base + "/api/v1/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError("simulator did not start")
        yield {"base": base, "db": db}
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        for rrn in (KIM["rrn"], LEE["rrn"], PARK["rrn"]):
            assert rrn.encode() not in err


@pytest.fixture(autouse=True)
def no_faults(request):
    if "server" in request.fixturenames:
        sim1365.clear_faults(request.getfixturevalue("server")["db"])


def record(person, site=None, date="2021-08-09", start="10:00", end="16:00", **extra):
    rec = {"ref": uuid.uuid4().hex, **person, "site": site or f"site-{uuid.uuid4().hex[:8]}",
           "activity": "환경 정화", "date": date, "start": start, "end": end, "minutes": 360}
    rec.update(extra)
    return rec


def post(server, recs, **kw):
    return requests.post(server["base"] + "/api/v1/records", json={"records": recs}, headers=AUTH,
                         timeout=kw.pop("timeout", 5), **kw)


def results(server, refs):
    r = requests.post(server["base"] + "/api/v1/results", json={"refs": refs}, headers=AUTH, timeout=5)
    assert r.status_code == 200
    return {x["ref"]: x for x in r.json()["results"]}


def codes(server, recs):
    r = post(server, recs)
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] == [x["ref"] for x in recs]
    res = results(server, [x["ref"] for x in recs])
    return [res[x["ref"]].get("code") for x in recs]


def test_health_and_auth(server):
    assert requests.get(server["base"] + "/api/v1/health", timeout=5).json() == {"ok": True}
    url = server["base"] + "/api/v1/records"
    body = {"records": [record(KIM)]}
    for headers in ({}, {"Authorization": "Bearer wrong", "X-Org-Code": "ORG1"}, {"Authorization": "Bearer sim-key"}):
        r = requests.post(url, json=body, headers=headers, timeout=5)
        assert (r.status_code, r.json()) == (401, {"error": "unauthorized"})
    r = requests.post(server["base"] + "/api/v1/results", json={"refs": []}, timeout=5)
    assert r.status_code == 401


def test_rules_100_200_300_400(server):
    site = "CSV 총괄운영본부"
    first, dup, lee, park = record(KIM, site), record(KIM, site), record(LEE), record(PARK)
    assert codes(server, [first]) == [300]
    assert codes(server, [dup, lee, park]) == [400, 200, 100]
    res = results(server, [first["ref"], park["ref"], "never-sent"])
    assert res[first["ref"]] == {"ref": first["ref"], "status": "done", "code": 300, "message": "연계 성공"}
    assert res[park["ref"]]["message"] == "1365 에 아이디가 존재하지 않습니다."
    assert res["never-sent"] == {"ref": "never-sent", "status": "unknown"}
    rows = requests.get(server["base"] + "/sim/records", params={"user_id": "vol1"}, timeout=5).json()["records"]
    assert {"site": site, "date": "2021-08-09", "start": "10:00", "end": "16:00", "ref": first["ref"]} in rows
    assert codes(server, [record(KIM, site, start="16:00", end="18:00", minutes=120)]) == [300]


def test_validation_and_bad_bodies(server):
    good = record(KIM)
    bad = [record(KIM, ref="bad ref!"), record(KIM, rrn="900101-1234567"), record(KIM, date="2021-13-01"),
           record(KIM, start="9:00"), record(KIM, minutes=0), record(KIM, minutes="60")]
    r = post(server, [good] + bad)
    assert r.status_code == 202
    assert r.json()["accepted"] == [good["ref"]]
    rejected = r.json()["rejected"]
    assert len(rejected) == len(bad) and all(isinstance(x["error"], str) and x["error"] for x in rejected)
    assert rejected[1]["ref"] == bad[1]["ref"] and "rrn" in rejected[1]["error"]
    url = server["base"] + "/api/v1/records"
    assert requests.post(url, data="{not json", headers=AUTH, timeout=5).status_code == 400
    assert post(server, [record(KIM)] * 501).status_code == 400


def test_consent_change_then_new_ref(server):
    site = f"site-{uuid.uuid4().hex[:8]}"
    assert codes(server, [record(LEE, site)]) == [200]
    try:
        sim1365.set_consent(server["db"], "vol2", True)
        assert codes(server, [record(LEE, site)]) == [300]
    finally:
        sim1365.set_consent(server["db"], "vol2", False)


def test_same_ref_twice_is_recorded_once(server):
    before = sim1365.stats(server["db"])
    rec = record(KIM)
    assert codes(server, [rec]) == [300]
    r = post(server, [rec])
    assert r.status_code == 202 and r.json() == {"accepted": [rec["ref"]], "rejected": []}
    assert results(server, [rec["ref"]])[rec["ref"]]["code"] == 300
    after = requests.get(server["base"] + "/sim/stats", timeout=5).json()
    assert after["recorded"] == before["recorded"] + 1
    assert after["submissions"] == before["submissions"] + 1
    assert after["received_twice"] == before["received_twice"] + 1


def test_delay_pending_then_done(server):
    sim1365.set_faults(server["db"], delay=1)
    rec = record(KIM)
    assert post(server, [rec]).status_code == 202
    assert results(server, [rec["ref"]])[rec["ref"]] == {"ref": rec["ref"], "status": "pending"}
    time.sleep(1.1)
    assert results(server, [rec["ref"]])[rec["ref"]]["status"] == "done"


def test_fault_error_rate(server):
    sim1365.set_faults(server["db"], error_rate=1)
    rec = record(KIM)
    r = post(server, [rec])
    assert (r.status_code, r.json()) == (503, {"error": "unavailable"})
    sim1365.clear_faults(server["db"])
    assert results(server, [rec["ref"]])[rec["ref"]]["status"] == "unknown"


def test_fault_code99(server):
    before = sim1365.stats(server["db"])["recorded"]
    sim1365.set_faults(server["db"], code99_rate=1)
    rec = record(KIM)
    assert codes(server, [rec]) == [99]
    assert results(server, [rec["ref"]])[rec["ref"]]["message"] == "시스템 오류 입니다."
    assert sim1365.stats(server["db"])["recorded"] == before


def test_fault_timeout_after_processing(server):
    sim1365.set_faults(server["db"], timeout_rate=1, timeout_s=2)
    rec = record(KIM)
    with pytest.raises(requests.Timeout):
        post(server, [rec], timeout=0.5)
    sim1365.clear_faults(server["db"])
    assert results(server, [rec["ref"]])[rec["ref"]]["code"] == 300


def test_fault_drop_after_processing(server):
    sim1365.set_faults(server["db"], drop_rate=1)
    rec = record(KIM)
    with pytest.raises(requests.ConnectionError):
        post(server, [rec])
    sim1365.clear_faults(server["db"])
    assert results(server, [rec["ref"]])[rec["ref"]]["code"] == 300


def test_fault_latency(server):
    sim1365.set_faults(server["db"], latency_ms=400)
    started = time.monotonic()
    assert codes(server, [record(KIM)]) == [300]
    assert time.monotonic() - started >= 0.8  # two requests, each delayed


def test_store_never_holds_plain_rrn(server):
    assert codes(server, [record(KIM), record(LEE), record(PARK)]) == [300, 200, 100]
    blob = b"".join(p.read_bytes() for p in Path(server["db"]).parent.glob("sim1365.db*"))
    assert blob
    for person in (KIM, LEE, PARK):
        rrn = person["rrn"]
        for form in (rrn, f"{rrn[:6]}-{rrn[6:]}", rrn[7:]):
            assert form.encode() not in blob
    assert "900101-1******" in [a["rrn_masked"] for a in sim1365.list_accounts(server["db"])]


def test_cli(tmp_path):
    db = str(tmp_path / "cli.db")
    run = CliRunner().invoke
    r = run(sim1365.cli, ["add-account", "--name", KIM["name"], "--user-id", "vol1", "--rrn", "900101-1234567",
                          "--consent", "--db", db])
    assert r.exit_code == 0, r.output
    r = run(sim1365.cli, ["--db", db, "add-account", "--name", LEE["name"], "--user-id", "vol2", "--rrn", LEE["rrn"]])
    assert r.exit_code == 0, r.output
    assert run(sim1365.cli, ["add-account", "--name", "x", "--user-id", "x", "--rrn", "123", "--db", db]).exit_code != 0
    r = run(sim1365.cli, ["list", "--db", db])
    assert r.exit_code == 0
    assert "vol1\t김민준\t900101-1******\tconsent=yes" in r.output
    assert "vol2\t이서연\t880515-2******\tconsent=no" in r.output
    assert KIM["rrn"][7:] not in r.output and LEE["rrn"][7:] not in r.output
    assert run(sim1365.cli, ["set-consent", "vol2", "yes", "--db", db]).exit_code == 0
    assert [a["consent"] for a in sim1365.list_accounts(db)] == [True, True]
    assert run(sim1365.cli, ["set-consent", "nobody", "yes", "--db", db]).exit_code != 0
    r = run(sim1365.cli, ["faults", "--set", "error_rate=0.5", "--set", "delay=0", "--db", db])
    assert r.exit_code == 0 and "error_rate=0.5" in r.output and "delay=0" in r.output
    assert sim1365.get_faults(db)["error_rate"] == 0.5
    assert run(sim1365.cli, ["faults", "--set", "error_rate=2", "--db", db]).exit_code != 0
    assert run(sim1365.cli, ["faults", "--set", "bogus=1", "--db", db]).exit_code != 0
    r = run(sim1365.cli, ["faults", "--clear", "--db", db], env={"PUMASI_SIM1365_DELAY": "3"})
    assert r.exit_code == 0 and "error_rate=0" in r.output and "delay=3" in r.output
    assert sim1365.stats(db) == {"accounts": 2, "submissions": 0, "recorded": 0, "received_twice": 0, "by_code": {}}
    r = run(sim1365.cli, ["list"], env={"PUMASI_SIM1365_DB": db})
    assert "vol1" in r.output


def test_concurrent_posts_of_one_ref_record_it_once(server):
    import threading

    before = sim1365.stats(server["db"])
    rec, statuses = record(KIM), []
    threads = [threading.Thread(target=lambda: statuses.append(post(server, [rec]).status_code)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = sim1365.stats(server["db"])
    assert statuses == [202] * 8
    assert after["submissions"] == before["submissions"] + 1
    assert after["recorded"] == before["recorded"] + 1
    assert results(server, [rec["ref"]])[rec["ref"]]["code"] == 300
