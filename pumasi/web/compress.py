"""Static files (the vendored htmx, the stylesheet, the script) gzipped for clients that accept it.

htmx is 51 KB and 17 KB gzipped: without this the first load of a page is over 60 KB
(docs/BENCHMARKS.md). Pages are not compressed: they carry CSRF tokens (BREACH).
"""
import gzip

from flask import request

TYPES = {"text/css", "text/javascript", "application/javascript"}
_compressed = {}  # (path, etag) -> gzipped bytes; the static files are few and fixed


def _gzip_static(response):
    if request.endpoint != "static" or response.mimetype not in TYPES:
        return response
    response.vary.add("Accept-Encoding")
    if (response.status_code != 200 or "Content-Encoding" in response.headers
            or not request.accept_encodings["gzip"]):
        return response
    etag, _ = response.get_etag()
    key = (request.path, etag)
    body = _compressed.get(key)
    if body is None:
        response.direct_passthrough = False
        body = _compressed[key] = gzip.compress(response.get_data(), 9, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        # Weak: the same file in another encoding, and a revalidation still gets its 304.
        response.set_etag(etag, weak=True)
    return response


def init_app(app):
    """Gzip the static files' responses."""
    app.after_request(_gzip_static)
