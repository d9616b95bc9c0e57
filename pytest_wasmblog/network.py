"""The `network` fixture: take the network away or throttle it, on every engine.

Two mechanisms work together. The test server's link (pytest_wasmblog.link) is the one all
engines share: offline drops every connection, throttling delays and paces every response,
including those a service worker fetches. Where the backend can also do it natively, that is
applied too: Playwright's set_offline (navigator.onLine turns false and `offline` events fire),
and on Chromium the DevTools network emulation. Which mechanisms applied (the fidelity) goes
into the test's report.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import NoReturn, Self

from .browsers.base import CAP_CDP, CAP_OFFLINE, BrowserPage, BrowserSession
from .errors import WasmblogError
from .link import Link
from .network_conditions import Conditions, resolve
from .remote import RemoteSite
from .service_worker import (
    ServiceWorkerState,
    service_worker_state,
    wait_until_controlled,
)

OFFLINE_SERVER = "server: connections dropped (every request, service workers' included)"
OFFLINE_NATIVE = "browser: Playwright set_offline (navigator.onLine false, offline event)"
THROTTLE_SERVER_ALL = "server: latency per request, shared bandwidth (every request)"
THROTTLE_CDP = "browser: Chromium CDP network emulation (page, frames, dedicated workers)"
THROTTLE_SERVER_REST = "server: latency and bandwidth for requests the browser did not throttle (service workers)"
OFFLINE_HOST = "host: its server stopped (connections refused, service workers' requests included)"
THROTTLE_CDP_ONLY = ("browser: Chromium CDP network emulation (page, frames, dedicated workers); service workers' "
                     "requests go at full speed, since the host is not the plugin's")


class NetworkUnavailableError(WasmblogError):
    """This engine cannot make that network condition real against a host the plugin did not start."""


class _Condition:
    """A change of the network that applies at once and is undone by stop() or leaving `with`."""

    def __init__(self, network: Network) -> None:
        self._network = network
        self.active = False

    def start(self) -> Self:
        if not self.active:
            self.active = True
            self._network._changed(self)
        return self

    def stop(self) -> None:
        if self.active:
            self.active = False
            self._network._changed(self)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class Offline(_Condition):
    def __repr__(self) -> str:
        return f"<network offline {'on' if self.active else 'off'}>"


class Throttle(_Condition):
    def __init__(self, network: Network, conditions: Conditions) -> None:
        super().__init__(network)
        self.conditions = conditions

    def __repr__(self) -> str:
        return f"<network throttle {self.conditions.describe()} {'on' if self.active else 'off'}>"


class Network:
    """`network.offline()` and `network.throttle("fast-3g")`; both apply at once and are undone by
    `.stop()`, by leaving their `with` block, or at the end of the test."""

    def __init__(self, link: Link, browser: BrowserSession, record: Callable[[str], None] = lambda _: None,
                 remote: RemoteSite | None = None, unavailable: Callable[[str], NoReturn] | None = None) -> None:
        """`remote`: the site is a host the plugin did not start (`--wasm-base-url`), so the server-side
        mechanisms are gone: only the browser's own, or the host's offline switch when it has one.
        `unavailable(reason)` is called for a condition this engine cannot make real there (the plugin
        skips the test); by default it raises NetworkUnavailableError."""
        self.link = link
        self.browser = browser
        self.remote = remote
        self._unavailable = unavailable or _raise_unavailable
        self._record = record
        self._conditions: list[_Condition] = []  # active ones, oldest first
        self.fidelity: list[str] = []  # what applied during the test, in order

    # --- switching ----------------------------------------------------------
    def offline(self) -> Offline:
        """Take the network away; `with network.offline(): ...` or `handle = network.offline(); handle.stop()`."""
        if self.remote is not None and self.remote.offline_switch is None and not self.browser.has(CAP_OFFLINE):
            self._unavailable(
                f"network.offline() against {self.remote.description}: {self.browser.describe()} has no offline "
                "switch of its own, and the plugin cannot drop the connections of a host it did not start. Run "
                "offline tests on chromium or firefox (Playwright takes them offline), or against a host the "
                "plugin starts (--wasm-host nginx|caddy|apache|plain), or without --wasm-base-url")
        return Offline(self).start()

    def throttle(self, profile: str | Conditions) -> Throttle:
        """Throttle to a named profile (`slow-3g`, `fast-3g`, `4g`) or to Conditions(...)."""
        conditions = resolve(profile)
        if self.remote is not None and not self.browser.has(CAP_CDP):
            self._unavailable(
                f"network.throttle() against {self.remote.description}: the plugin slows responses on its own "
                f"server, and {self.browser.describe()} cannot throttle by itself (only Chromium can, over CDP). "
                "Run throttled tests on chromium, or without --wasm-base-url")
        return Throttle(self, conditions).start()

    def online(self) -> None:
        """Undo every offline and throttle of this test."""
        for condition in list(reversed(self._conditions)):
            condition.stop()

    @property
    def is_offline(self) -> bool:
        return any(isinstance(c, Offline) for c in self._conditions)

    @property
    def conditions(self) -> Conditions | None:
        """The throttling in force: the most recent throttle still active."""
        throttles = [c for c in self._conditions if isinstance(c, Throttle)]
        return throttles[-1].conditions if throttles else None

    @property
    def _browser_throttles(self) -> bool:
        """Chromium throttles its page itself; the server then slows only what the browser did not."""
        return self.conditions is not None and self.browser.has(CAP_CDP)

    def mechanisms(self) -> list[str]:
        """How the current state is made real on this engine."""
        used: list[str] = []
        if self.is_offline:
            if self.remote is None:
                used.append(OFFLINE_SERVER)
            elif self.remote.offline_switch is not None:
                used.append(OFFLINE_HOST)
            if self.browser.has(CAP_OFFLINE):
                used.append(OFFLINE_NATIVE)
        if self.conditions is not None:
            if self.remote is not None:
                used.append(THROTTLE_CDP_ONLY)
            else:
                used.extend([THROTTLE_CDP, THROTTLE_SERVER_REST] if self._browser_throttles else [THROTTLE_SERVER_ALL])
        return used

    def _changed(self, condition: _Condition) -> None:
        if condition.active:
            self._conditions.append(condition)
        else:
            self._conditions.remove(condition)
        offline, conditions = self.is_offline, self.conditions
        # Server first when going offline, browser first when coming back: no request slips through.
        if offline:
            self._set_served_offline(True)
        self.link.set_conditions(conditions, browser_shaped=self._browser_throttles)
        self.browser.set_network(offline, conditions)
        if not offline:
            self._set_served_offline(False)
        state = ("offline" if offline else "online") + (f", throttled to {conditions.describe()}" if conditions else "")
        line = f"{self.browser.engine}: {state}" + "".join(f"\n  via {m}" for m in self.mechanisms())
        self.fidelity.append(line)
        self._record(line)

    def _set_served_offline(self, offline: bool) -> None:
        if self.remote is None:
            self.link.set_offline(offline)
        elif self.remote.offline_switch is not None and self.remote.link.offline != offline:
            self.remote.offline_switch(offline)
            self.remote.link.set_offline(offline)  # the host's state, so it is switched once

    # --- service workers ----------------------------------------------------
    def service_worker(self, page: BrowserPage | object) -> ServiceWorkerState:
        """Whether the page is controlled by a service worker and what Cache Storage holds.

        `page` is a BrowserPage or anything with a `.page` (a PopcornApp).
        """
        return service_worker_state(_page_of(page))

    def wait_until_controlled(self, page: BrowserPage | object, timeout_s: float = 15) -> ServiceWorkerState:
        return wait_until_controlled(_page_of(page), timeout_s)


def _raise_unavailable(reason: str) -> NoReturn:
    raise NetworkUnavailableError(reason)


def _page_of(target: BrowserPage | object) -> BrowserPage:
    if isinstance(target, BrowserPage):
        return target
    page = getattr(target, "page", None)
    if isinstance(page, BrowserPage):
        return page
    raise TypeError(f"expected a BrowserPage or a PopcornApp, not {type(target).__name__}")
