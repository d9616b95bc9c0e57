"""Boot timings and call latency, measured in the page: the `wasm_perf` fixture's object.

Times are the page's clocks (driver round trips differ per engine); a call's time from Python is
recorded beside them, as its own metric. Every boot is a new browser
context; cold boots start with empty caches, warm boots reload a context whose HTTP cache (and
service worker, when the site has one) a first boot filled.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

from ..app import PopcornApp
from ..boot import ServedSite
from ..browsers.base import BrowserSession
from ..http_rules import RequestRecord
from ..server import StaticSiteServer
from .boot_phases import PHASE_NAMES, BootSample, parse_timings
from .metrics import Summary, name_part, summarize
from .text import format_value, render_table

PING: dict[str, Any] = {"bridge": "ping"}
FLOOR_PAGE = (resources.files("pytest_wasmblog") / "js" / "floor.html").read_text()
RUNTIME = "AtomVM.wasm"
_TIMINGS = "async () => window.__wasmblog.timings()"
_FIRST_CALL = """async ([args, timeoutMs]) => {
  const reply = await window.__wasmblog.call(args, timeoutMs, false);
  return { answeredAt: performance.now(), fatal: reply.fatal || null };
}"""


@dataclass(frozen=True)
class BootSeries:
    """N boots of one kind ("cold" or "warm") on one engine."""

    engine: str
    kind: str
    samples: list[BootSample]

    def values(self, phase: str) -> list[float]:
        return [s.phases[phase] for s in self.samples if phase in s.phases]

    def summary(self, phase: str) -> Summary | None:
        values = self.values(phase)
        return summarize(values) if values else None

    def absent(self, phase: str) -> str | None:
        """Why a phase was never seen, if it never was."""
        reasons = [s.absent[phase] for s in self.samples if phase in s.absent]
        return reasons[0] if reasons and not self.values(phase) else None

    def table(self) -> str:
        rows = []
        for phase in PHASE_NAMES:
            summary = self.summary(phase)
            if summary is None:
                rows.append([phase, "-", "-", "-", "-", f"absent: {self.absent(phase)}"])
            else:
                rows.append([phase, *(format_value(v, "ms") for v in
                                      (summary.median, summary.p95, summary.min, summary.max)), ""])
        title = f"{self.engine}: {self.kind} boot, {len(self.samples)} boots, ms since navigation start"
        return title + "\n" + render_table(["phase", "median", "p95", "min", "max", ""], rows, right_aligned=(1, 2, 3, 4))


# A bridge call's legs, in the order a call runs them (app.CallResult.legs, js/probe.js callLegs), and the
# driver's round trip between Python and the page. `vm_and_reply` replaces the middle three for a
# receiver that is not PytestWasmblog.Bridge (it does not say when Elixir had the call).
LEGS = ("page_to_iframe", "iframe_to_vm", "in_elixir", "vm_to_page", "vm_and_reply", "driver")


@dataclass(frozen=True)
class CallSeries:
    """N calls of one request: the round trip in the page, its legs, and the time from Python."""

    engine: str
    name: str
    round_trip: Summary  # Popcorn's durationMs
    from_python: Summary  # the driver's round trip included
    legs: dict[str, Summary]  # in LEGS order, the legs every call measured

    @property
    def median(self) -> float:
        """The round trip's median, in ms."""
        return self.round_trip.median

    def table(self) -> str:
        rows = [[label, *(format_value(v, "ms") for v in (s.median, s.p95, s.min, s.max))]
                for label, s in (("round trip in the page", self.round_trip), *self.legs.items(),
                                 ("from Python", self.from_python))]
        title = f"{self.engine}: {self.name}, {self.round_trip.n} calls, ms"
        return title + "\n" + render_table(["leg", "median", "p95", "min", "max"], rows, right_aligned=(1, 2, 3, 4))


Recorder = Callable[[str, str, str, float], None]  # (engine, name, unit, value)
TRANSFERRED = ("AtomVM.wasm", "AtomVM.mjs", "bundle.avm")


def _bytes_sent(records: list[RequestRecord]) -> dict[str, int]:
    """Body bytes the server sent for the runtime and the bundle, per file."""
    sent: dict[str, int] = {}
    for record in records:
        name = record.path.rsplit("/", 1)[-1]
        if name in TRANSFERRED or name.endswith(".avm"):
            sent[name] = sent.get(name, 0) + record.bytes_sent
    return sent


class PerfTimer:
    def __init__(self, browser: BrowserSession, server: ServedSite, new_app: Callable[[ServedSite], PopcornApp],
                 call_timeout_s: float, repeats: int, record: Recorder,
                 cached_server: Callable[[], ServedSite],
                 host_transfer: Callable[[str], dict[str, int]] | None = None,
                 floor_server: Callable[[], StaticSiteServer | None] = lambda: None,
                 floors_measured: set[tuple[str, str]] | None = None) -> None:
        """`host_transfer(engine)`: for a host with no log of the plugin's, what it sends for each of the
        site's files, once, in the coding that engine asks for (the transfer a first visit costs).
        `floor_server()`: a server of the runtime-floor page beside the site's AtomVM.wasm (None: no
        local runtime to measure). `floors_measured`: the run's (engine, floor) pairs already measured,
        so each floor is measured once per engine and run, next to the first time it divides; None
        measures none unasked (only a report or a baseline shows ratios)."""
        self._floor_server = floor_server
        self._auto_floors = floors_measured is not None
        self._floors_measured = floors_measured if floors_measured is not None else set()
        self.browser = browser
        self._host_transfer = host_transfer
        self.server = server
        # The plugin's own boot (a new context; breaker, missing-file diagnosis, failure artifacts).
        self._new_app = new_app
        self.call_timeout_s = call_timeout_s
        self.repeats = repeats
        self._record = record
        self._cached_server = cached_server

    @property
    def engine(self) -> str:
        return self.browser.engine

    def boot_cold(self, repeats: int | None = None, first_call: Any = PING) -> BootSeries:
        """`repeats` boots, each in a new context with empty caches; records `boot.<phase>`."""
        samples = []
        for _ in range(self._count(repeats)):
            seen = len(self.server.requests()) if self._host_transfer is None else 0
            app = self._new_app(self.server)
            try:
                samples.append(self._measure(app, first_call))
            finally:
                app.close()
            if self._host_transfer is not None:
                sent = self._host_transfer(self.engine)
                per_asset = {name: size for name, size in sent.items() if name in TRANSFERRED or name.endswith(".avm")}
                total = sum(sent.values())
            else:
                # What crossed the wire, whoever fetched it (the page, its iframe or a service worker).
                records = self.server.requests()[seen:]
                per_asset = _bytes_sent(records)
                total = sum(r.bytes_sent for r in records)
            for asset, size in per_asset.items():
                self._record(self.engine, f"transfer.{name_part(asset)}", "bytes", float(size))
            # Everything a first visit downloads, in the encoding this engine asked for.
            self._record(self.engine, "transfer.total", "bytes", float(total))
        series = BootSeries(self.engine, "cold", samples)
        self._record_series(series, "boot")
        self._once("floor.runtime_boot", self.runtime_floor)
        return series

    def boot_warm(self, repeats: int | None = None, first_call: Any = PING) -> BootSeries:
        """One boot fills a context's HTTP cache (and the site's service worker, if any); then
        `repeats` reloads in that context are measured; records `boot_warm.<phase>`."""
        server = self._cached_server()
        app = self._new_app(server)
        samples = []
        try:
            for _ in range(self._count(repeats)):
                app.reload()
                samples.append(self._measure(app, first_call))
        finally:
            app.close()
        series = BootSeries(self.engine, "warm", samples)
        self._record_series(series, "boot_warm")
        self._once("floor.runtime_boot", self.runtime_floor)
        return series

    def phases(self, app: PopcornApp, first_call: Any = PING) -> BootSample:
        """The boot phases of a page the test booted itself (`wasm_app_factory()`), taken as boot_cold()
        takes each sample's; nothing is recorded, and the page stays open."""
        return self._measure(app, first_call)

    def call_latency(self, app: PopcornApp, request: Any, n: int = 100, name: str = "call.round_trip") -> CallSeries:
        """`request` n times over the bridge: records `name` (the round trip on Popcorn's in-page clock),
        `name.leg.<leg>` for each leg every call measured (LEGS) and `name.from_python`."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        results = [app.call(request) for _ in range(n)]
        legs: dict[str, list[float]] = {}
        for result in results:
            for leg, value in (*result.legs.items(), ("driver", result.driver_ms)):
                legs.setdefault(leg, []).append(value)
        measured = {leg: legs[leg] for leg in LEGS if len(legs.get(leg, ())) == n}
        series = {name: [r.duration_ms for r in results], f"{name}.from_python": [r.wall_ms for r in results],
                  **{f"{name}.leg.{leg}": values for leg, values in measured.items()}}
        for metric, values in series.items():
            for value in values:
                self._record(self.engine, metric, "ms", value)
        self._once("call.postmessage_floor", lambda: self.echo_latency(app))
        self._once("call.driver_floor", lambda: self.driver_latency(app))
        return CallSeries(self.engine, name, summarize(series[name]), summarize(series[f"{name}.from_python"]),
                          {leg: summarize(values) for leg, values in measured.items()})

    def echo_latency(self, app: PopcornApp, n: int = 100) -> Summary:
        """A bare postMessage round trip to the same VM iframe: the floor of a bridge call."""
        samples = app.evaluate("async (n) => window.__wasmblog.echo(n)", n, timeout_s=60)
        if not samples:
            raise AssertionError("the VM iframe was not found: is the page served by the plugin's server?")
        for value in samples:
            self._record(self.engine, "call.postmessage_floor", "ms", float(value))
        self._floors_measured.add((self.engine, "call.postmessage_floor"))
        return summarize([float(v) for v in samples])

    def driver_latency(self, app: PopcornApp, n: int = 100) -> Summary:
        """A page function that does nothing, timed from Python: the floor of a call made from a test
        (the driver's round trip, which no change to the site or the bridge can cut)."""
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            app.evaluate("async () => null")
            samples.append((time.perf_counter() - started) * 1000)
        for value in samples:
            self._record(self.engine, "call.driver_floor", "ms", value)
        self._floors_measured.add((self.engine, "call.driver_floor"))
        return summarize(samples)

    def runtime_floor(self, repeats: int | None = None) -> Summary | None:
        """Fetching, compiling and instantiating the site's AtomVM.wasm alone (imports stubbed: nothing
        runs), each time in a new context: the least a boot costs this browser on this machine. Records
        `floor.runtime_boot`; None when there is no local runtime to serve (a deployment, no --wasm-site)."""
        server = self._floor_server()
        if server is None:
            return None
        totals = []
        for _ in range(self._count(repeats)):
            with self.browser.new_page() as page:
                page.goto(server.url)
                parts = page.evaluate("async () => window.floor()", timeout_s=60)
            totals.append(float(cast(dict[str, Any], parts)["total"]))
        for value in totals:
            self._record(self.engine, "floor.runtime_boot", "ms", value)
        self._floors_measured.add((self.engine, "floor.runtime_boot"))
        return summarize(totals)

    # --- internals ----------------------------------------------------------
    def _once(self, floor: str, measure: Callable[[], object]) -> None:
        """Measure a floor the first time this run needs it on this engine (ratios divide by it)."""
        if self._auto_floors and (self.engine, floor) not in self._floors_measured:
            self._floors_measured.add((self.engine, floor))
            measure()

    def _count(self, repeats: int | None) -> int:
        count = self.repeats if repeats is None else repeats
        if count < 1:
            raise ValueError(f"repeats must be at least 1, not {count}")
        return count

    def _measure(self, app: PopcornApp, first_call: Any) -> BootSample:
        answered_at: float | None = None
        if first_call is not None:
            reply = app.evaluate(_FIRST_CALL, [first_call, int(self.call_timeout_s * 1000)],
                                 timeout_s=self.call_timeout_s + 5)
            if reply["fatal"]:
                raise AssertionError(f"the VM died answering the first call: {reply['fatal']['line']}")
            answered_at = float(reply["answeredAt"])
        return parse_timings(app.evaluate(_TIMINGS), answered_at, reload_ms=app.boot_reload_ms)

    def _record_series(self, series: BootSeries, prefix: str) -> None:
        for phase in PHASE_NAMES:
            for value in series.values(phase):
                self._record(self.engine, f"{prefix}.{phase}", "ms", value)
