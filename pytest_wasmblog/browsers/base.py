"""The small browser interface every engine backend implements.

Fixtures only talk to these two classes, so a Firefox (Playwright/BiDi) or a
WebKitGTK (WebDriver) backend slots in without touching them. Anything an engine
cannot do is announced through `capabilities`, so tests skip instead of failing.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType, TracebackType
from typing import Any, Self

from ..errors import WasmblogError
from ..network_conditions import Conditions

# Capability names a backend may announce.
CAP_CONSOLE = "console"  # console messages are captured
CAP_PAGE_ERRORS = "page-errors"  # uncaught page exceptions are captured
CAP_OFFLINE = "offline"  # the browser itself can go offline (navigator.onLine false)
CAP_CDP = "cdp"  # Chrome DevTools Protocol sessions (throttling and more)
CAP_SCREENSHOT = "screenshot"
CAP_TRACE = "trace"  # Playwright tracing
CAP_ROUTE = "route"  # request interception in the browser
CAP_LOCAL = "local"  # the browser runs on this machine (its process, display and files are reachable)
KNOWN_CAPABILITIES: frozenset[str] = frozenset(
    {CAP_CONSOLE, CAP_PAGE_ERRORS, CAP_OFFLINE, CAP_CDP, CAP_SCREENSHOT, CAP_TRACE, CAP_ROUTE, CAP_LOCAL}
)

ENGINES: tuple[str, ...] = ("chromium", "firefox", "webkit")


@dataclass(frozen=True)
class ConsoleMessage:
    """One console call from the page, its frames or its workers."""

    type: str  # "log", "error", "warning", "info", "debug", ...
    text: str
    location: str = ""  # "url:line:column" when the engine reports it


class BrowserPage(ABC):
    """One tab in a fresh, isolated profile (own cache, storage, service workers)."""

    @abstractmethod
    def goto(self, url: str, timeout_s: float = 30) -> int | None:
        """Load `url` until its load event; returns the HTTP status when known.

        Raises NavigationError when the page cannot be loaded in time.
        """

    @abstractmethod
    def evaluate(self, js_function_source: str, arg: object = None, timeout_s: float = 30) -> object:
        """Run `async (arg) => {...}` in the page and return its JSON-able result.

        A JS exception raises JavaScriptError (with the JS stack); a promise that
        does not settle within `timeout_s` raises EvaluateTimeoutError.
        """

    @abstractmethod
    def console_messages(self) -> list[ConsoleMessage]:
        """Console messages so far, oldest first."""

    @abstractmethod
    def page_errors(self) -> list[str]:
        """Uncaught exceptions and unhandled rejections so far, oldest first."""

    @abstractmethod
    def screenshot(self, path: str | os.PathLike[str]) -> None:
        """Save a PNG of the viewport."""

    @abstractmethod
    def close(self) -> None:
        """Close the page and its profile; safe to call twice."""

    # Whether the page's init scripts (BrowserSession.new_page) run before each document's own scripts
    # (Playwright), or only once a navigation of goto() reached DOMContentLoaded (WebDriver classic).
    init_scripts_first: bool = True

    @property
    @abstractmethod
    def closed(self) -> bool:
        """True once close() ran."""

    def start_trace_chunk(self) -> None:
        """Begin a new trace chunk (a test's part of a page's trace) where the backend traces."""

    def save_trace(self, path: str | os.PathLike[str]) -> bool:
        """Write the current trace chunk to `path`; False where the backend has no trace."""
        return False

    def apply_network(self, offline: bool, conditions: Conditions | None) -> None:
        """Take the browser offline or throttle it natively, where the backend can.

        The default does nothing: the test server's link is the mechanism every engine shares.
        """

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class ContextArgsError(WasmblogError):
    """wasm_context_args asks for what the backend cannot do, or is malformed."""


class BrowserSession(ABC):
    """One running browser (launched once per test session or worker)."""

    engine: str  # "chromium" | "firefox" | "webkit"
    backend: str  # "playwright-managed" | "system+playwright" | "system+webdriver"
    version: str
    capabilities: frozenset[str]

    # Record a Playwright trace of every page, in one chunk per test (--wasm-trace).
    trace: bool = False
    # What each new page's browser context is made with (the `wasm_context_args` fixture), and which of
    # those settings the backend can apply.
    context_args: Mapping[str, Any] = MappingProxyType({})
    context_keys: frozenset[str] = frozenset({"viewport", "locale", "timezone_id", "user_agent"})
    # Native network state new pages start with (the `network` fixture sets it).
    network_offline: bool = False
    network_conditions: Conditions | None = None

    @abstractmethod
    def new_page(self, init_scripts: Sequence[str] = ()) -> BrowserPage:
        """A page in a new, isolated browser context, with the current native network state. Each of
        `init_scripts` runs in every document the page loads (see BrowserPage.init_scripts_first)."""

    @abstractmethod
    def open_pages(self) -> list[BrowserPage]:
        """Pages made by new_page() and not closed yet."""

    def set_network(self, offline: bool, conditions: Conditions | None) -> None:
        """Apply native network conditions to every open page and to pages made from now on."""
        self.network_offline = offline
        self.network_conditions = conditions
        for page in self.open_pages():
            page.apply_network(offline, conditions)

    def _start_page(self, page: BrowserPage) -> None:
        if self.network_offline or self.network_conditions is not None:
            page.apply_network(self.network_offline, self.network_conditions)

    @abstractmethod
    def close(self) -> None:
        """Close the browser and any driver process; safe to call twice."""

    def set_context_args(self, args: Mapping[str, Any]) -> None:
        """Settings for every page made from now on; refuses what this backend cannot apply."""
        unknown = sorted(set(args) - {"viewport", "locale", "timezone_id", "user_agent"})
        if unknown:
            raise ContextArgsError(f"wasm_context_args has unknown keys {', '.join(unknown)}: it takes viewport "
                                   "({'width': w, 'height': h}), locale, timezone_id and user_agent")
        unsupported = sorted(set(args) - self.context_keys)
        if unsupported:
            raise ContextArgsError(
                f"{self.describe()} cannot set {', '.join(unsupported)} for a page (it can set "
                f"{', '.join(sorted(self.context_keys)) or 'nothing'}): leave them out of wasm_context_args for "
                f"{self.engine}")
        viewport = args.get("viewport")
        if viewport is not None and not (isinstance(viewport, Mapping) and set(viewport) == {"width", "height"}
                                         and all(isinstance(v, int) and v > 0 for v in viewport.values())):
            raise ContextArgsError(f"wasm_context_args viewport must be {{'width': w, 'height': h}} in pixels, "
                                   f"not {viewport!r}")
        self.context_args = MappingProxyType(dict(args))

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    def describe(self) -> str:
        """One line for the pytest report header."""
        return f"{self.engine} {self.version} ({self.backend})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
