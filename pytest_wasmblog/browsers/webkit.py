"""WebKit: Playwright's own WebKit when installed, else WebKitGTK's MiniBrowser over W3C WebDriver.

Both need SharedArrayBuffer switched on with JSC_useSharedArrayBuffer=1 (WebKitGTK keeps it off
even on isolated pages). WebKitGTK needs an X display: the session starts Xvfb unless the run is
headed with a DISPLAY. WebDriver has no console or offline API; the console comes from the page
probe the test server injects.
"""

from __future__ import annotations

import os
import subprocess
import threading
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import InvalidSessionIdException, TimeoutException, WebDriverException
from selenium.webdriver.webkitgtk.service import Service
from urllib3.exceptions import HTTPError

from ..errors import (
    BrowserLaunchError,
    EvaluateTimeoutError,
    JavaScriptError,
    NavigationError,
)
from . import evaluate as envelope
from . import processes
from .base import (
    CAP_CONSOLE,
    CAP_LOCAL,
    CAP_PAGE_ERRORS,
    CAP_SCREENSHOT,
    BrowserPage,
    BrowserSession,
    ConsoleMessage,
)
from .playwright_driver import release_playwright, resolve_with_driver
from .playwright_webkit import PlaywrightWebKitSession
from .resolve import BACKEND_MANAGED, ResolvedBrowser
from .webkit_flags import SAB_ENV
from .xvfb import Xvfb

WEBDRIVER_CAPABILITIES: frozenset[str] = frozenset({CAP_CONSOLE, CAP_PAGE_ERRORS, CAP_SCREENSHOT, CAP_LOCAL})

_ASYNC_SCRIPT = """const __done = arguments[arguments.length - 1];
(%s)(arguments[0]).then(__done, (e) => __done([1, String(e), (e && e.stack) ? String(e.stack) : ""]));"""


_SESSION_GONE = ("invalid session id", "session not found", "unable to find session", "session deleted",
                 "no such window")


# The driver's own limit on a script, the backstop for a page whose main thread never frees the in-page
# timer: at least this, so the usual evaluates (a snapshot's 10 s, a call's 10 s + 10) share one
# setting, and it is set again only for a longer one. Setting it is a round trip of its own.
SCRIPT_BACKSTOP_MIN_S = 30.0

# What WebKitWebDriver says once the page's web process died; the rerun filter of scripts/run.sh
# matches PAGE_CRASHED, the words every such failure carries.
_PAGE_CRASH_MARKER = "page crash"
PAGE_CRASHED = "WebKitGTK's web process crashed"


def _driver_failure(exc: WebDriverException) -> str:
    """The driver's words, with the likely cause first when the session itself is gone."""
    text = exc.msg or str(exc) or type(exc).__name__
    if _PAGE_CRASH_MARKER in text.lower():
        return (f"{PAGE_CRASHED} (a browser crash, not the page's error; the driver: "
                f"{text.splitlines()[0][:200]})")
    if isinstance(exc, InvalidSessionIdException) or any(marker in text.lower() for marker in _SESSION_GONE):
        return (f"the WebDriver session ended: the browser, or the grid node or driver running it, is gone "
                f"({text.splitlines()[0][:200]})")
    return text


def _driver_gone(exc: Exception) -> str:
    return (f"the WebDriver server stopped answering (the driver or the grid is gone): "
            f"{str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}")


class WebDriverPage(BrowserPage):
    """One WebDriver session: a fresh, isolated MiniBrowser profile."""

    init_scripts_first = False  # WebDriver classic has no init scripts: goto() runs them at DOMContentLoaded

    def __init__(self, driver: Any, init_scripts: Sequence[str] = ()) -> None:
        self.driver = driver
        self.init_scripts = tuple(init_scripts)
        self._closed = False
        self._script_backstop_s: float | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def goto(self, url: str, timeout_s: float = 30) -> int | None:

        try:
            self.driver.set_page_load_timeout(timeout_s)
            self.driver.get(url)
            for script in self.init_scripts:
                self.driver.execute_script(script)
            landed = self.driver.execute_script("return location.href")
        except WebDriverException as exc:
            raise NavigationError(url, _driver_failure(self._explained(exc))) from None
        except (HTTPError, ConnectionError) as exc:
            raise NavigationError(url, _driver_gone(exc)) from None
        # WebKitGTK does not fail a refused navigation: it stays on about:blank.
        if landed == "about:blank" and url != "about:blank":
            raise NavigationError(url, "the page could not be loaded (the browser stayed on about:blank)")
        return None  # WebDriver does not report the HTTP status

    def _explained(self, exc: WebDriverException) -> WebDriverException:
        """A failed navigation with no words (a crashed page says nothing): the next command's answer."""
        if exc.msg:
            return exc
        try:
            self.driver.execute_script("return 1")
        except WebDriverException as followup:
            return followup if followup.msg else exc
        except (HTTPError, ConnectionError):
            return exc
        return exc

    def evaluate(self, js_function_source: str, arg: object = None, timeout_s: float = 30) -> object:

        script = _ASYNC_SCRIPT % envelope.wrap(js_function_source)
        try:
            # The in-page timer answers first; the driver's own limit is the backstop.
            backstop = max(timeout_s + 5, SCRIPT_BACKSTOP_MIN_S)
            if backstop != self._script_backstop_s:
                self.driver.set_script_timeout(backstop)
                self._script_backstop_s = backstop
            result = self.driver.execute_async_script(script, [arg, max(0.0, timeout_s) * 1000])
        except TimeoutException:
            raise EvaluateTimeoutError(timeout_s) from None
        except WebDriverException as exc:
            raise JavaScriptError(_driver_failure(exc)) from None
        except (HTTPError, ConnectionError) as exc:
            raise JavaScriptError(_driver_gone(exc)) from None
        return envelope.unwrap(result, timeout_s)

    def _probe(self, method: str) -> list[Any]:
        try:
            value = self.evaluate(f"async () => window.__wasmblog ? window.__wasmblog.{method} : []", timeout_s=10)
        except JavaScriptError:
            return []
        return value if isinstance(value, list) else []

    def console_messages(self) -> list[ConsoleMessage]:
        return [ConsoleMessage(type=str(m["type"]), text=str(m["text"])) for m in self._probe("console()")]

    def page_errors(self) -> list[str]:
        return [str(e) for e in self._probe("snapshot().pageErrors")]

    def screenshot(self, path: str | os.PathLike[str]) -> None:
        self.driver.save_screenshot(os.fspath(path))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        service = getattr(self.driver, "service", None)
        try:
            self.driver.quit()
        except Exception:  # noqa: BLE001, S110 - the driver may have died with the browser
            pass
        if service is not None and service.process is not None:
            processes.untrack(service.process.pid)


SESSION_ATTEMPTS = 2


class _SessionHung(Exception):
    """WebKitWebDriver did not answer the session request in time."""


class WebDriverSession(BrowserSession):
    """What WebDriver-backed sessions share: every page is a WebDriver session of its own, tracked
    here so that closing the session ends them all."""

    _pages: list[WebDriverPage]

    def _track(self, page: WebDriverPage) -> None:
        self._pages = [p for p in self._pages if not p.closed]
        self._pages.append(page)

    def open_pages(self) -> list[BrowserPage]:
        return [p for p in self._pages if not p.closed]

    def _close_pages(self) -> None:
        for page in self._pages:
            page.close()
        self._pages = []


class WebKitGTKSession(WebDriverSession):
    """WebKitGTK's MiniBrowser; each page is a new WebDriver session (a clean profile)."""

    engine = "webkit"
    capabilities = WEBDRIVER_CAPABILITIES
    context_keys = frozenset({"viewport"})  # WebDriver sizes the window; it has no locale or timezone API

    def __init__(self, resolved: ResolvedBrowser, *, headless: bool = True, session_timeout_s: float = 30,
                 args: Sequence[str] = (), env: Mapping[str, str] | None = None) -> None:
        if resolved.executable is None or resolved.driver is None:
            raise BrowserLaunchError("webkit", resolved.executable, "WebKitGTK needs MiniBrowser and WebKitWebDriver")
        self.resolved = resolved
        self.executable: str = resolved.executable
        self.driver_executable: str = resolved.driver
        self.backend = resolved.backend
        self.session_timeout_s = session_timeout_s
        self._pages: list[WebDriverPage] = []
        self._xvfb: Xvfb | None = None
        display = os.environ.get("DISPLAY") if not headless else None
        if not display:
            self._xvfb = Xvfb().start()
            display = self._xvfb.display
        self.display = display
        # Of each WebDriver service, which starts MiniBrowser with it.
        self.env = {**os.environ, **SAB_ENV, **(env or {}), "DISPLAY": display}
        self.extra_args = tuple(args)
        try:
            first = self.new_page()
            self.version = str(first.driver.capabilities.get("browserVersion", "unknown"))
            first.close()
        except BaseException:
            self.close()
            raise

    def new_page(self, init_scripts: Sequence[str] = ()) -> WebDriverPage:
        # Now and then WebKitWebDriver starts and never answers the session request, on a display that
        # works (2 of about 5 full runs of the test command hit it once): a second try starts afresh.
        for _ in range(SESSION_ATTEMPTS):
            try:
                return self._new_page(init_scripts)
            except _SessionHung:
                continue
        raise BrowserLaunchError(
            "webkit", self.resolved.executable,
            f"no WebDriver session within {self.session_timeout_s:.0f} s, {SESSION_ATTEMPTS} times; "
            f"is the X display {self.display} working?")

    def _new_page(self, init_scripts: Sequence[str]) -> WebDriverPage:
        options = webdriver.WebKitGTKOptions()
        options.binary_location = self.executable
        if init_scripts:
            # get() then returns at DOMContentLoaded, so the scripts run before the page's async start-up
            # goes far (a page that reloads itself does so later), instead of after its load event.
            options.page_load_strategy = "eager"
        options.add_argument("--automation")
        for argument in self.extra_args:
            options.add_argument(argument)
        service = Service(executable_path=self.driver_executable, env=self.env)
        created: list[Any] = []
        failed: list[BaseException] = []

        def create() -> None:
            try:
                with warnings.catch_warnings():
                    # Selenium's own WebKitGTK constructor trips its deprecation of remote_server_addr.
                    warnings.simplefilter("ignore", DeprecationWarning)
                    created.append(webdriver.WebKitGTK(options=options, service=service))
            except BaseException as exc:  # noqa: BLE001 - reported to the caller below
                failed.append(exc)

        # Without a working display session creation hangs silently: bound it.
        worker = threading.Thread(target=create, daemon=True, name="wasmblog-webkit-session")
        worker.start()
        worker.join(self.session_timeout_s)
        if service.process is not None:
            processes.track(service.process.pid)
        if worker.is_alive() or not created:
            _kill(service.process)
            if worker.is_alive():
                raise _SessionHung
            raise BrowserLaunchError("webkit", self.resolved.executable, str(failed[0] if failed else "unknown error"))
        page = WebDriverPage(created[0], init_scripts)
        viewport = self.context_args.get("viewport")
        if viewport is not None:
            _size_viewport(created[0], int(viewport["width"]), int(viewport["height"]))
        self._track(page)
        self._start_page(page)  # WebDriver has no network API: the server's link does it all
        return page

    def close(self) -> None:
        self._close_pages()
        if self._xvfb is not None:
            self._xvfb.stop()
            self._xvfb = None


def _size_viewport(driver: Any, width: int, height: int) -> None:
    """WebDriver sizes the window, frame and toolbars included: size it, then add what they take."""
    driver.set_window_size(width, height)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(2 * width - int(inner[0]), 2 * height - int(inner[1]))


def _kill(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.kill()
        processes.untrack(process.pid)


def launch_webkit(explicit_path: str | None = None, *, headless: bool = True, args: Sequence[str] = (),
                  env: Mapping[str, str] | None = None, launch_timeout_s: float = 60) -> BrowserSession:
    playwright, resolved = resolve_with_driver("webkit", explicit_path)
    if resolved.backend == BACKEND_MANAGED:
        return PlaywrightWebKitSession(playwright, resolved, headless=headless, launch_timeout_s=launch_timeout_s,
                                       args=args, env=env)
    release_playwright()
    return WebKitGTKSession(resolved, headless=headless, session_timeout_s=min(30.0, launch_timeout_s),
                            args=args, env=env)
