"""1365 accounts (name, 1365 ID, RRN kept as a keyed hash and masked, consent) and what 1365 recorded."""
from __future__ import annotations

import datetime
import re

from sim1365.store import connected, rrn_hash, transaction


def normalize_rrn(rrn) -> str:
    """The RRN as 13 digits (a dash is allowed in the input); never echoed in errors."""
    digits = str(rrn).strip().replace("-", "")
    if not re.fullmatch(r"\d{13}", digits):
        raise ValueError("rrn must be 13 digits (optionally with a dash after the 6th)")
    return digits


def masked(rrn: str) -> str:
    """How the simulator shows an RRN: birth date, dash, gender digit, six stars."""
    return f"{rrn[:6]}-{rrn[6]}******"


def add_account(path, name: str, user_id: str, rrn: str, consent: bool) -> dict:
    """Create a 1365 account, or update the one with this user_id; returns its masked view."""
    rrn = normalize_rrn(rrn)
    if not name or not user_id:
        raise ValueError("name and user_id are required")
    with connected(path) as conn, transaction(conn):
        conn.execute(
            "INSERT INTO accounts (name, user_id, birth7, rrn_hash, rrn_masked, consent, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET name = excluded.name,"
            " birth7 = excluded.birth7, rrn_hash = excluded.rrn_hash, rrn_masked = excluded.rrn_masked,"
            " consent = excluded.consent",
            (name, user_id, rrn[:7], rrn_hash(conn, rrn), masked(rrn), int(bool(consent)),
             datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")))
    return {"name": name, "user_id": user_id, "rrn_masked": masked(rrn), "consent": bool(consent)}


def set_consent(path, user_id: str, consent: bool) -> None:
    """Set an account's linkage consent; KeyError if the user_id is unknown."""
    with connected(path) as conn:
        if not conn.execute("UPDATE accounts SET consent = ? WHERE user_id = ?",
                            (int(bool(consent)), user_id)).rowcount:
            raise KeyError(user_id)


def list_accounts(path=None) -> list[dict]:
    """All accounts, with the masked RRN only (and whether its hash was erased, to be added again)."""
    with connected(path) as conn:
        rows = conn.execute("SELECT name, user_id, rrn_masked, consent, created_at, rrn_hash = '' AS rrn_missing"
                            " FROM accounts ORDER BY id")
        return [dict(r, consent=bool(r["consent"]), rrn_missing=bool(r["rrn_missing"])) for r in rows]


def without_rrn(path, user_ids) -> set[str]:
    """Of these user_ids, those with no account or an account whose RRN hash was erased."""
    with connected(path) as conn:
        hashed = {row[0] for row in conn.execute("SELECT user_id FROM accounts WHERE rrn_hash != ''")}
    return set(user_ids) - hashed


def recorded_for(path, user_id: str) -> list[dict] | None:
    """The volunteer records 1365 holds for one account, or None if the user_id is unknown."""
    with connected(path) as conn:
        account = conn.execute("SELECT id FROM accounts WHERE user_id = ?", (user_id,)).fetchone()
        if account is None:
            return None
        rows = conn.execute('SELECT site, date, "start", "end", ref FROM recorded WHERE account_id = ?'
                            ' ORDER BY date, "start", site', (account["id"],))
        return [dict(r) for r in rows]


def stats(path=None) -> dict:
    """Counts of accounts, submissions, recorded rows, refs received more than once, and codes."""
    with connected(path) as conn:
        def count(sql):
            return conn.execute(sql).fetchone()[0]
        by_code = conn.execute("SELECT code, COUNT(*) FROM submissions WHERE code IS NOT NULL"
                               " GROUP BY code ORDER BY code")
        return {"accounts": count("SELECT COUNT(*) FROM accounts"),
                "submissions": count("SELECT COUNT(*) FROM submissions"),
                "recorded": count("SELECT COUNT(*) FROM recorded"),
                "received_twice": count("SELECT COUNT(*) FROM submissions WHERE times_received > 1"),
                "by_code": {str(code): n for code, n in by_code}}
