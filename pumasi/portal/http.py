"""The default 1365 adapter: the HTTP client of docs/1365_CONTRACT.md, over one reused connection pool."""
import requests
from requests.adapters import HTTPAdapter

from .adapter import Adapter, PortalError


class HttpAdapter(Adapter):
    """Submits dates and fetches per-date answers from the endpoint PORTAL_URL, with the API key and
    organisation code in every request's headers."""

    def __init__(self, config):
        super().__init__(config)
        self.base_url = config["PORTAL_URL"].rstrip("/")
        self.timeout = config["PORTAL_TIMEOUT"]
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(pool_connections=2, pool_maxsize=4))
        self.session.mount("https://", HTTPAdapter(pool_connections=2, pool_maxsize=4))
        self.session.headers.update({"Authorization": f"Bearer {config['PORTAL_API_KEY']}",
                                     "X-Org-Code": config["ORG_CODE"]})

    def _post(self, path, payload):
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
        body = self._post("/api/v1/records", {"records": records})
        rejected = {item["ref"]: item.get("error", "") for item in body.get("rejected", [])}
        return set(body.get("accepted", [])), rejected

    def results(self, refs):
        body = self._post("/api/v1/results", {"refs": list(refs)})
        return {item["ref"]: (item["status"], item.get("code"), item.get("message"))
                for item in body.get("results", [])}

    def health(self):
        try:
            response = self.session.get(self.base_url + "/api/v1/health", timeout=self.timeout)
        except requests.RequestException as exc:
            return False, type(exc).__name__
        return response.status_code == 200, f"HTTP {response.status_code}"
