"""Settings an operator may change in the console; they override the environment's values.

Where the RRNs go is not among them: the 1365 endpoint, its API key and the organisation code sent
with every record come only from the environment (the production kit's environment file), so that
an operator's session cannot redirect them (pumasi.portal1365.endpoint_problem).
"""
import re
import time

from peewee import DatabaseError, InterfaceError

from . import inputs
from .models import ConfigValue, utcnow

# key: (label, maximum length, pattern or None, Korean message when the pattern fails)
EDITABLE = {
    "ORG_NAME": ("기관명", 50, None, ""),
    "SUPPORT_PHONE": ("기술지원 전화번호", 20, r"[0-9-]{7,20}", "숫자와 - 만 입력해 주세요. (예: 070-4035-8224)"),
}

CACHE_SECONDS = 5.0


def effective(app):
    """app.config with the console's values on top (cached a few seconds per process)."""
    cached = app.extensions.get("config_cache")
    now = time.monotonic()
    if cached and cached[0] > now:
        return cached[1]
    values = dict(app.config)
    try:
        values.update({row.key: row.value for row in ConfigValue.select() if row.key in EDITABLE})
    except (DatabaseError, InterfaceError):  # no schema yet, or the database is away (its connection
        # may have closed under this request): the environment alone, uncached
        return values
    app.extensions["config_cache"] = (now + CACHE_SECONDS, values)
    return values


def validate(form):
    """Check submitted values: ({key: value}, {key: Korean error})."""
    values, errors = {}, {}
    for key, (label, length, pattern, message) in EDITABLE.items():
        value = (form.get(key) or "").strip()
        if inputs.problem(value):
            errors[key] = inputs.problem(value)
        elif not value:
            errors[key] = f"{label}을(를) 입력해 주세요."
        elif len(value) > length:
            errors[key] = f"{label}은(는) {length}자 이하로 입력해 주세요."
        elif pattern and not re.fullmatch(pattern, value):
            errors[key] = message
        else:
            values[key] = value
    return values, errors


def save(app, values, actor):
    """Store the values (one transaction) and drop this process's cache."""
    from . import audit
    from .db import db
    with db.atomic():
        for key, value in values.items():
            (ConfigValue.insert(key=key, value=value, updated_at=utcnow(), updated_by=actor)
             .on_conflict(conflict_target=[ConfigValue.key],
                          update={ConfigValue.value: value, ConfigValue.updated_at: utcnow(),
                                  ConfigValue.updated_by: actor})
             .execute())
        audit.record("settings.change", actor=actor, detail=", ".join(f"{k}={v}" for k, v in sorted(values.items())))
    app.extensions.pop("config_cache", None)
