"""Behind a proxy: Debian's nginx with the site config of deploy/nginx/pumasi.conf (its ports, paths
and certificate rewritten for the test) in front of gunicorn started with PUMASI_PROXIES=1. Clients
connect from their own loopback addresses (127.0.0.2, 127.0.0.3, …): each has its own log-in and
본인인증 budget, a stranger's failures on a member's name do not lock the member out, the audit log
keeps the real address, and static files come from nginx with long-lived caching. Without the
proxy setting a forged X-Forwarded-For changes nothing.
"""
import datetime
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from pumasi import demo as demo_world
from pumasi.models import AuditLog

import helpers
from helpers import ctx

SITE_CONFIG = os.path.join(helpers.ROOT, "deploy", "nginx", "pumasi.conf")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HOST = "pumasi.example.org"  # the site config's server_name: the test's clients use it as browsers would
BAD_RRN = {"rrn_front": "990230", "rrn_back": "1234567"}  # no such date: 422, counted


def _need_nginx():
    if not os.path.exists(NGINX):
        helpers.missing(f"nginx not found at {NGINX} (apt install nginx)")


def _self_signed(folder):
    """A throwaway certificate for HOST and its key (cryptography), as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pumasi test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    paths = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    with open(paths[0], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


def _replace(text, old, new, count=None):
    """text with old replaced by new; the site config must still have old (else the test is stale)."""
    found = text.count(old)
    assert found and (count is None or found == count), f"deploy/nginx/pumasi.conf no longer has {old!r}"
    return text.replace(old, new)


def site_config(cert, key, http_port, https_port, upstream_port=None):
    """deploy/nginx/pumasi.conf with the test's certificate and ports (on 127.0.0.1 only), and when
    upstream_port is given, its gunicorn and the checkout's static folder."""
    with open(SITE_CONFIG) as f:
        text = f.read()
    text = re.sub(r"(ssl_certificate\s+)\S+;", rf"\g<1>{cert};", text)
    text = re.sub(r"(ssl_certificate_key\s+)\S+;", rf"\g<1>{key};", text)
    text = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", text)  # the same on IPv6
    text = _replace(text, "listen 80", f"listen 127.0.0.1:{http_port}", count=2)
    text = _replace(text, "listen 443 ", f"listen 127.0.0.1:{https_port} ", count=2)
    # The access log in the test's own folder (beside the certificate), in the config's format.
    text = _replace(text, "access_log /var/log/nginx/access.log pumasi;",
                    f"access_log {os.path.dirname(cert)}/access.log pumasi;", count=3)
    if upstream_port:
        text = _replace(text, "server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
        text = _replace(text, "alias /srv/pumasi/static/;", f"alias {os.path.join(helpers.ROOT, 'static')}/;")
    return text


def main_config(prefix, site):
    """An nginx.conf of the test's own: its prefix folder for pid, logs and temporary files."""
    temp = "\n".join(f"    {kind}_temp_path {prefix}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
    return f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
{temp}
    sendfile on;
{site}
}}
"""


class Nginx:
    """Debian's nginx on the test's config, started and stopped by the test (as nobody when the test
    runs as root: it needs no privilege, its ports are high and its files are its own)."""

    def __init__(self, processes):
        self.processes = processes
        self.prefix = tempfile.mkdtemp(prefix="pumasi-nginx-")
        self.cert, self.key = _self_signed(self.prefix)
        self.process = None

    def _as_user(self):
        if os.geteuid() != 0:
            return {}
        for path, _, names in os.walk(self.prefix):
            os.chown(path, 65534, 65534)
            for name in names:
                os.chown(os.path.join(path, name), 65534, 65534)
        os.chmod(self.prefix, 0o755)
        return {"user": 65534, "group": 65534}

    def write(self, site):
        path = os.path.join(self.prefix, "nginx.conf")
        with open(path, "w") as f:
            f.write(main_config(self.prefix, site))
        return path

    def test_config(self, site):
        conf = self.write(site)
        return subprocess.run([NGINX, "-t", "-p", self.prefix, "-c", conf, "-e", f"{self.prefix}/error.log"],
                              capture_output=True, text=True, timeout=30, **self._as_user())

    def start(self, upstream_port):
        self.http_port, self.https_port = helpers.free_port(), helpers.free_port()
        conf = self.write(site_config(self.cert, self.key, self.http_port, self.https_port, upstream_port))
        user = self._as_user()
        self.process = self.processes.start(
            "nginx", [NGINX, "-p", self.prefix, "-c", conf, "-e", f"{self.prefix}/error.log"],
            dict(os.environ), **user)
        self.url = f"https://127.0.0.1:{self.https_port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                Phone(self, "127.0.0.1").get("/static/favicon.svg")
                return self
            except requests.RequestException:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {self.log()}")
                time.sleep(0.1)

    def log(self):
        with open(os.path.join(self.prefix, "error.log"), errors="replace") as f:
            return f.read()[-3000:]

    def remove(self):
        shutil.rmtree(self.prefix, ignore_errors=True)


class Phone(helpers.Visitor):
    """A browser at its own address, speaking to the service through nginx as HOST."""

    def __init__(self, nginx, address):
        super().__init__(nginx.url, address, server_hostname=HOST)
        self.session.verify = nginx.cert
        origin = f"{HOST}:{nginx.https_port}"
        self.session.headers.update(Host=origin, Referer=f"https://{origin}/login")


@pytest.fixture
def proxied(live, processes):
    """gunicorn (PUMASI_PROXIES=1, cookies Secure) behind nginx, the demo world seeded."""
    _need_nginx()
    with ctx(live.app):
        demo_world.seed()
    live.start_web(PUMASI_PROXIES="1", PUMASI_COOKIE_SECURE="1")
    nginx = Nginx(processes)
    try:
        yield nginx.start(int(live.web_url.rsplit(":", 1)[1]))
    finally:
        processes.stop_all()
        nginx.remove()


def addresses(app, action):
    with ctx(app):
        return [row.ip for row in AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id)]


@pytest.mark.parametrize("username", ["vol1", "site1", "admin"])
def test_a_strangers_failed_log_ins_do_not_lock_the_member_out(proxied, username):
    """Every role: 30 wrong passwords on the member's name from a stranger's address stop that
    address (for this account after 5), and the member logs in from their usual address."""
    owner, stranger = Phone(proxied, "127.0.0.3"), Phone(proxied, "127.0.0.2")
    assert owner.login(username) == 303  # the member's usual address
    owner.post("/logout", {})
    codes = [stranger.login(username, "wrong-password") for _ in range(30)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, codes
    assert stranger.login(username) == 429  # the right password from there is held up too
    assert owner.login(username) == 303
    assert Phone(proxied, "127.0.0.4").login(username) == 303  # and from any other address


def test_an_address_that_tries_many_names_is_stopped_and_no_one_else(proxied):
    """Password spraying: 30 failed log-ins from one address on 30 names (LOGIN_LIMIT) stop that
    address, for everyone there; members elsewhere log in; a forged X-Forwarded-For sent through
    nginx is not believed (nginx appends the real address, the app reads only that one)."""
    sprayer = Phone(proxied, "127.0.0.5")
    codes = [sprayer.login(f"user{n}", "wrong-password", headers={"X-Forwarded-For": f"10.0.0.{n}"})
             for n in range(31)]
    assert codes[:30] == [401] * 30 and codes[30] == 429, codes
    assert sprayer.login("vol2") == 429
    assert Phone(proxied, "127.0.0.6").login("vol2") == 303
    assert Phone(proxied, "127.0.0.7").login("vol3", "wrong-password") == 401  # its own budget


def test_identity_budgets_are_per_account_and_per_address(proxied, live):
    """본인인증 (5 a minute): one volunteer who uses theirs up does not use up another's, at another
    address; the same account at a new address stays limited; the audit log has the real addresses."""
    vol3, vol2 = Phone(proxied, "127.0.0.8"), Phone(proxied, "127.0.0.9")
    assert vol3.login("vol3") == 303 and vol2.login("vol2") == 303
    codes = [vol3.post("/mypage/identity", BAD_RRN).status_code for _ in range(6)]
    assert codes == [422] * 5 + [429], codes
    assert vol2.post("/mypage/identity", BAD_RRN).status_code == 422  # vol2's own budget is whole
    rrn = helpers.RRN_VOL2
    saved = vol2.post("/mypage/identity", {"rrn_front": rrn[:6], "rrn_back": rrn[6:]},
                      headers={"X-Forwarded-For": "10.9.9.9"})
    assert saved.status_code == 303
    assert addresses(live.app, "identity.verify") == ["127.0.0.9"]
    moved = Phone(proxied, "127.0.0.10")  # vol3 on another network: still vol3's used-up budget
    assert moved.login("vol3") == 303
    assert moved.post("/mypage/identity", BAD_RRN).status_code == 429
    # The address that used up 5 attempts is limited for anyone there (per address).
    neighbour = Phone(proxied, "127.0.0.8")
    assert neighbour.login("vol1") == 303
    assert neighbour.post("/mypage/identity", BAD_RRN).status_code == 429


def test_static_files_come_from_nginx_with_caching(proxied, live, processes):
    phone = Phone(proxied, "127.0.0.11")
    page = phone.get("/login")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Content-Security-Policy" in page.headers  # a page: from the app
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert len(links) >= 3 and all("?v=" in link for link in links), links
    for link in links:
        response = phone.get(link, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, link
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]
        assert "Expires" in response.headers and "ETag" in response.headers
        assert "Content-Security-Policy" not in response.headers  # not the app's answer
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    # A changed file would get another URL: the version is the content's.
    css = next(link for link in links if "pumasi.css" in link)
    with open(os.path.join(helpers.ROOT, "static", "pumasi.css"), "rb") as f:
        import hashlib
        assert css.endswith("?v=" + hashlib.sha256(f.read()).hexdigest()[:10])
    # Plain http is sent to https; a name other than the site's gets no answer at all.
    plain = requests.get(f"http://127.0.0.1:{proxied.http_port}/login", headers={"Host": HOST},
                         allow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"] == f"https://{HOST}/login"
    for forged in ("evil.example", "127.0.0.1"):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{proxied.http_port}/login", headers={"Host": forged}, timeout=10)
        with pytest.raises(requests.ConnectionError):
            phone.get("/login", headers={"Host": forged})
    # A body over the app's 5 MB gets the app's Korean answer, not nginx's.
    big = phone.post("/login", {"username": "vol1", "password": "x" * (5 * 1024 * 1024 + 1000)})
    assert big.status_code == 413 and "Content-Security-Policy" in big.headers
    # With gunicorn gone, nginx still serves the static files itself.
    web = next(process for name, process, _ in processes.running if name == "web")
    processes.kill(web)
    assert phone.get("/login").status_code == 502
    assert phone.get(links[0]).status_code == 200


def test_the_access_log_holds_no_secret_of_a_request(proxied):
    """nginx's access log, as the site config writes it: one line per request with its path, but never
    a one-time link's token or a 확인서's code (an invited member's first password could be set by
    whoever reads the log), a query string (searches by name and phone) or a Referer."""
    phone = Phone(proxied, "127.0.0.12")
    secrets = {"/password/reset/RESETtoken4LOG": 410, "/invite/INVITEtoken4LOG": 410,
               "/verify/CODEFORLOGQZXW": 404, "/verify/?number=2026-000001&code=TYPEDCODE4LOG": 404,
               "/admin/members?q=010-5555-4444&next=/NEXT4LOG": 302}
    for path, status in secrets.items():
        response = phone.get(path, headers={"Referer": f"https://{HOST}/admin/members?q=REFERER4LOG"})
        assert response.status_code == status, (path, response.status_code)
    path = os.path.join(proxied.prefix, "access.log")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and open(path).read().count("\n") < len(secrets):
        time.sleep(0.1)
    log = open(path).read()
    for line in ('"GET /password/reset/-" 410', '"GET /invite/-" 410', '"GET /verify/-" 404',
                 '"GET /admin/members" 302'):
        assert line in log, (line, log)
    for secret in ("LOG", "5555", "q=", "next", "?"):
        assert secret not in log, (secret, log)


def test_nginx_accepts_the_site_config(processes):
    """`nginx -t` on deploy/nginx/pumasi.conf as it is but for the certificate and the ports (it binds
    them): the proxy to 127.0.0.1:8000 and the static path of the README's production walk."""
    _need_nginx()
    nginx = Nginx(processes)
    try:
        result = nginx.test_config(site_config(nginx.cert, nginx.key, helpers.free_port(), helpers.free_port()))
    finally:
        nginx.remove()
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_a_forged_forwarded_for_changes_nothing_without_a_proxy(app, demo):
    """PUMASI_PROXIES unset (make run): X-Forwarded-For is ignored, for the limits and the audit log."""
    assert app.config["PROXIES"] == 0
    client = app.test_client()
    codes = [client.post("/login", data={"username": "vol1", "password": "wrong"},
                         headers={"X-Forwarded-For": f"10.0.0.{n}", "X-Forwarded-Proto": "https"}).status_code
             for n in range(6)]
    assert codes == [401] * 5 + [429]
    assert client.post("/login", data={"username": "vol1", "password": demo_world.PASSWORD},
                       headers={"X-Forwarded-For": "10.0.0.99"}).status_code == 429
    client = app.test_client()
    assert client.post("/login", data={"username": "vol3", "password": demo_world.PASSWORD}).status_code == 303
    rrn = helpers.RRN_VOL3
    response = client.post("/mypage/identity", data={"rrn_front": rrn[:6], "rrn_back": rrn[6:]},
                           headers={"X-Forwarded-For": "10.9.9.9"})
    assert response.status_code == 303
    assert addresses(app, "identity.verify") == ["127.0.0.1"]
