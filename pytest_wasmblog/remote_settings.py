"""Where each engine's browser runs when it is not on this machine (`--wasm-remote ENGINE=URL`), and
how a browser elsewhere reaches the test server (`--wasm-bind`, `--wasm-public-origin`)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from pytest_wasmblog.browsers.base import ENGINES
from pytest_wasmblog.errors import WasmblogError

KIND_PLAYWRIGHT = "playwright-server"  # ws:// or wss://: a Playwright browser server (run-server, launchServer)
KIND_WEBDRIVER = "webdriver"  # http:// or https://: a W3C WebDriver remote end such as Selenium Grid
_KINDS = {"ws": KIND_PLAYWRIGHT, "wss": KIND_PLAYWRIGHT, "http": KIND_WEBDRIVER, "https": KIND_WEBDRIVER}
LOOPBACK_NAMES = ("localhost",)


class RemoteSettingsError(WasmblogError):
    """A remote-browser or public-origin option that cannot work; the message names the fix."""


@dataclass(frozen=True)
class RemoteBrowser:
    engine: str
    url: str
    kind: str

    def describe(self) -> str:
        if self.kind == KIND_PLAYWRIGHT:
            return f"remote, through the Playwright server at {self.url}"
        return f"remote, through the WebDriver remote end (Selenium Grid) at {self.url}"


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_remotes(entries: Iterable[str]) -> dict[str, RemoteBrowser]:
    """`ENGINE=URL` entries (the option's, then the ini's) -> engine -> where its browser runs."""
    remotes: dict[str, RemoteBrowser] = {}
    for entry in entries:
        engine, sep, url = (part.strip() for part in entry.partition("="))
        if not sep or engine not in ENGINES or not url:
            raise RemoteSettingsError(
                f"--wasm-remote {entry!r}: write ENGINE=URL with ENGINE one of {', '.join(ENGINES)}, e.g. "
                "chromium=ws://grid.internal:3000/ (a Playwright server) or webkit=http://grid.internal:4444 "
                "(Selenium Grid)")
        parts = urlsplit(url)
        kind = _KINDS.get(parts.scheme)
        if kind is None or not parts.hostname:
            raise RemoteSettingsError(
                f"--wasm-remote {engine}={url}: the URL must be ws:// or wss:// (a Playwright browser server) or "
                "http:// or https:// (a WebDriver remote end such as Selenium Grid)")
        if engine in remotes:
            raise RemoteSettingsError(f"--wasm-remote {engine} is given twice ({remotes[engine].url} and {url}); "
                                      "give each engine one place to run")
        remotes[engine] = RemoteBrowser(engine, url, kind)
    return remotes


def public_origin_setting(value: str | None, bind: str) -> str | None:
    """The origin a remote browser loads the test server at: scheme://host[:port], nothing more.
    Plain http:// to a host that is not loopback is refused: no page there is a secure context, so
    none can be cross-origin isolated. Listening beyond loopback needs one: the browser elsewhere
    cannot guess this machine's name."""
    if not value:
        if not is_loopback(bind):
            raise RemoteSettingsError(
                f"--wasm-bind {bind} lets a browser on another machine reach the test server: also give "
                "--wasm-public-origin https://NAME:PORT, the name and port that machine reaches this one at")
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise RemoteSettingsError(f"--wasm-public-origin {value!r}: give scheme://host[:port] only, e.g. "
                                  "https://ci-runner.internal:8443")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise RemoteSettingsError(
            f"--wasm-public-origin {value}: plain http:// to {parts.hostname} is not a secure context, so the page "
            "can never be cross-origin isolated and the VM cannot start; use https:// (the run then serves "
            "HTTPS with a certificate it makes)")
    return f"{parts.scheme}://{parts.netloc}"


def bind_setting(value: str | None) -> str:
    host = (value or "127.0.0.1").strip()
    if host in ("0.0.0.0", "::"):
        return host
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if not host or any(c.isspace() or c in "/:@" for c in host):
            raise RemoteSettingsError(f"--wasm-bind {value!r}: give the address to listen on, e.g. 0.0.0.0 or "
                                      "10.0.0.5") from None
    return host
