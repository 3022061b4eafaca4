"""Rate limits (Flask-Limiter) on log-in and 본인인증, keyed so that nobody can use them up for another
member: failed log-ins per client address and per (address, account), never per account alone (a
stranger's wrong passwords would lock the owner out); 본인인증 per account and per address; 확인서
issuing per account (an operator's per volunteer they issue for)."""
from flask import current_app, request
from flask_limiter import Limiter
from flask_login import current_user

from ..accounts import usernames
from .proxies import client_address

limiter = Limiter(key_func=client_address)


def _storage_uri(config):
    """The counters' store: the setting, else the Redis of REDIS_URL, else memory."""
    if config.get("RATELIMIT_STORAGE_URI"):
        return config["RATELIMIT_STORAGE_URI"]
    url = config.get("REDIS_URL") or ""
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://"):]
    return url or "memory://"


def init_app(app):
    """Configure and attach the limiter (a Redis outage falls back to per-process memory)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", None)
    app.config["RATELIMIT_STORAGE_URI"] = _storage_uri(app.config)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "pumasi-limit")
    limiter.init_app(app)


def failed_login(response):
    """Only failed log-ins count (a member who knows their password is never held up)."""
    return response.status_code == 401


def address_and_account():
    """The client's address and the account a log-in names, compared as log-in compares names
    (`VOL1` and `ｖｏｌ１` are vol1: one budget, not one per spelling)."""
    return f"login:{client_address()}:" + usernames.key(request.form.get("username") or "")[:40]


def asked_account():
    """The account a 비밀번호 찾기 asks for: an e-mail address (lower case) or an 아이디 compared as
    log-in compares names."""
    text = (request.form.get("identifier") or "").strip()
    return "forgot:" + (text.lower() if "@" in text else usernames.key(text))[:120]


def member_key():
    """The logged-in member (본인인증 attempts are counted per account)."""
    return f"member:{current_user.get_id()}"


def limit_from(key):
    """A limit read from the app's settings at request time."""
    return lambda: current_app.config[key]


def member_and_subject():
    """The logged-in member and the member the request is about (an operator issuing a 확인서 for
    a volunteer: one budget per volunteer, so a day of issuing for many is not held up)."""
    return f"member:{current_user.get_id()}:{(request.view_args or {}).get('member_id', '')}"
