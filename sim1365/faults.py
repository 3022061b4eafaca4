"""Faults the simulator injects (latency, HTTP 503, timeouts, dropped connections, code 99, the
answer delay): the store's run-time values, else the environment (PUMASI_SIM1365_<NAME>), else the
defaults of sim1365.settings."""
from sim1365 import settings
from sim1365.store import connected, transaction


def effective(conn, overrides=None) -> dict:
    """Effective faults: the faults table, else overrides, else the environment, else the default."""
    table = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM faults")}
    values = {}
    for key, default in settings.FAULT_DEFAULTS.items():
        values[key] = default
        for raw in (table.get(key), (overrides or {}).get(key), settings.environment(settings.fault_env(key))):
            number = _number(raw)
            if number is not None:
                values[key] = number
                break
    return values


def _number(raw):
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        return None


def get_faults(path=None) -> dict:
    """The effective fault settings (table, then environment, then defaults)."""
    with connected(path) as conn:
        return effective(conn)


def set_faults(path=None, **values) -> dict:
    """Override fault settings at run time (keys of FAULT_DEFAULTS); returns the effective settings."""
    clean = {}
    for key, value in values.items():
        if key not in settings.FAULT_DEFAULTS:
            raise ValueError(f"unknown fault {key!r}; known: {', '.join(settings.FAULT_DEFAULTS)}")
        number = float(value)
        rate = key in settings.RATE_KEYS
        if number < 0 or (rate and number > 1):
            raise ValueError(f"{key} must be >= 0" + (" and <= 1" if rate else ""))
        clean[key] = number
    with connected(path) as conn, transaction(conn):
        conn.executemany("INSERT INTO faults (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                         " SET value = excluded.value", [(k, repr(v)) for k, v in clean.items()])
        return effective(conn)


def clear_faults(path=None) -> None:
    """Remove every run-time fault override."""
    with connected(path) as conn:
        conn.execute("DELETE FROM faults")
