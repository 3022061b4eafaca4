"""How pages and files are served: static files gzipped for browsers that accept it, pages not;
PostgreSQL connections kept in a pool between requests (docs/BENCHMARKS.md)."""
import gzip

from playhouse.pool import PooledDatabase

from pumasi.db import db

HTMX = "/static/htmx-2.0.11.min.js"


def test_static_files_gzipped_when_accepted(client):
    plain = client.get(HTMX)
    zipped = client.get(HTMX, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data) / 2
    again = client.get(HTMX, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304
    refused = client.get("/static/pumasi.css", headers={"Accept-Encoding": "gzip;q=0, br"})
    assert refused.status_code == 200 and "Content-Encoding" not in refused.headers


def test_pages_are_not_compressed(client, auth, demo):
    # A page carries CSRF tokens: compressing it beside reflected input would open BREACH.
    auth.login("vol1")
    page = client.get("/mypage/activities", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers and "Total" in page.text


def test_connections_are_pooled(app):
    """Each request takes a connection from the pool and gives it back: the same one again (one
    PostgreSQL backend; one SQLite connection, its pragmas set once)."""
    with app.app_context():
        assert isinstance(db.obj, PooledDatabase)
        seen = set()
        for _ in range(3):
            with db.connection_context():
                if app.config["DATABASE_URL"].startswith("postgresql"):
                    seen.add(db.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
                else:
                    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
                    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
                    seen.add(id(db.connection()))
        assert len(seen) == 1


def test_an_overlong_body_is_read_before_the_413(live):
    """A body over the limit is read (up to twice the limit) before the Korean 413 goes out: closed
    with the body unread, gunicorn's socket answers the sender's remaining bytes with a reset, and
    nginx, still sending, turned the 413 into a 502."""
    import socket
    from urllib.parse import urlsplit

    from pumasi.web.security import MAX_BODY

    live.start_web()
    address = urlsplit(live.web_url)
    body = b"username=vol1&password=" + b"x" * (MAX_BODY + 512 * 1024)
    head = (f"POST /login HTTP/1.1\r\nHost: {address.netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection((address.hostname, address.port), timeout=20) as sock:
        sock.sendall(head)
        # The whole body goes through: the server reads it rather than resetting the connection.
        for start in range(0, len(body), 65536):
            sock.sendall(body[start:start + 65536])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"413", status_line
    assert "입력한 내용이 너무 깁니다" in rest.decode("utf-8", "replace")
