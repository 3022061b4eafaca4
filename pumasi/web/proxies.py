"""The client's address: the connecting one, or behind PROXIES trusted proxies their X-Forwarded-For."""
from flask import has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

from ..ops import audit


def _note_address():
    audit.client_address.set(client_address())


def _forget_address(exc):
    audit.client_address.set("")


def init_app(app):
    """Trust X-Forwarded-For and X-Forwarded-Proto from as many proxies as PROXIES says (none: ignored),
    and tell the audit log each request's client address.

    X-Forwarded-Host is not trusted: nginx passes the client's Host header on as it is.
    """
    app.before_request(_note_address)
    app.teardown_request(_forget_address)
    count = max(int(app.config["PROXIES"] or 0), 0)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0)


def client_address():
    """The address of the current request's client ('' outside a request): what rate limits count
    by, the audit log keeps and the request log shows."""
    return (request.remote_addr or "") if has_request_context() else ""
