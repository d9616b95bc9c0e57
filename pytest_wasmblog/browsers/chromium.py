"""Chromium through Playwright's sync API (managed build or the system's Chromium)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from typing import Any

from playwright.sync_api import BrowserContext, ConsoleMessage as PwConsoleMessage, Error as PwError
from playwright.sync_api import Page, Playwright, sync_playwright

from ..errors import BrowserLaunchError, EvaluateTimeoutError, JavaScriptError, NavigationError
from .base import (
    CAP_CDP,
    CAP_CONSOLE,
    CAP_OFFLINE,
    CAP_PAGE_ERRORS,
    CAP_ROUTE,
    CAP_SCREENSHOT,
    CAP_TRACE,
    BrowserPage,
    BrowserSession,
    ConsoleMessage,
)
from .resolve import Probes, ResolvedBrowser, resolve_browser

# Without the networking flags Chromium keeps dialling hosts a closed network refuses;
# --no-sandbox because CI containers often run as root.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

CHROMIUM_CAPABILITIES: frozenset[str] = frozenset(
    {CAP_CONSOLE, CAP_PAGE_ERRORS, CAP_OFFLINE, CAP_CDP, CAP_SCREENSHOT, CAP_TRACE, CAP_ROUTE}
)

# Playwright's evaluate has no timeout, so the user's function races a timer in
# the page. Results come back in an envelope so JS errors keep their stack:
# [0, json] | [1, message, stack] | [2] (timed out). A page whose main thread is
# blocked (busy loop) never fires the timer: that hangs, as in every JS harness.
_EVALUATE_WRAPPER = """async ([__arg, __timeoutMs]) => {
  const __fn = (%s);
  const __timedOut = Symbol("wasmblog-timeout");
  let __timer;
  const __timer_promise = new Promise((resolve) => {
    __timer = setTimeout(() => resolve(__timedOut), __timeoutMs);
  });
  try {
    const __value = await Promise.race([
      Promise.resolve().then(() => __fn(__arg)),
      __timer_promise,
    ]);
    if (__value === __timedOut) return [2];
    // JSON, not Playwright's own serialisation: every engine's backend returns the same values.
    const __json = JSON.stringify(__value);
    return [0, __json === undefined ? "null" : __json];
  } catch (e) {
    const message = (e && typeof e === "object" && "message" in e)
      ? `${e.name || "Error"}: ${e.message}` : `Uncaught (non-Error) ${String(e)}`;
    return [1, message, (e && e.stack) ? String(e.stack) : ""];
  } finally {
    clearTimeout(__timer);
  }
}"""


class _DriverSlot(threading.local):
    playwright: Playwright | None = None
    users: int = 0


_driver = _DriverSlot()


def acquire_playwright() -> Playwright:
    """The thread's Playwright driver, started on first use.

    The sync API allows one running Playwright per thread, so every Playwright
    backend (Chromium now, Firefox later) shares it; release with release_playwright().
    """
    if _driver.playwright is None:
        try:
            _driver.playwright = sync_playwright().start()
        except Exception as exc:  # e.g. called inside a running asyncio loop
            raise BrowserLaunchError("playwright", None, f"the Playwright driver did not start: {exc}") from None
        _driver.users = 0
    _driver.users += 1
    return _driver.playwright


def release_playwright() -> None:
    """Drop one user; the last one stops the driver (its Node process would outlive pytest)."""
    if _driver.playwright is None:
        return
    _driver.users -= 1
    if _driver.users <= 0:
        pw, _driver.playwright, _driver.users = _driver.playwright, None, 0
        pw.stop()


def playwright_users() -> int:
    """How many sessions in this thread hold the shared driver (0 = not running)."""
    return _driver.users if _driver.playwright is not None else 0


class ChromiumPage(BrowserPage):
    def __init__(self, context: BrowserContext) -> None:
        self.context = context  # escape hatch for Chromium-only tests (CDP, route, tracing)
        self._console: list[ConsoleMessage] = []
        self._errors: list[str] = []
        self._lock = threading.Lock()
        self._closed = False
        # Context-level console events also carry the srcdoc iframe and workers.
        context.on("console", self._on_console)
        self.page: Page = context.new_page()
        self.page.on("pageerror", self._on_page_error)

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
        source = _EVALUATE_WRAPPER % js_function_source.strip().rstrip(";")
        try:
            envelope: Any = self.page.evaluate(source, [arg, max(0.0, timeout_s) * 1000])
        except PwError as exc:
            # Not thrown by the user's code: syntax error, navigation, closed page, unserializable result.
            raise JavaScriptError(exc.message, exc.stack or "") from None
        if not isinstance(envelope, list) or not envelope:
            raise JavaScriptError(f"unexpected evaluate envelope: {json.dumps(envelope, default=str)[:200]}")
        if envelope[0] == 0:
            return json.loads(envelope[1])
        if envelope[0] == 2:
            raise EvaluateTimeoutError(timeout_s)
        raise JavaScriptError(str(envelope[1]), str(envelope[2]))

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

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.context.close()
        except PwError:
            pass  # the browser may already be gone; nothing left to free


class ChromiumSession(BrowserSession):
    """One Chromium process; every page gets its own context (cache, storage, service workers)."""

    engine = "chromium"
    capabilities = CHROMIUM_CAPABILITIES

    def __init__(self, playwright: Playwright, resolved: ResolvedBrowser, *, headless: bool = True,
                 extra_args: Sequence[str] = (), launch_timeout_s: float = 60) -> None:
        """Prefer `launch_chromium()`; `playwright` must come from acquire_playwright()
        (this session releases it on close)."""
        self.resolved = resolved
        self.backend = resolved.backend
        self._playwright: Playwright | None = playwright
        self._pages: list[ChromiumPage] = []
        try:
            self.browser = playwright.chromium.launch(
                executable_path=resolved.executable,
                headless=headless,
                args=[*CHROMIUM_ARGS, *extra_args],
                timeout=launch_timeout_s * 1000,
            )
        except PwError as exc:
            self._stop_driver()
            raise BrowserLaunchError("chromium", resolved.executable, exc.message) from None
        self.version = self.browser.version

    def new_page(self) -> ChromiumPage:
        if self._playwright is None:
            raise BrowserLaunchError("chromium", self.resolved.executable, "the session is already closed")
        page = ChromiumPage(self.browser.new_context())
        self._pages = [p for p in self._pages if not p._closed]
        self._pages.append(page)
        return page

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


def launch_chromium(explicit_path: str | None = None, *, headless: bool = True,
                    extra_args: Sequence[str] = (), probes: Probes | None = None,
                    launch_timeout_s: float = 60) -> ChromiumSession:
    """Resolve and launch Chromium, using the shared Playwright driver for both steps."""
    playwright = acquire_playwright()
    try:
        if probes is None:
            probes = Probes(managed_executable=lambda engine: str(getattr(playwright, engine).executable_path))
        resolved = resolve_browser("chromium", explicit_path, probes)
    except BaseException:
        release_playwright()
        raise
    return ChromiumSession(playwright, resolved, headless=headless, extra_args=extra_args,
                           launch_timeout_s=launch_timeout_s)
