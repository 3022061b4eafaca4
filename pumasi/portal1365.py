"""The one client of the 1365 linkage endpoint (see docs/1365_CONTRACT.md)."""
import ipaddress
import re
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter


def loopback_address(host):
    """Whether host is written as a loopback address: 127.0.0.0/8 or ::1 (no name, and no IPv4-mapped
    form, which Python 3.13 counts as loopback and 3.11 and 3.12 do not)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback and not (address.version == 6 and address.ipv4_mapped is not None)


def endpoint_problem(url):
    """Why url may not be the 1365 endpoint, or None when it may.

    Every RRN goes there in the clear inside the request, with the API key: only `https://` to a
    host, or plain `http://` to a loopback address (127.0.0.0/8, ::1: the bundled simulator on this
    machine). No user name or password in it, no query or fragment. The endpoint and its key come
    only from the environment (PUMASI_1365_URL, PUMASI_1365_API_KEY), never from the console.
    """
    if not isinstance(url, str) or not url or re.search(r"[\s\x00-\x1f\x7f\\]", url):
        return "must be a URL without spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number in range)
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must start with https:// and name a host"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "must not carry a user name or password"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "must not have a query (?…) or fragment (#…)"
    if parts.scheme == "http":
        if not loopback_address(parts.hostname):
            return "must use https:// (plain http:// only to a loopback address such as 127.0.0.1)"
    return None


def endpoint_host(url):
    """The host (and port, when given) of an endpoint URL: what operators see and the audit log keeps."""
    return urlsplit(url).netloc


class PortalError(Exception):
    """1365 could not be reached or did not answer properly; the call may be retried."""


class Portal1365:
    """Submits dates and fetches per-date answers over one reused HTTP connection pool."""

    def __init__(self, base_url, api_key, org_code, timeout=10.0, on_answer=None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # Called with (ok, detail) after every call, so operators can see 1365's last answer.
        self.on_answer = on_answer or (lambda ok, detail: None)
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(pool_connections=2, pool_maxsize=4))
        self.session.mount("https://", HTTPAdapter(pool_connections=2, pool_maxsize=4))
        self.session.headers.update({"Authorization": f"Bearer {api_key}", "X-Org-Code": org_code})

    @classmethod
    def from_config(cls, config, on_answer=None):
        """Build the client from the app's settings."""
        return cls(config["PORTAL_URL"], config["PORTAL_API_KEY"], config["ORG_CODE"],
                   config["PORTAL_TIMEOUT"], on_answer)

    def _post(self, path, payload):
        try:
            body = self._exchange(path, payload)
        except PortalError as exc:
            self.on_answer(False, str(exc))
            raise
        self.on_answer(True, f"OK {path}")
        return body

    def _exchange(self, path, payload):
        try:
            response = self.session.post(self.base_url + path, json=payload, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PortalError(f"{type(exc).__name__} on {path}") from None
        if response.status_code >= 300:
            raise PortalError(f"HTTP {response.status_code} on {path}")
        try:
            return response.json()
        except ValueError:
            raise PortalError(f"not JSON from {path}") from None

    def submit(self, records):
        """Send records (dicts of the contract); returns (accepted refs, {ref: error} rejected)."""
        body = self._post("/api/v1/records", {"records": records})
        rejected = {item["ref"]: item.get("error", "") for item in body.get("rejected", [])}
        return set(body.get("accepted", [])), rejected

    def results(self, refs):
        """Fetch the answers for refs: {ref: (status, code, message)}."""
        body = self._post("/api/v1/results", {"refs": list(refs)})
        return {item["ref"]: (item["status"], item.get("code"), item.get("message"))
                for item in body.get("results", [])}

    def health(self):
        """(True, detail) when the endpoint answers its health check, else (False, why)."""
        try:
            response = self.session.get(self.base_url + "/api/v1/health", timeout=self.timeout)
        except requests.RequestException as exc:
            result = (False, f"{type(exc).__name__}")
        else:
            result = (response.status_code == 200, f"HTTP {response.status_code}")
        self.on_answer(*result)
        return result
