"""Where the RRNs may be sent: the 1365 endpoint's rules.

Every RRN goes to the endpoint in the clear inside the request, with the API key: only `https://` to
a host, or plain `http://` to a loopback address (the bundled simulator on this machine). The
endpoint and its key come only from the environment (PUMASI_1365_URL, PUMASI_1365_API_KEY), never
from the console; web, worker and command line refuse to start with one that these rules refuse.
"""
import ipaddress
import re
from urllib.parse import urlsplit


def loopback_address(host):
    """Whether host is written as a loopback address: 127.0.0.0/8 or ::1 (no name, and no IPv4-mapped
    form, which Python 3.13 counts as loopback and 3.11 and 3.12 do not)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback and not (address.version == 6 and address.ipv4_mapped is not None)


def endpoint_problem(url):
    """Why url may not be the 1365 endpoint, or None when it may (no user name or password in it,
    no query or fragment; https, or http to a loopback address)."""
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
    if parts.scheme == "http" and not loopback_address(parts.hostname):
        return "must use https:// (plain http:// only to a loopback address such as 127.0.0.1)"
    return None


def endpoint_host(url):
    """The host (and port, when given) of an endpoint URL: what operators see and the audit log keeps."""
    return urlsplit(url).netloc

