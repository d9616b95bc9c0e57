"""A page with a Popcorn app booted in it, and the calls made through it.

Boot readiness, VM output and crashes come from the probe the test server injects into every
HTML page (js/probe.js), so they are seen the same way on every engine and a dead VM fails a
test within a poll interval instead of after Popcorn's 30 s init timeout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pytest_wasmblog import site_report
from pytest_wasmblog.browsers.base import BrowserPage
from pytest_wasmblog.bundle.config import module_atom
from pytest_wasmblog.errors import JavaScriptError
from pytest_wasmblog.settings import DEFAULT_MAX_PAYLOAD
from pytest_wasmblog.vm_errors import (
    BridgeError,
    PageSetupError,
    VMCrashError,
    boot_timed_out,
    bundle_not_found,
    call_timed_out,
    not_isolated,
    page_runs_no_script,
    page_threw_while_booting,
    payload_too_large,
    popcorn_frame_removed,
    popcorn_not_exposed,
    vm_died_during_call,
    vm_stopped_while_booting,
)

PROBE_JS = (resources.files("pytest_wasmblog") / "js" / "probe.js").read_text()
_POLL_S = 0.05
# How long after popcorn_app_ready the page may take to set window.popcorn. Popcorn resolves init()
# in the task that delivers the event, so a page that does `window.popcorn = await Popcorn.init()`
# sets it a few microtasks later: medians 0.07-0.7 ms and 8 ms at most over 360 boots of the example
# site and tests/sites/toolbox, cold and warm, on all three engines (bench/test_expose_gap.py), and
# 34 ms at most with the 2 cores overloaded (load average 9). 1 s is 30 times that worst case.
EXPOSE_GRACE_S = 1.0
_BUNDLE_PROBES = frozenset({"/bundle.avm", "/assets/bundle.avm"})
SNAPSHOT_JS = "async () => window.__wasmblog ? window.__wasmblog.snapshot() : null"
_ALIVE_JS = "async () => window.__wasmblog ? window.__wasmblog.alive() : false"
# The probe for a page the plugin does not serve: top frame only (init scripts run in every frame).
PROBE_INIT = "if (window.top === window) {\n" + PROBE_JS + "\n}"
_INSTALL_PROBE_JS = "async () => {\n" + PROBE_JS + "\nreturn window.__wasmblog ? window.__wasmblog.snapshot() : null;\n}"
# A page that is not isolated yet may be about to reload itself with a service worker that adds the
# headers: its register() is in flight, or one is installing, waiting, or active without controlling
# the page yet.
_ISOLATION_PENDING_JS = """async () => {
  if (!("serviceWorker" in navigator)) return false;
  if (window.__wasmblog && window.__wasmblog.registering && window.__wasmblog.registering() > 0) return true;
  const registration = await navigator.serviceWorker.getRegistration();
  return Boolean(registration && (registration.installing || registration.waiting
    || (registration.active && !navigator.serviceWorker.controller)));
}"""
# How long a page may stay not isolated, with no service worker on the way, before the boot fails.
NOT_ISOLATED_GRACE_S = 0.5
# How long a page may be between two documents (unanswerable, or without the probe) while booting.
RELOAD_GAP_S = 3.0


@dataclass(frozen=True)
class CallResult:
    ok: bool
    data: Any
    error_code: str | None
    error_message: str | None
    duration_ms: float  # in the page, Popcorn's clock
    # The call's legs in ms (page_to_iframe, iframe_to_vm, in_elixir, vm_to_page; or vm_and_reply for a
    # receiver other than PytestWasmblog.Bridge): what the probe could time of it.
    legs: dict[str, float] = field(default_factory=dict)
    wall_ms: float = 0.0  # from Python: the driver's round trip included

    @property
    def driver_ms(self) -> float:
        """What the call cost outside the page: the driver's round trip to it and back."""
        return max(0.0, self.wall_ms - self.duration_ms)


class PopcornApp:
    """One page of the site with its VM up; reused across tests unless a test asks for a fresh one."""

    def __init__(self, page: BrowserPage, url: str, boot_timeout_s: float, call_timeout_s: float,
                 max_payload_bytes: int = DEFAULT_MAX_PAYLOAD, site: Path | None = None,
                 inject_probe: bool = False) -> None:
        """`site`: the built folder the page comes from; its build report explains VM failures.
        `inject_probe`: the page's server does not inject the probe (a host the plugin does not serve):
        the page was made with PROBE_INIT as an init script, and where the browser runs that only after
        the start of each document, the app installs the probe itself whenever it finds none."""
        self.page = page
        self._probe_after_load = inject_probe and not page.init_scripts_first
        self._gap_since: float | None = None
        self.site = site
        self.url = url
        self.boot_timeout_s = boot_timeout_s
        self.call_timeout_s = call_timeout_s
        self.max_payload_bytes = max_payload_bytes
        self.boot_ms: float | None = None
        self.boot_wall_s: float | None = None
        # ms from the boot's first navigation to the document that booted: > 0 when the page reloaded
        # itself on the way (a service worker that makes it cross-origin isolated does, once).
        self.boot_reload_ms = 0.0
        self.isolated: bool | None = None  # crossOriginIsolated as the page saw it while booting
        self.call_durations_ms: list[float] = []
        self.before_close: list[Callable[[PopcornApp], None]] = []  # run while the page is still open

    def boot(self, boot_timeout_s: float | None = None, watch: Callable[[], None] | None = None) -> PopcornApp:
        """Load the page and wait for the app; `watch` runs every poll and raises to stop the boot early
        (the plugin uses it to report what its server already knows is wrong)."""
        timeout_s = boot_timeout_s or self.boot_timeout_s
        started = time.monotonic()
        self.page.goto(self.url, timeout_s=timeout_s)
        deadline = started + timeout_s
        not_isolated_since: float | None = None
        first_origin: float | None = None  # the first document's start (epoch ms), for a late probe
        while True:
            if watch is not None:
                watch()
            state = self._booting_snapshot(deadline)
            if state is None:  # between two documents: the page reloads itself
                time.sleep(_POLL_S)
                continue
            first_origin = first_origin if first_origin is not None else float(state["timeOrigin"])
            self.isolated = bool(state["crossOriginIsolated"])
            if state["fatal"]:
                raise vm_stopped_while_booting(self.url, state["fatal"]["line"], state["stdout"], state["stderr"],
                                               self.report())
            if state["ready"] and not state["crossOriginIsolated"]:
                # Only WebKitGTK's JSC_useSharedArrayBuffer (set for its tests) lets a VM start on a page that
                # is not isolated; Safari and every other browser would give it no SharedArrayBuffer.
                raise not_isolated(self.url, state["stdout"], state["stderr"])
            if state["ready"]:
                break
            if state["crossOriginIsolated"] or self._isolation_pending():
                not_isolated_since = None
            elif not_isolated_since is None:
                not_isolated_since = time.monotonic()
            elif time.monotonic() - not_isolated_since > NOT_ISOLATED_GRACE_S or time.monotonic() > deadline:
                raise not_isolated(self.url, state["stdout"], state["stderr"])
            if state["pageErrors"]:
                raise page_threw_while_booting(self.url, state["pageErrors"][0], state["stdout"], state["stderr"])
            fault = page_setup_fault(state, self.url)
            if fault is not None:
                raise fault
            if time.monotonic() > deadline:
                raise boot_timed_out(self.url, timeout_s, state["stdout"], state["stderr"],
                                     announced=state["readyAt"] is not None, popcorn=state["popcorn"],
                                     frame_at_ms=state["frameAt"], heartbeat_at_ms=state["heartbeatAt"])
            time.sleep(_POLL_S)
        self.boot_wall_s = time.monotonic() - started
        # From the boot's first navigation: a page that reloaded itself to become isolated counts both loads.
        self.boot_reload_ms = float(state.get("bootStartOffset") or 0.0)
        if self._probe_after_load and first_origin is not None:
            # A probe that came after the load could not hand the start on: the first document this loop
            # saw began then (a reload before the first look would go unseen).
            self.boot_reload_ms = float(state["timeOrigin"]) - first_origin
        # WebKit's timeOrigin differs between reads (and from a copy in sessionStorage) by a few
        # microseconds; a reload takes milliseconds at the least.
        if self.boot_reload_ms < 1.0:
            self.boot_reload_ms = 0.0
        self.boot_ms = float(state["readyAt"]) + self.boot_reload_ms
        return self

    def _booting_snapshot(self, deadline: float) -> dict[str, Any] | None:
        """The probe's state while the page boots; None while a document replaces another (a reload the
        page makes on its own), for a moment: a page with no probe at all fails fast."""
        try:
            state = self.snapshot()
        except (JavaScriptError, BridgeError):
            now = time.monotonic()
            self._gap_since = self._gap_since or now
            if now > deadline or now - self._gap_since > RELOAD_GAP_S:
                raise
            return None
        self._gap_since = None
        return state

    def _isolation_pending(self) -> bool:
        try:
            return bool(self.page.evaluate(_ISOLATION_PENDING_JS, timeout_s=5))
        except JavaScriptError:
            return True  # the page is going away: its next document is the one to judge

    def reload(self, boot_timeout_s: float | None = None, watch: Callable[[], None] | None = None) -> PopcornApp:
        """Load the page again in the same context (its caches and service worker stay) and boot."""
        return self.boot(boot_timeout_s, watch)

    def report(self) -> site_report.SiteReport | None:
        """The site's build report (read again when the site is rebuilt), if it has one."""
        return site_report.load(self.site)

    def snapshot(self) -> dict[str, Any]:
        state = self.page.evaluate(SNAPSHOT_JS, timeout_s=10)
        if state is None and self._probe_after_load:
            state = self.page.evaluate(_INSTALL_PROBE_JS, timeout_s=10)
        if not isinstance(state, dict):
            raise BridgeError(
                f"the page at {self.url} has no pytest-wasmblog probe: it must be served by the plugin's "
                "server (the probe is injected into HTML responses)"
            )
        return state

    @property
    def stdout(self) -> list[str]:
        return list(self.snapshot()["stdout"])

    @property
    def stderr(self) -> list[str]:
        return list(self.snapshot()["stderr"])

    def healthy(self) -> bool:
        """Booted, and the VM has not died since: asked before each test that reuses the page."""
        try:
            return self.page.evaluate(_ALIVE_JS, timeout_s=10) is True
        except Exception:  # noqa: BLE001 - any failure to ask means the page is not usable
            return False

    def call(self, args: Any, timeout_s: float | None = None, process: str | None = None) -> CallResult:
        """One popcorn.call; `process` names another registered receiver than the default."""
        self._check_payload(args)
        timeout = self.call_timeout_s if timeout_s is None else timeout_s
        started = time.perf_counter()
        raw = self.page.evaluate(
            "async ([args, timeoutMs, process]) => window.__wasmblog.call(args, timeoutMs, false, process)",
            [args, int(timeout * 1000), process],
            timeout_s=timeout + 10,
        )
        result = self._check(raw, args, timeout, wall_ms=(time.perf_counter() - started) * 1000)
        self.call_durations_ms.append(result.duration_ms)
        return result

    def _check_payload(self, args: Any) -> None:
        size = len(json.dumps(args, separators=(",", ":")).encode())
        if self.max_payload_bytes and size > self.max_payload_bytes:
            raise payload_too_large(size, self.max_payload_bytes)

    def cast(self, args: Any) -> None:
        self._check_payload(args)
        self._check(self.page.evaluate("async (args) => window.__wasmblog.call(args, 0, true)", args), args, 0)

    def _check(self, raw: Any, args: Any, timeout: float, wall_ms: float = 0.0) -> CallResult:
        if not isinstance(raw, dict):
            raise BridgeError(f"the page returned {raw!r} for a call; is window.popcorn the Popcorn instance?")
        if raw.get("fatal"):
            state = self.snapshot()
            raise vm_died_during_call(_short(args), raw["fatal"]["line"], state["stdout"], state["stderr"],
                                      self.report(), applied_function(args))
        error = raw.get("error") or {}
        if error.get("code") == "timeout":
            state = self.snapshot()
            raise call_timed_out(_short(args), timeout, state["stdout"], state["stderr"])
        legs = {str(name): float(ms) for name, ms in (raw.get("legs") or {}).items()}
        return CallResult(bool(raw.get("ok")), raw.get("data"), error.get("code"), error.get("message"),
                          float(raw.get("durationMs") or 0.0), legs, wall_ms)

    def evaluate(self, js_function_source: str, arg: Any = None, timeout_s: float = 10) -> Any:
        """Run `async (arg) => ...` in the app's page (DOM checks, navigation by hash)."""
        return self.page.evaluate(js_function_source, arg, timeout_s=timeout_s)

    def wait_for(self, js_condition: str, timeout_s: float = 10) -> Any:
        """Wait until the JS expression is truthy in the page; fails fast if the VM dies meanwhile."""
        deadline = time.monotonic() + timeout_s
        check = f"async () => {{ const value = ({js_condition}); return value ? value : null; }}"
        while True:
            value = self.page.evaluate(check, timeout_s=timeout_s)
            if value:
                return value
            state = self.snapshot()
            if state["fatal"]:
                raise VMCrashError(f"the VM died while waiting for {js_condition}: {state['fatal']['line']}",
                                   state["stdout"], state["stderr"])
            if time.monotonic() > deadline:
                raise TimeoutError(f"`{js_condition}` was still falsy after {timeout_s:.1f} s in {self.url}")
            time.sleep(_POLL_S)

    def close(self) -> None:
        for hook in self.before_close:
            hook(self)
        self.page.close()


def page_setup_fault(state: dict[str, Any], url: str, grace_s: float = EXPOSE_GRACE_S) -> PageSetupError | None:
    """A page fault the probe's snapshot already proves, long before the boot timeout."""
    ready_at = state["readyAt"]
    if ready_at is not None and not state["popcornExposed"] and state["now"] - ready_at > grace_s * 1000:
        return popcorn_not_exposed(url, state["popcorn"], ready_at, grace_s, state["stdout"], state["stderr"])
    if ready_at is None and state["frameInDocument"] is False:
        return popcorn_frame_removed(url, state["stdout"], state["stderr"])
    probes = _failed_bundle_probes(state["failedFetches"])
    if probes and state["frameAt"] is None:
        return bundle_not_found(url, probes, state["stdout"], state["stderr"])
    # Loaded, and every script of the page (if any) failed to load: none of its code runs, so
    # nothing will ever call Popcorn.init(). A page whose scripts ran may still start it later.
    scripts = state["pageScripts"]
    if scripts["complete"] and len(scripts["failed"]) == scripts["count"] and state["frameAt"] is None:
        return page_runs_no_script(url, scripts["failed"], state["stdout"], state["stderr"])
    return None


def _failed_bundle_probes(failed_fetches: list[dict[str, Any]]) -> list[str]:
    """Popcorn 0.3.3's init() looks for the bundle with a HEAD request at each of these paths when the
    page gives no bundlePaths, and rejects when neither answers: how each failed, once both have."""
    failed = {urlsplit(f["url"]).path: f["status"] or "network error" for f in failed_fetches if f["method"] == "HEAD"}
    if not failed.keys() >= _BUNDLE_PROBES:
        return []
    return [f"{path}: {failed[path]}" for path in sorted(_BUNDLE_PROBES)]


def applied_function(args: Any) -> str | None:
    """`Elixir.Reach.Files:read/1` for a bridge apply request, as build-report.json names functions."""
    if not (isinstance(args, dict) and args.get("bridge") == "apply"):
        return None
    module, function, arguments = args.get("module"), args.get("function"), args.get("args", [])
    if not (isinstance(module, str) and isinstance(function, str) and isinstance(arguments, list)):
        return None
    return f"{module_atom(module.removeprefix(':'))}:{function}/{len(arguments)}"


def _short(args: Any, limit: int = 200) -> str:
    text = repr(args)
    return text if len(text) <= limit else text[:limit] + "..."

