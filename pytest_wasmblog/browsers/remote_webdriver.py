"""A browser on a W3C WebDriver remote end (Selenium Grid 4, or a cloud grid), through Selenium's
`webdriver.Remote`. Each page is a new session, as with WebKitGTK locally: a clean profile. The
remote browser loads the test server at its public origin (--wasm-public-origin); over https:// it
is told to accept the run's certificate (acceptInsecureCerts). WebDriver classic has no console,
network or init-script API here either: the page probe the server injects supplies the console."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import SessionNotCreatedException, WebDriverException
from selenium.webdriver.common.options import ArgOptions

from ..errors import RemoteBrowserError
from .base import CAP_LOCAL
from .chromium import CHROMIUM_ARGS
from .webkit import WEBDRIVER_CAPABILITIES, WebDriverPage, WebDriverSession

BACKEND_REMOTE_WEBDRIVER = "remote+webdriver"
# What each engine is called in W3C capabilities, as Selenium Grid matches them.
BROWSER_NAMES = {"chromium": "chrome", "firefox": "firefox", "webkit": "MiniBrowser"}
_NO_NODE_MARKERS = ("No nodes support", "no slot", "Unable to find provider", "no stereotype")


def engine_options(engine: str, *, accept_insecure_certs: bool, eager: bool) -> ArgOptions:
    """Capabilities for a new session of `engine`; the node picks the browser's executable."""
    options: ArgOptions
    if engine == "chromium":
        options = webdriver.ChromeOptions()
        for argument in (*CHROMIUM_ARGS, "--headless=new"):
            options.add_argument(argument)
    elif engine == "firefox":
        options = webdriver.FirefoxOptions()
        options.add_argument("-headless")
    elif engine == "webkit":
        options = webdriver.WebKitGTKOptions()
        options.add_argument("--automation")  # MiniBrowser's automation mode, as WebKitWebDriver expects
    else:
        raise ValueError(f"unknown engine {engine!r}")
    options.accept_insecure_certs = accept_insecure_certs
    if eager:
        options.page_load_strategy = "eager"  # get() returns at DOMContentLoaded: init scripts run then
    return options


class RemoteWebDriverSession(WebDriverSession):
    context_keys = frozenset({"viewport"})

    def __init__(self, engine: str, url: str, *, accept_insecure_certs: bool = False,
                 session_timeout_s: float = 60) -> None:
        self.engine = engine
        self.url = url
        self.backend = BACKEND_REMOTE_WEBDRIVER
        self.capabilities = WEBDRIVER_CAPABILITIES - {CAP_LOCAL}
        self.accept_insecure_certs = accept_insecure_certs
        self.session_timeout_s = session_timeout_s
        self._pages: list[WebDriverPage] = []
        self._check_grid_has_engine()
        first = self.new_page()
        self.version = str(first.driver.capabilities.get("browserVersion", "unknown"))
        first.close()

    def new_page(self, init_scripts: Sequence[str] = ()) -> WebDriverPage:
        options = engine_options(self.engine, accept_insecure_certs=self.accept_insecure_certs,
                                 eager=bool(init_scripts))
        created: list[Any] = []
        failed: list[BaseException] = []

        def create() -> None:
            try:
                created.append(webdriver.Remote(command_executor=self.url, options=options))
            except BaseException as exc:  # noqa: BLE001 - reported to the caller below
                failed.append(exc)

        # A grid queues a request no node can take yet; bound the wait.
        started = time.monotonic()
        worker = threading.Thread(target=create, daemon=True, name=f"wasmblog-remote-{self.engine}")
        worker.start()
        worker.join(self.session_timeout_s)
        if worker.is_alive():
            threading.Thread(target=_quit_when_created, args=(worker, created), daemon=True).start()
            raise RemoteBrowserError(
                self.engine, self.url, f"no {self.engine} session within {self.session_timeout_s:.0f} s: the "
                "request is still queued (every node that has it is busy, or still starting)",
                "give the grid more slots for this engine, or run fewer tests at once against it")
        if not created:
            raise self._explain(failed[0] if failed else RuntimeError("unknown error"), time.monotonic() - started)
        page = WebDriverPage(created[0], init_scripts)
        viewport = self.context_args.get("viewport")
        if viewport is not None:
            created[0].set_window_size(int(viewport["width"]), int(viewport["height"]))
        self._track(page)
        self._start_page(page)
        return page

    def _check_grid_has_engine(self) -> None:
        """A Selenium Grid queues a request no node can serve (a node may join later) until its
        session-request timeout: ask its /status first, and fail at once when no slot has the engine.
        A remote end that is not a Grid has no node list: then the session request decides."""
        try:
            with urllib.request.urlopen(self.url.rstrip("/") + "/status", timeout=10) as response:
                status = json.load(response)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise self._unreachable(str(exc)) from None
        nodes = status.get("value", {}).get("nodes") if isinstance(status, dict) else None
        if not isinstance(nodes, list):
            return
        name = BROWSER_NAMES[self.engine]
        offered = sorted({str(slot.get("stereotype", {}).get("browserName")) for node in nodes
                          for slot in node.get("slots", []) if isinstance(slot, dict)})
        if name not in offered:
            raise RemoteBrowserError(
                self.engine, self.url, f"no node of the grid has {self.engine} (browserName {name!r}; it offers "
                f"{', '.join(offered) or 'nothing'})",
                f"add a node with {self.engine} to the grid, or point --wasm-remote {self.engine}=... elsewhere")

    def _unreachable(self, cause: str) -> RemoteBrowserError:
        return RemoteBrowserError(
            self.engine, self.url, f"the WebDriver remote end is unreachable ({cause})",
            "start the grid (e.g. `java -jar selenium-server.jar standalone`) and check the URL and port")

    def _explain(self, exc: BaseException, waited_s: float) -> RemoteBrowserError:
        text = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        name = BROWSER_NAMES[self.engine]
        if isinstance(exc, SessionNotCreatedException) and any(marker in text for marker in _NO_NODE_MARKERS):
            return RemoteBrowserError(
                self.engine, self.url, f"no node of the grid has {self.engine} (browserName {name!r})",
                f"add a node with {self.engine} to the grid, or point --wasm-remote {self.engine}=... elsewhere")
        if not isinstance(exc, WebDriverException):  # urllib3 / socket errors: nothing answered
            return self._unreachable(text.splitlines()[0][:200])
        return RemoteBrowserError(self.engine, self.url,
                                  f"the grid gave no session after {waited_s:.1f} s: {text.splitlines()[0][:300]}",
                                  f"check the grid's log for the {self.engine} node")

    def close(self) -> None:
        self._close_pages()

    def describe(self) -> str:
        return f"{self.engine} {self.version} (remote, WebDriver at {self.url})"


def _quit_when_created(worker: threading.Thread, created: list[Any]) -> None:
    """A session the grid grants after we gave up would hold a node's slot: end it when it comes."""
    worker.join()
    for driver in created:
        try:
            driver.quit()
        except Exception:  # noqa: BLE001, S110 - the grid may be gone by now
            pass
