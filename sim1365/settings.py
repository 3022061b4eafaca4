"""The simulator's settings: each from its environment variable, else the default written here.

pumasi's settings (pumasi/settings.py) take these defaults from here, so each is written once: the
simulator's port and store, the API key it expects (pumasi's default key for it) and its answer delay.
"""
import os

PORT = 5365
API_KEY = "sim-key"
DELAY = 3.0  # seconds before answers are released (real 1365: days)
STORE = os.path.join("instance", "sim1365.db")

PORT_ENV = "PUMASI_SIM1365_PORT"
API_KEY_ENV = "PUMASI_SIM1365_API_KEY"
DELAY_ENV = "PUMASI_SIM1365_DELAY"
STORE_ENV = "PUMASI_SIM1365_DB"
SECRET_ENV = "PUMASI_SIM1365_SECRET"

# Faults it can inject, each also settable as PUMASI_SIM1365_<NAME> (e.g. PUMASI_SIM1365_LATENCY_MS)
# or at run time (`faults --set`); rates are shares of requests (0 to 1).
FAULT_DEFAULTS = {"latency_ms": 0.0, "error_rate": 0.0, "timeout_rate": 0.0, "timeout_s": 30.0,
                  "drop_rate": 0.0, "code99_rate": 0.0, "delay": DELAY}
RATE_KEYS = {"error_rate", "timeout_rate", "drop_rate", "code99_rate"}


def environment(name, environ=None):
    """The value of an environment variable, or None when it is unset or empty."""
    value = (os.environ if environ is None else environ).get(name)
    return value if value not in (None, "") else None


def fault_env(key):
    """The environment variable of a fault setting."""
    return f"PUMASI_SIM1365_{key.upper()}"


def store_path(path=None):
    """The store's path: the argument, else PUMASI_SIM1365_DB, else instance/sim1365.db."""
    return os.path.abspath(path or environment(STORE_ENV) or STORE)


def api_key(given=None):
    """The API key the simulator expects: the argument, else PUMASI_SIM1365_API_KEY, else sim-key."""
    return given or environment(API_KEY_ENV) or API_KEY
