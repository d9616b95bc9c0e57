"""Floors: what the boot and a bridge call cost, against the least they could cost (run by hand).

    python -m pytest bench/test_floors.py --wasm-browser all -s -p no:cacheprovider

- Boot vs compiling and instantiating AtomVM.wasm alone, in a fresh context of the same origin (its
  imports stubbed: nothing runs, so this is the engine's own cost of the runtime's code).
- A bridge call (`{"bridge": "ping"}` through Popcorn) vs a bare postMessage round trip to the same
  VM iframe.
Each prints its ratio; docs/performance.md has the results.
"""

from __future__ import annotations

from typing import Any

from pytest_wasmblog.perf.timing import PerfTimer

REPEATS = 5


def test_boot_against_compiling_the_runtime_alone(wasm_perf: PerfTimer, wasm_browser: Any) -> None:
    floor = wasm_perf.runtime_floor(repeats=REPEATS)
    boots = wasm_perf.boot_cold(repeats=REPEATS)
    ready = boots.summary("app_ready")
    assert ready is not None and floor is not None
    print(f"\n{wasm_browser.engine}: boot to app ready {ready.median:.0f} ms; fetch+compile+instantiate "
          f"AtomVM.wasm alone {floor.median:.0f} ms; ratio {ready.median / floor.median:.2f}")


def test_bridge_call_against_a_bare_postmessage(wasm_perf: PerfTimer, wasm_app: Any, wasm_browser: Any) -> None:
    call = wasm_perf.call_latency(wasm_app, {"bridge": "ping"}, n=200)
    floor = wasm_perf.echo_latency(wasm_app, n=200)
    print(f"\n{wasm_browser.engine}: bridge ping median {call.median:.3f} ms, postMessage round trip "
          f"{floor.median:.3f} ms; ratio {call.median / floor.median:.1f}")
