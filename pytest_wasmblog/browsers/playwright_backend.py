"""Pages and sessions driven through Playwright's sync API, for any engine it can launch."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, Playwright
from playwright.sync_api import ConsoleMessage as PwConsoleMessage
from playwright.sync_api import Error as PwError

from ..errors import BrowserLaunchError, JavaScriptError, NavigationError
from ..link import BROWSER_SHAPED_HEADER
from ..network_conditions import Conditions
from . import evaluate as envelope
from .base import (
    CAP_CDP,
    CAP_CONSOLE,
    CAP_LOCAL,
    CAP_OFFLINE,
    CAP_PAGE_ERRORS,
    CAP_ROUTE,
    CAP_SCREENSHOT,
    CAP_TRACE,
    BrowserPage,
    BrowserSession,
    ConsoleMessage,
)
from .playwright_driver import release_playwright
from .resolve import ResolvedBrowser

# What every engine gives through Playwright; Chromium adds CDP.
PLAYWRIGHT_CAPABILITIES: frozenset[str] = frozenset(
    {CAP_CONSOLE, CAP_PAGE_ERRORS, CAP_OFFLINE, CAP_SCREENSHOT, CAP_TRACE, CAP_ROUTE, CAP_LOCAL}
)


class PlaywrightPage(BrowserPage):
    def __init__(self, context: BrowserContext, *, cdp: bool = False, trace: bool = False) -> None:
        self.context = context  # escape hatch for engine-only tests (CDP, route, tracing)
        self._tracing = trace
        if trace:
            context.tracing.start(screenshots=True, snapshots=True)
            context.tracing.start_chunk()
        self._cdp_available = cdp
        self._cdp: CDPSession | None = None
        self._console: list[ConsoleMessage] = []
        self._errors: list[str] = []
        self._lock = threading.Lock()
        self._closed = False
        # Context-level console events also carry the srcdoc iframe and workers.
        context.on("console", self._on_console)
        self.page: Page = context.new_page()
        self.page.on("pageerror", self._on_page_error)

    @property
    def closed(self) -> bool:
        return self._closed

    def _on_console(self, msg: PwConsoleMessage) -> None:
        loc = msg.location
        where = f"{loc.get('url', '')}:{loc.get('lineNumber', 0)}:{loc.get('columnNumber', 0)}" if loc else ""
        with self._lock:
            self._console.append(ConsoleMessage(type=msg.type, text=msg.text, location=where))

    def _on_page_error(self, error: PwError) -> None:
        text = f"{error.name}: {error.message}" if error.name else error.message
        with self._lock:
            self._errors.append(text)

    def _flush_events(self) -> None:
        # Events are dispatched while Playwright waits on the driver; a tiny round trip
        # delivers everything the browser sent before it.
        if self._closed or self.page.is_closed():
            return
        try:
            self.page.evaluate("0")
        except PwError:
            pass

    def goto(self, url: str, timeout_s: float = 30) -> int | None:
        try:
            response = self.page.goto(url, timeout=timeout_s * 1000, wait_until="load")
        except PwError as exc:
            raise NavigationError(url, exc.message) from None
        return response.status if response is not None else None

    def evaluate(self, js_function_source: str, arg: object = None, timeout_s: float = 30) -> object:
        try:
            result: Any = self.page.evaluate(envelope.wrap(js_function_source), [arg, max(0.0, timeout_s) * 1000])
        except PwError as exc:
            # Not thrown by the user's code: syntax error, navigation, closed page, unserializable result.
            raise JavaScriptError(exc.message, exc.stack or "") from None
        return envelope.unwrap(result, timeout_s)

    def console_messages(self) -> list[ConsoleMessage]:
        self._flush_events()
        with self._lock:
            return list(self._console)

    def page_errors(self) -> list[str]:
        self._flush_events()
        with self._lock:
            return list(self._errors)

    def screenshot(self, path: str | os.PathLike[str]) -> None:
        self.page.screenshot(path=os.fspath(path))

    def start_trace_chunk(self) -> None:
        if self._tracing and not self._closed:
            self.context.tracing.stop_chunk()  # the previous test's part: not kept
            self.context.tracing.start_chunk()

    def save_trace(self, path: str | os.PathLike[str]) -> bool:
        if not self._tracing or self._closed:
            return False
        self.context.tracing.stop_chunk(path=os.fspath(path))
        self.context.tracing.start_chunk()
        return True

    def apply_network(self, offline: bool, conditions: Conditions | None) -> None:
        # Throttle first: CDP's emulation carries its own offline flag, which must agree.
        if self._cdp_available:
            self._emulate_with_cdp(offline, conditions)
        self.context.set_offline(offline)  # also flips navigator.onLine and fires offline/online

    def _emulate_with_cdp(self, offline: bool, conditions: Conditions | None) -> None:
        """Chromium's own throttling for this page's target (its frames and dedicated workers).

        The marker header tells the test server which requests the browser already slowed down;
        requests from service workers do not carry it and are throttled by the server instead.
        """
        if self._cdp is None:
            if conditions is None:
                return
            self._cdp = self.context.new_cdp_session(self.page)
            self._cdp.send("Network.enable")
        headers = {BROWSER_SHAPED_HEADER: "cdp"} if conditions is not None else {}
        self._cdp.send("Network.setExtraHTTPHeaders", {"headers": headers})
        self._cdp.send("Network.emulateNetworkConditions", {
            "offline": offline,
            "latency": conditions.latency_ms if conditions else 0,
            "downloadThroughput": conditions.download_bps if conditions and conditions.download_bps else -1,
            "uploadThroughput": conditions.upload_bps if conditions and conditions.upload_bps else -1,
        })

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.context.close()
        except PwError:
            pass  # the browser may already be gone; nothing left to free


class PlaywrightSession(BrowserSession):
    """One browser process; every page gets its own context (cache, storage, service workers).

    Subclasses launch their engine in `_launch`; `playwright` must come from acquire_playwright()
    (this session releases it on close).
    """

    def __init__(self, playwright: Playwright, resolved: ResolvedBrowser, *, headless: bool = True,
                 launch_timeout_s: float = 60, args: Sequence[str] = (), env: Mapping[str, str] | None = None
                 ) -> None:
        self.resolved = resolved
        # Extra command-line arguments and environment (the `wasm_launch_args` fixture).
        self.extra_args = tuple(args)
        self.extra_env = dict(env or {})
        self.backend = resolved.backend
        self._playwright: Playwright | None = playwright
        self._pages: list[PlaywrightPage] = []
        try:
            self.browser: Browser = self._launch(playwright, headless, launch_timeout_s * 1000)
        except PwError as exc:
            self._stop_driver()
            raise BrowserLaunchError(self.engine, resolved.executable, exc.message) from None
        except BaseException:
            self._stop_driver()
            raise
        self.version = self.browser.version

    def _launch(self, playwright: Playwright, headless: bool, timeout_ms: float) -> Browser:
        raise NotImplementedError

    def _env(self, base: Mapping[str, str] | None = None) -> dict[str, str | float | bool] | None:
        """The browser's environment: None (inherit) unless something is added."""
        added = {**(base or {}), **self.extra_env}
        return {**os.environ, **added} if added else None

    def _new_context(self) -> BrowserContext:
        return self.browser.new_context(**self.context_args)

    def new_page(self, init_scripts: Sequence[str] = ()) -> PlaywrightPage:
        if self._playwright is None:
            raise BrowserLaunchError(self.engine, self.resolved.executable, "the session is already closed")
        context = self._new_context()
        for script in init_scripts:
            # Frames run it too (Playwright runs init scripts in every frame): it must check where it runs.
            context.add_init_script(script=script)
        page = PlaywrightPage(context, cdp=self.has(CAP_CDP), trace=self.trace)
        self._pages = [p for p in self._pages if not p.closed]
        self._pages.append(page)
        self._start_page(page)
        return page

    def open_pages(self) -> list[BrowserPage]:
        return [p for p in self._pages if not p.closed]

    def close(self) -> None:
        if self._playwright is None:
            return
        try:
            for page in self._pages:
                page.close()
            self.browser.close()
        except PwError:
            pass  # a crashed browser is closed already
        finally:
            self._stop_driver()

    def _stop_driver(self) -> None:
        if self._playwright is not None:
            self._playwright = None
            release_playwright()
