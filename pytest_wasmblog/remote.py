"""A site that is already served somewhere (`--wasm-base-url`): a staging or production deployment, or
a real web server on this machine. The plugin serves nothing; fixtures boot and check the site as that
host sends it, and what only a server of the plugin's own could do is refused with the reason.

What the host sends is read with plain HTTP requests from here (headers, encodings, sizes): the
browser's own view of the headers comes from `isolation.check`, which fetches from the page.
"""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.http_rules import RequestRecord
from pytest_wasmblog.link import Link

# What each engine asks for, as the plugin's server logged it (Chromium 14x, Firefox ESR, WebKitGTK 2.50
# on Debian): WebKitGTK's network stack does not offer brotli, so it downloads the gzip copies.
ENGINE_ACCEPT_ENCODING = {"chromium": "gzip, deflate, br, zstd", "firefox": "gzip, deflate, br, zstd",
                          "webkit": "gzip, deflate"}
_TIMEOUT_S = 10.0


class RemoteSiteError(WasmblogError):
    pass


@dataclass(frozen=True)
class Fetched:
    """One response of the host, as sent (the body is not decoded)."""

    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def encoding(self) -> str:
        return self.headers.get("content-encoding", "identity") or "identity"


OfflineSwitch = Callable[[bool], None]


class RemoteSite:
    """The deployment at `base_url`, in place of the plugin's server. `offline_switch`, when whoever
    started the host can take it away (a real server on this machine), makes `network.offline()` work
    on engines with no offline switch of their own."""

    running = True

    def __init__(self, base_url: str, site: Path | None, link: Link, offline_switch: OfflineSwitch | None = None,
                 description: str | None = None, ssl_context: ssl.SSLContext | None = None) -> None:
        self.origin = base_url  # where the site's root is: the page is origin + "/index.html"
        # For https://: the system's trust store, or a context that trusts the run's own CA.
        self.ssl_context = ssl_context
        self.root = str(site) if site is not None else None
        self.link = link
        self.offline_switch = offline_switch
        self.description = description or base_url

    def requests(self, path: str | None = None) -> list[RequestRecord]:
        """No log: the host is not the plugin's. (The plugin's diagnosis asks the host instead.)"""
        raise RemoteSiteError(self._no_log("requests()"))

    def clear_log(self) -> None:
        raise RemoteSiteError(self._no_log("clear_log()"))

    def _no_log(self, call: str) -> str:
        return (f"wasm_server.{call}: the request log is kept by the plugin's own server, and this run tests the "
                f"deployment at {self.origin} (--wasm-base-url), whose host keeps its own. Mark the test "
                "@pytest.mark.wasm_served_here(\"why\") so it is skipped against a deployment, or check what the "
                "host sends with wasm_server.fetch(path, accept_encoding)")

    def url_for(self, path: str) -> str:
        return self.origin + "/" + path.lstrip("/")

    def stop(self) -> None:
        """Nothing to stop: the plugin did not start the host."""

    def fetch(self, path: str, accept_encoding: str | None = None, method: str = "GET") -> Fetched:
        """`path` from the host, with this Accept-Encoding (None: none sent, so the identity body)."""
        url = self.url_for(path)
        parts = urlsplit(url)
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.netloc, timeout=_TIMEOUT_S,
                                                     context=self.ssl_context or ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(parts.netloc, timeout=_TIMEOUT_S)
        headers = {"Accept-Encoding": accept_encoding} if accept_encoding else {"Accept-Encoding": "identity"}
        try:
            connection.request(method, parts.path or "/", headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise RemoteSiteError(f"{url}: {exc or type(exc).__name__}") from None
        finally:
            connection.close()
        return Fetched(response.status, {name.lower(): value for name, value in response.getheaders()}, body)

    def check_reachable(self, page: str) -> None:
        """Fail the session's first use at once, naming the URL, when the page cannot be fetched."""
        try:
            fetched = self.fetch(page, method="HEAD")
        except RemoteSiteError as exc:
            raise RemoteSiteError(f"--wasm-base-url: cannot reach the deployment ({exc}); is it up, and is the URL "
                                  "right?") from None
        if fetched.status >= 400:
            raise RemoteSiteError(f"--wasm-base-url: {self.url_for(page)} answered HTTP {fetched.status}; give the URL "
                                  "where the site's root is served (and --wasm-page if its page is not /index.html)")

    def response_headers(self, path: str) -> Mapping[str, str] | None:
        """The headers the host sends for `path` (None when it cannot be asked)."""
        try:
            fetched = self.fetch(path, ENGINE_ACCEPT_ENCODING["chromium"], method="HEAD")
        except RemoteSiteError:
            return None
        return fetched.headers if fetched.status < 400 else None
