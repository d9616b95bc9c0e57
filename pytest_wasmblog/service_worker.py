"""What a page's service worker is doing, asked from inside the page.

Asked in the page rather than through the driver because that works on every engine: Playwright's
`context.service_workers` stays empty on Firefox over BiDi, and WebDriver has no such API.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .browsers.base import BrowserPage

_STATE_JS = """async () => {
  const supported = typeof navigator.serviceWorker === "object" && navigator.serviceWorker !== null;
  const controller = supported ? navigator.serviceWorker.controller : null;
  const registration = supported ? await navigator.serviceWorker.getRegistration() : null;
  const cached = {};
  if (typeof caches === "object") {
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      cached[name] = (await cache.keys()).map((request) => {
        const url = new URL(request.url);
        return url.origin === location.origin ? url.pathname + url.search : url.href;
      });
    }
  }
  return {
    supported,
    controlled: controller !== null,
    scriptURL: controller ? controller.scriptURL : null,
    activeScriptURL: registration && registration.active ? registration.active.scriptURL : null,
    installing: Boolean(registration && registration.installing),
    waiting: Boolean(registration && registration.waiting),
    caches: cached,
  };
}"""


@dataclass(frozen=True)
class ServiceWorkerState:
    supported: bool  # the page can use service workers at all
    controlled: bool  # navigator.serviceWorker.controller is set: fetches go through a worker
    script_url: str | None  # the controlling worker's script
    active_script_url: str | None  # the registration's active worker (may not control this page yet)
    installing: bool  # a new version is installing
    waiting: bool  # a new version waits for the old one to let go
    caches: dict[str, list[str]]  # Cache Storage: cache name -> cached paths (same origin) or URLs

    def cached_paths(self) -> set[str]:
        """Every path in every cache."""
        return {path for paths in self.caches.values() for path in paths}


def service_worker_state(page: BrowserPage) -> ServiceWorkerState:
    raw = page.evaluate(_STATE_JS, timeout_s=10)
    if not isinstance(raw, dict):
        raise TypeError(f"the page answered {raw!r} for its service worker state")
    return ServiceWorkerState(
        supported=bool(raw["supported"]),
        controlled=bool(raw["controlled"]),
        script_url=raw["scriptURL"],
        active_script_url=raw["activeScriptURL"],
        installing=bool(raw["installing"]),
        waiting=bool(raw["waiting"]),
        caches={str(k): [str(p) for p in v] for k, v in dict(raw["caches"]).items()},
    )


def wait_until_controlled(page: BrowserPage, timeout_s: float = 15) -> ServiceWorkerState:
    """Wait for a service worker to control the page; a clear error names what was seen instead."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = service_worker_state(page)
        if state.controlled:
            return state
        if not state.supported:
            raise AssertionError("this page cannot use service workers (navigator.serviceWorker is missing; "
                                 "they need a secure context such as http://127.0.0.1)")
        if time.monotonic() > deadline:
            seen = (f"registered {state.active_script_url}, not controlling yet" if state.active_script_url
                    else "installing" if state.installing else "no registration")
            raise AssertionError(f"no service worker controlled the page within {timeout_s:.0f} s ({seen}); "
                                 "a worker controls pages loaded after it activates, or at once if it calls "
                                 "clients.claim()")
        time.sleep(0.1)
