"""A browser on a Playwright browser server (`playwright run-server`, or a `launchServer()` of
Playwright's driver), reached with `connect(..., expose_network="<loopback>")`: the remote browser
then loads this machine's loopback test server as `127.0.0.1`/`localhost`, which is a secure context,
so no certificate is needed. Everything Playwright does locally works the same, but the browser's
process and files are not here (no CAP_LOCAL)."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, BrowserType, Playwright

from ..errors import BrowserLaunchError, RemoteBrowserError
from .base import CAP_CDP, CAP_LOCAL
from .playwright_backend import PLAYWRIGHT_CAPABILITIES, PlaywrightSession
from .playwright_driver import acquire_playwright
from .resolve import ResolvedBrowser

BACKEND_REMOTE_PLAYWRIGHT = "remote+playwright"
# What the remote browser may load through this machine: its loopback, where the test servers listen.
EXPOSED_NETWORK = "<loopback>"


class RemotePlaywrightSession(PlaywrightSession):
    def __init__(self, engine: str, url: str, playwright: Playwright, *, ignore_https_errors: bool = False,
                 connect_timeout_s: float = 30) -> None:
        self.engine = engine
        self.url = url
        self.ignore_https_errors = ignore_https_errors
        remote = PLAYWRIGHT_CAPABILITIES - {CAP_LOCAL}
        self.capabilities = remote | {CAP_CDP} if engine == "chromium" else remote
        super().__init__(playwright, ResolvedBrowser(engine, BACKEND_REMOTE_PLAYWRIGHT, None,
                                                     f"the Playwright server at {url}"),
                         launch_timeout_s=connect_timeout_s)

    def _launch(self, playwright: Playwright, headless: bool, timeout_ms: float) -> Browser:
        browser_type: BrowserType = getattr(playwright, self.engine)
        return browser_type.connect(self.url, expose_network=EXPOSED_NETWORK, timeout=timeout_ms)

    def _new_context(self) -> BrowserContext:
        return self.browser.new_context(**self.context_args, ignore_https_errors=self.ignore_https_errors)

    def describe(self) -> str:
        return f"{self.engine} {self.version} (remote, Playwright server at {self.url})"


def connect_playwright_server(engine: str, url: str, *, ignore_https_errors: bool = False,
                              connect_timeout_s: float = 30) -> RemotePlaywrightSession:
    playwright = acquire_playwright()
    try:
        return RemotePlaywrightSession(engine, url, playwright, ignore_https_errors=ignore_https_errors,
                                       connect_timeout_s=connect_timeout_s)
    except BrowserLaunchError as exc:  # PlaywrightSession released the driver already
        cause = str(exc).splitlines()[0].split(": ", 1)[-1]
        raise RemoteBrowserError(
            engine, url, f"no browser from the Playwright server ({cause[:300]})",
            f"start the server (e.g. `playwright run-server --port 3000`, or a launchServer() with the {engine} "
            "to serve) and check the URL; a browser the server cannot launch shows here too") from None

