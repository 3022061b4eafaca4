"""The settings an operator may change in the console's 설정 (those pumasi.settings marks `console`):
kept in the database, they override the environment's values.

Where the RRNs go is not among them: the 1365 endpoint, its API key and the organisation code sent
with every record come only from the environment, so that an operator's session cannot redirect them
(pumasi.portal.endpoint)."""
import re
import time

from peewee import DatabaseError, InterfaceError

from .. import inputs, korean
from ..clock import utcnow
from ..db import db
from ..models import ConfigValue
from ..settings import CONSOLE
from . import audit

CACHE_SECONDS = 5.0


def effective(app):
    """app.config with the console's values on top (cached a few seconds per process)."""
    cached = app.extensions.get("config_cache")
    now = time.monotonic()
    if cached and cached[0] > now:
        return cached[1]
    values = dict(app.config)
    try:
        values.update({row.key: row.value for row in ConfigValue.select() if row.key in CONSOLE})
    except (DatabaseError, InterfaceError):  # no schema yet, or the database is away (its connection
        # may have closed under this request): the environment alone, uncached
        return values
    app.extensions["config_cache"] = (now + CACHE_SECONDS, values)
    return values


def _problem(console, value):
    if inputs.problem(value):
        return inputs.problem(value)
    if console.choices:
        return None if value in dict(console.choices) else f"{console.label}: 목록에서 골라 주세요."
    if not value:
        return korean.particles(f"{console.label}을(를) 입력해 주세요.")
    if len(value) > console.max_length:
        return korean.particles(f"{console.label}은(는) {console.max_length}자 이하로 입력해 주세요.")
    if console.pattern and not re.fullmatch(console.pattern, value):
        return console.message
    return None


def validate(form):
    """Check submitted values: ({key: value}, {key: Korean error}). A list (choices) the form does
    not send at all is left as it is."""
    values, errors = {}, {}
    for key, console in CONSOLE.items():
        if console.choices and key not in form:
            continue
        value = (form.get(key) or "").strip()
        problem = inputs.field_problem(key, value) or _problem(console, value)
        if problem:
            errors[key] = problem
        else:
            values[key] = value
    return values, errors


def save(app, values, actor):
    """Store the values (one transaction) and drop this process's cache."""
    with db.atomic():
        for key, value in values.items():
            (ConfigValue.insert(key=key, value=value, updated_at=utcnow(), updated_by=actor)
             .on_conflict(conflict_target=[ConfigValue.key],
                          update={ConfigValue.value: value, ConfigValue.updated_at: utcnow(),
                                  ConfigValue.updated_by: actor})
             .execute())
        audit.record("settings.change", actor=actor, detail=", ".join(f"{CONSOLE[k].label}={v}" for k, v in sorted(values.items())))
    app.extensions.pop("config_cache", None)
