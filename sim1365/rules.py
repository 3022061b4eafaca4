"""How the simulator answers one date, as 1365's rules give (docs/1365_CONTRACT.md): the account is
found by name and birth date (the RRN's first seven digits); none → 100; found, but no consent or
another full RRN → 200; the same person, site, date and times already recorded → 400; else 300.
A code-99 fault answers 99 and records nothing."""
from __future__ import annotations

import datetime
import hmac
import random
import re

from sim1365.store import rrn_hash

MESSAGES = {
    99: "시스템 오류 입니다.",
    100: "1365 에 아이디가 존재하지 않습니다.",
    200: "1365 연계동의를 되어있지 않거나, 본인인증 주민등록번호와 1365 주민등록번호가 일치하지 않습니다.",
    300: "연계 성공",
    400: "연계 성공(중복)",
}
MAX_RECORDS, MAX_REFS = 500, 1000
REF_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
TIME_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
END_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")  # an end may be midnight, the end of the date


def _date_problem(text):
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
            raise ValueError
        datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        return "date must be YYYY-MM-DD"
    return None


def validate_record(rec) -> str | None:
    """Return an English error for an invalid record, or None if it is valid."""
    if not isinstance(rec, dict):
        return "record must be an object"
    if not isinstance(rec.get("ref"), str) or not REF_RE.fullmatch(rec["ref"]):
        return "ref must be 1-64 characters of [A-Za-z0-9_-]"
    for key in ("name", "site"):
        if not isinstance(rec.get(key), str) or not rec[key].strip():
            return f"{key} is required"
    if not isinstance(rec.get("activity", ""), str):
        return "activity must be a string"
    if not isinstance(rec.get("rrn"), str) or not re.fullmatch(r"\d{13}", rec["rrn"]):
        return "rrn must be 13 digits"
    problem = _date_problem(rec.get("date"))
    if problem:
        return problem
    for key, pattern in (("start", TIME_RE), ("end", END_RE)):
        if not isinstance(rec.get(key), str) or not pattern.fullmatch(rec[key]):
            return f"{key} must be HH:MM"
    minutes = rec.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 1440:
        return "minutes must be an integer from 1 to 1440"
    return None


def _evaluate(conn, rec: dict, birth7: str):
    """(code, account id) for a record 1365 has not seen before; a 300 records it."""
    rows = conn.execute("SELECT id, consent, rrn_hash FROM accounts WHERE name = ? AND birth7 = ? ORDER BY id",
                        (rec["name"], birth7)).fetchall()
    digest = rrn_hash(conn, rec["rrn"])
    matches = [r for r in rows if r["consent"] and hmac.compare_digest(r["rrn_hash"], digest)]
    if not rows:
        return 100, None
    if not matches:
        return 200, rows[0]["id"]
    account_id = matches[0]["id"]
    recorded = conn.execute('INSERT OR IGNORE INTO recorded (account_id, site, date, "start", "end", ref)'
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            (account_id, rec["site"], rec["date"], rec["start"], rec["end"], rec["ref"])).rowcount
    return (300 if recorded else 400), account_id


def receive_record(conn, rec: dict, faults: dict, now: float) -> int | None:
    """Store and evaluate one valid record inside the caller's transaction; None if the ref was known."""
    birth7 = rec["rrn"][:7]
    cur = conn.execute(
        'INSERT OR IGNORE INTO submissions (ref, name, birth7, site, activity, date, "start", "end", minutes,'
        " received_at, release_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (rec["ref"], rec["name"], birth7, rec["site"], rec.get("activity", ""), rec["date"], rec["start"],
         rec["end"], rec["minutes"], now, now + faults["delay"]))
    if not cur.rowcount:
        conn.execute("UPDATE submissions SET times_received = times_received + 1 WHERE ref = ?", (rec["ref"],))
        return None
    if random.random() < faults["code99_rate"]:
        code, account_id = 99, None
    else:
        code, account_id = _evaluate(conn, rec, birth7)
    conn.execute("UPDATE submissions SET code = ?, message = ?, account_id = ? WHERE ref = ?",
                 (code, MESSAGES[code], account_id, rec["ref"]))
    return code


def result_of(conn, ref: str, now: float) -> dict:
    """The answer for one ref: unknown, pending (before its release), or done with its code."""
    row = conn.execute("SELECT code, message, release_at FROM submissions WHERE ref = ?", (ref,)).fetchone()
    if row is None:
        return {"ref": ref, "status": "unknown"}
    if now < row["release_at"]:
        return {"ref": ref, "status": "pending"}
    return {"ref": ref, "status": "done", "code": row["code"], "message": row["message"]}
