"""The blog's boot and size, measured and held to the budgets in pyproject.toml (`wasm_budgets`).

Times come from the page's clocks through `wasm_perf`; sizes are what a CDN sends (`wasm_sizes`).
A broken budget fails the test that measured it, with a table of measured vs budget.
"""

from __future__ import annotations

from typing import Any

from pytest_wasmblog.perf.boot_phases import PHASE_NAMES
from pytest_wasmblog.perf.timing import PerfTimer

# Order the phases must keep on every engine: a fetch finishes before what needs it.
IN_ORDER = ("html_received", "runtime_js_fetched", "wasm_fetched", "wasm_instantiated", "app_ready", "first_call")


def test_cold_boot_phases_are_all_seen_and_in_order(wasm_perf: PerfTimer) -> None:
    series = wasm_perf.boot_cold()
    print(series.table())
    for phase in PHASE_NAMES:
        assert series.values(phase), f"{phase} not observed: {series.absent(phase)}"
    for sample in series.samples:
        times = [sample.phases[p] for p in IN_ORDER]
        assert times == sorted(times), dict(zip(IN_ORDER, times, strict=True))
        assert sample.phases["bundle_fetched"] < sample.phases["app_ready"]


def test_warm_boot_reads_the_cache(wasm_perf: PerfTimer, wasm_engine: str) -> None:
    cold = wasm_perf.boot_cold(repeats=1)
    warm = wasm_perf.boot_warm()
    print(warm.table())
    cold_bytes = [s.page_transfer_bytes.get("AtomVM.wasm") for s in cold.samples]
    assert cold_bytes[0], cold_bytes
    if wasm_engine == "webkit":
        # WebKitGTK's warm boots fetch the runtime over the wire again (its VM iframe's fetches pass
        # the service worker, and under WebDriver there is no HTTP cache), still sooner than a cold one.
        warm_wasm, cold_wasm = warm.summary("wasm_fetched"), cold.summary("wasm_fetched")
        assert warm_wasm is not None and cold_wasm is not None and warm_wasm.median < cold_wasm.median
    else:
        # A cache answers (the service worker's, or the HTTP cache while it installs): the runtime comes
        # without a byte over the wire. Not always sooner: Firefox's warm boot is about its cold one.
        warm_bytes = sorted(s.page_transfer_bytes.get("AtomVM.wasm", -1) for s in warm.samples)
        assert warm_bytes[len(warm_bytes) // 2] == 0, warm_bytes


def test_bridge_call_latency_against_its_floors(wasm_perf: PerfTimer, wasm_app: Any) -> None:
    floor = wasm_perf.echo_latency(wasm_app, n=100)
    driver = wasm_perf.driver_latency(wasm_app, n=100)
    call = wasm_perf.call_latency(wasm_app, {"page": "index"}, n=100, name="call.index_page")
    ping = wasm_perf.call_latency(wasm_app, {"bridge": "ping"}, n=100)
    print(f"\n{call.table()}\n{ping.table()}\npostMessage floor {floor.median:.3f} ms, "
          f"a no-op page function from Python {driver.median:.2f} ms")
    # The index reply is JSON written at compile time (Blog.Api): it costs about a ping, either may
    # come out ahead. Both go through the VM, which the bare postMessage does not.
    assert floor.median < min(ping.median, call.median)
    # From Python, a call is the driver's round trip and the call in the page.
    assert driver.median < ping.from_python.median


def test_a_bridge_call_splits_into_legs_that_add_up(wasm_perf: PerfTimer, wasm_app: Any) -> None:
    in_page = ("page_to_iframe", "iframe_to_vm", "in_elixir", "vm_to_page")
    for _ in range(20):
        result = wasm_app.call({"page": "tag", "tag": "elixir"})
        assert result.ok and "vm_us" not in result.data, "the probe takes the bridge's timestamps out of the reply"
        assert tuple(result.legs) == in_page
        # Three clocks (page, iframe, the VM's thread) agree to within their resolution: no leg runs
        # backwards, and the legs add up to the round trip Popcorn timed by itself.
        assert min(result.legs.values()) > -0.1, result.legs
        assert abs(sum(result.legs.values()) - result.duration_ms) < 1.0, (result.legs, result.duration_ms)
        assert result.wall_ms > result.duration_ms
    series = wasm_perf.call_latency(wasm_app, {"page": "tag", "tag": "elixir"}, n=30, name="call.tag_page")
    ping = wasm_perf.call_latency(wasm_app, {"bridge": "ping"}, n=30)
    print(f"\n{series.table()}\n{ping.table()}")
    assert set(series.legs) == {*in_page, "driver"}
    # Rendering a tag page is Elixir's work; a ping's is not.
    assert ping.legs["in_elixir"].median < series.legs["in_elixir"].median


def test_site_sizes(wasm_sizes: dict[str, dict[str, int]], wasm_settings: Any) -> None:
    site = wasm_settings.require_site()
    total = wasm_sizes["total"]
    assert total["br"] < total["gzip"] < total["raw"]
    assert wasm_sizes["bundle.avm"]["raw"] == (site / "bundle.avm").stat().st_size
    assert {"AtomVM.wasm", "AtomVM.mjs", "bundle.avm", "index.html", "sw.js"} <= set(wasm_sizes)
    assert total["raw"] == sum(v["raw"] for k, v in wasm_sizes.items() if k != "total")
