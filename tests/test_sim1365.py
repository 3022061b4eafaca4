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

from sim1365 import accounts, faults, rules, settings, store
from sim1365.cli import cli as sim_cli

ROOT = Path(__file__).resolve().parents[1]

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
    accounts.add_account(db, KIM["name"], "vol1", KIM["rrn"], True)
    accounts.add_account(db, LEE["name"], "vol2", "880515-2345678", False)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), PUMASI_SIM1365_DELAY="0", PUMASI_SIM1365_API_KEY="sim-key")
    proc = subprocess.Popen([sys.executable, "-m", "sim1365", "serve", "--port", str(port), "--db", db],
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
        faults.clear_faults(request.getfixturevalue("server")["db"])


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


def test_a_date_may_end_at_24_00_but_not_start_there(server):
    """A night is sent as two dates: 22:00-24:00 and 00:00-02:00 of the next (docs/1365_CONTRACT.md)."""
    site = f"site-{uuid.uuid4().hex[:8]}"
    night = record(KIM, site, start="22:00", end="24:00", minutes=120)
    morning = record(KIM, site, date="2021-08-10", start="00:00", end="02:00", minutes=120)
    assert codes(server, [night, morning]) == [300, 300]
    r = post(server, [record(KIM, start="24:00", end="24:00"), record(KIM, end="24:30")])
    assert r.json()["accepted"] == [] and len(r.json()["rejected"]) == 2


def test_consent_change_then_new_ref(server):
    site = f"site-{uuid.uuid4().hex[:8]}"
    assert codes(server, [record(LEE, site)]) == [200]
    try:
        accounts.set_consent(server["db"], "vol2", True)
        assert codes(server, [record(LEE, site)]) == [300]
    finally:
        accounts.set_consent(server["db"], "vol2", False)


def test_same_ref_twice_is_recorded_once(server):
    before = accounts.stats(server["db"])
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
    faults.set_faults(server["db"], delay=1)
    rec = record(KIM)
    assert post(server, [rec]).status_code == 202
    assert results(server, [rec["ref"]])[rec["ref"]] == {"ref": rec["ref"], "status": "pending"}
    time.sleep(1.1)
    assert results(server, [rec["ref"]])[rec["ref"]]["status"] == "done"


def test_fault_error_rate(server):
    faults.set_faults(server["db"], error_rate=1)
    rec = record(KIM)
    r = post(server, [rec])
    assert (r.status_code, r.json()) == (503, {"error": "unavailable"})
    faults.clear_faults(server["db"])
    assert results(server, [rec["ref"]])[rec["ref"]]["status"] == "unknown"


def test_fault_code99(server):
    before = accounts.stats(server["db"])["recorded"]
    faults.set_faults(server["db"], code99_rate=1)
    rec = record(KIM)
    assert codes(server, [rec]) == [99]
    assert results(server, [rec["ref"]])[rec["ref"]]["message"] == "시스템 오류 입니다."
    assert accounts.stats(server["db"])["recorded"] == before


def test_fault_timeout_after_processing(server):
    faults.set_faults(server["db"], timeout_rate=1, timeout_s=2)
    rec = record(KIM)
    with pytest.raises(requests.Timeout):
        post(server, [rec], timeout=0.5)
    faults.clear_faults(server["db"])
    assert results(server, [rec["ref"]])[rec["ref"]]["code"] == 300


def test_fault_drop_after_processing(server):
    faults.set_faults(server["db"], drop_rate=1)
    rec = record(KIM)
    with pytest.raises(requests.ConnectionError):
        post(server, [rec])
    faults.clear_faults(server["db"])
    assert results(server, [rec["ref"]])[rec["ref"]]["code"] == 300


def test_fault_latency(server):
    faults.set_faults(server["db"], latency_ms=400)
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
    assert "900101-1******" in [a["rrn_masked"] for a in accounts.list_accounts(server["db"])]


def test_cli(tmp_path):
    db = str(tmp_path / "cli.db")
    run = CliRunner().invoke
    r = run(sim_cli, ["add-account", "--name", KIM["name"], "--user-id", "vol1", "--rrn", "900101-1234567",
                          "--consent", "--db", db])
    assert r.exit_code == 0, r.output
    r = run(sim_cli, ["--db", db, "add-account", "--name", LEE["name"], "--user-id", "vol2", "--rrn", LEE["rrn"]])
    assert r.exit_code == 0, r.output
    assert run(sim_cli, ["add-account", "--name", "x", "--user-id", "x", "--rrn", "123", "--db", db]).exit_code != 0
    r = run(sim_cli, ["list", "--db", db])
    assert r.exit_code == 0
    assert "vol1\t김민준\t900101-1******\tconsent=yes" in r.output
    assert "vol2\t이서연\t880515-2******\tconsent=no" in r.output
    assert KIM["rrn"][7:] not in r.output and LEE["rrn"][7:] not in r.output
    assert run(sim_cli, ["set-consent", "vol2", "yes", "--db", db]).exit_code == 0
    assert [a["consent"] for a in accounts.list_accounts(db)] == [True, True]
    assert run(sim_cli, ["set-consent", "nobody", "yes", "--db", db]).exit_code != 0
    r = run(sim_cli, ["faults", "--set", "error_rate=0.5", "--set", "delay=0", "--db", db])
    assert r.exit_code == 0 and "error_rate=0.5" in r.output and "delay=0" in r.output
    assert faults.get_faults(db)["error_rate"] == 0.5
    assert run(sim_cli, ["faults", "--set", "error_rate=2", "--db", db]).exit_code != 0
    assert run(sim_cli, ["faults", "--set", "bogus=1", "--db", db]).exit_code != 0
    r = run(sim_cli, ["faults", "--clear", "--db", db], env={"PUMASI_SIM1365_DELAY": "3"})
    assert r.exit_code == 0 and "error_rate=0" in r.output and "delay=3" in r.output
    assert accounts.stats(db) == {"accounts": 2, "submissions": 0, "recorded": 0, "received_twice": 0, "by_code": {}}
    r = run(sim_cli, ["list"], env={"PUMASI_SIM1365_DB": db})
    assert "vol1" in r.output


def test_concurrent_posts_of_one_ref_record_it_once(server):
    import threading

    before = accounts.stats(server["db"])
    rec, statuses = record(KIM), []
    threads = [threading.Thread(target=lambda: statuses.append(post(server, [rec]).status_code)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = accounts.stats(server["db"])
    assert statuses == [202] * 8
    assert after["submissions"] == before["submissions"] + 1
    assert after["recorded"] == before["recorded"] + 1
    assert results(server, [rec["ref"]])[rec["ref"]]["code"] == 300


# --- the store reveals no RRN without the simulator's secret -----------------------------------------


def _store_rows(db):
    import sqlite3
    with sqlite3.connect(db) as conn:
        return (dict(conn.execute("SELECT key, value FROM meta").fetchall()),
                conn.execute("SELECT user_id, birth7, rrn_hash FROM accounts ORDER BY id").fetchall())


def _reverse(birth7, digest, salts):
    """The reviewer's attack: every RRN with these first 7 digits, hashed as an unkeyed store would
    (SHA-256, salted with anything the store keeps, or not at all); the one that matches, or None."""
    import hashlib
    for n in range(10 ** 6):
        rrn = f"{birth7}{n:06d}"
        for salt in salts:
            if hashlib.sha256((salt + rrn).encode()).hexdigest() == digest:
                return rrn
    return None


def test_the_store_keeps_keyed_hashes_only(tmp_path, monkeypatch):
    import hashlib
    import hmac
    import stat
    monkeypatch.delenv("PUMASI_SIM1365_SECRET", raising=False)
    db = str(tmp_path / "sim1365.db")
    accounts.add_account(db, KIM["name"], "vol1", KIM["rrn"], True)
    key_file = Path(store.secret_path(db))
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = key_file.read_bytes().strip()
    assert len(secret) >= 32
    meta, [(user_id, birth7, digest)] = _store_rows(db)
    assert meta == {"hash": "hmac-sha256"} and birth7 == KIM["rrn"][:7]
    assert digest == hmac.new(secret, KIM["rrn"].encode(), hashlib.sha256).hexdigest()
    assert _reverse(birth7, digest, ["", *meta.values(), *meta.keys()]) is None
    everything = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("sim1365.db")
                          and p.name != key_file.name)
    assert KIM["rrn"].encode() not in everything and secret not in everything


def test_a_secret_from_the_setting(tmp_path, monkeypatch):
    import hashlib
    import hmac
    monkeypatch.setenv("PUMASI_SIM1365_SECRET", "a-secret-from-the-environment")
    db = str(tmp_path / "sim1365.db")
    accounts.add_account(db, KIM["name"], "vol1", KIM["rrn"], True)
    assert not Path(store.secret_path(db)).exists()
    _, [(_, _, digest)] = _store_rows(db)
    assert digest == hmac.new(b"a-secret-from-the-environment", KIM["rrn"].encode(), hashlib.sha256).hexdigest()


def test_a_store_from_before_keyed_hashes_is_cleared_of_them(tmp_path, monkeypatch):
    """The old salted SHA-256 hashes cannot become keyed ones (the store never held the RRNs): they
    are erased from the store and its files; the account answers 200 until added again."""
    import hashlib
    import sqlite3
    monkeypatch.delenv("PUMASI_SIM1365_SECRET", raising=False)
    db = str(tmp_path / "old.db")
    salt = "0123456789abcdef0123456789abcdef"
    old = hashlib.sha256((salt + KIM["rrn"]).encode()).hexdigest()
    with sqlite3.connect(db) as conn:
        conn.executescript(store.SCHEMA)
        conn.execute("INSERT INTO meta VALUES ('salt', ?)", (salt,))
        conn.execute("INSERT INTO accounts (name, user_id, birth7, rrn_hash, rrn_masked, consent, created_at) "
                     "VALUES (?, 'vol1', ?, ?, '900101-1******', 1, '2024-01-01')", (KIM["name"], KIM["rrn"][:7], old))
    assert _reverse(KIM["rrn"][:7], old, [salt]) == KIM["rrn"]  # what the old store gave away
    found = accounts.list_accounts(db)
    assert [a["rrn_missing"] for a in found] == [True]
    meta, [(_, _, digest)] = _store_rows(db)
    assert digest == "" and "salt" not in meta
    assert old.encode() not in b"".join(p.read_bytes() for p in tmp_path.iterdir())
    now = time.time()
    with store.connected(db) as conn, store.transaction(conn):
        record = {"ref": "r1", "name": KIM["name"], "site": "s", "rrn": KIM["rrn"], "date": "2024-01-01",
                  "start": "10:00", "end": "11:00", "minutes": 60}
        assert rules.receive_record(conn, record, settings.FAULT_DEFAULTS, now) == 200
    accounts.add_account(db, KIM["name"], "vol1", KIM["rrn"], True)
    with store.connected(db) as conn, store.transaction(conn):
        assert rules.receive_record(conn, {**record, "ref": "r2"}, settings.FAULT_DEFAULTS, now) == 300


def test_seed_demo_re_adds_the_demo_accounts_a_store_lost(sqlite_app):
    """`make run` on an instance that has members (seed-demo --if-empty): the demo volunteers' 1365
    accounts are added again when the simulator's store lacks them or erased their hashes."""
    runner = sqlite_app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    path = sqlite_app.config["SIM1365_DB"]
    with store.connected(path) as conn:
        conn.execute("UPDATE accounts SET rrn_hash = '' WHERE user_id = 'minjun1365'")
        conn.execute("DELETE FROM accounts WHERE user_id = 'seoyeon1365'")
    assert accounts.without_rrn(path, ["minjun1365", "seoyeon1365"]) == {"minjun1365", "seoyeon1365"}
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "not seeded" in result.output
    assert accounts.without_rrn(path, ["minjun1365", "seoyeon1365"]) == set()


def test_the_simulator_imports_nothing_of_pumasi():
    """It stands apart from the service it simulates (it could run on another machine)."""
    import ast
    modules = sorted((ROOT / "sim1365").glob("*.py"))
    assert len(modules) >= 6
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0 and not (node.module or "").startswith("pumasi"), (path.name, ast.dump(node))
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("pumasi") for alias in node.names), path.name
