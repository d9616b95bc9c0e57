"""Floors: what the boot and a bridge call cost, against the least they could cost (run by hand).

    python -m pytest bench/test_floors.py --wasm-browser all -s -p no:cacheprovider

- Boot vs compiling and instantiating AtomVM.wasm alone, in a fresh context of the same origin (its
  imports stubbed: nothing runs, so this is the engine's own cost of the runtime's code).
- A bridge call (`{"bridge": "ping"}` through Popcorn) vs a bare postMessage round trip to the same
  VM iframe.
Each prints its ratio; docs/performance.md has the results.
"""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path
from typing import Any

from pytest_wasmblog.perf.timing import PerfTimer

REPEATS = 5

# Fetch, compile and instantiate AtomVM.wasm with every import stubbed; the memory, table and globals
# are made to the shapes the import section asks for (read here, since JS cannot ask a module).
FLOOR_PAGE = """<!doctype html><meta charset="utf-8"><title>floor</title>
<script>
function importShapes(bytes) {
  let at = 8; const shapes = [];
  const u32 = () => { let result = 0, shift = 0, byte; do { byte = bytes[at++]; result |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80); return result >>> 0; };
  const name = () => { const n = u32(); const s = new TextDecoder().decode(bytes.subarray(at, at + n)); at += n; return s; };
  const limits = () => { const flags = bytes[at++]; const initial = u32(); const maximum = flags & 1 ? u32() : undefined; return { initial, maximum, shared: Boolean(flags & 2) }; };
  while (at < bytes.length) {
    const id = bytes[at++]; const size = u32(); const end = at + size;
    if (id === 2) {
      for (let count = u32(); count > 0; count--) {
        const module = name(), field = name(), kind = bytes[at++];
        if (kind === 0) { u32(); shapes.push({ module, field, kind: "function" }); }
        else if (kind === 1) { const element = bytes[at++]; shapes.push({ module, field, kind: "table", element, ...limits() }); }
        else if (kind === 2) shapes.push({ module, field, kind: "memory", ...limits() });
        else { const type = bytes[at++]; const mutable = bytes[at++] === 1; shapes.push({ module, field, kind: "global", type, mutable }); }
      }
      return shapes;
    }
    at = end;
  }
  return shapes;
}
const VALUE_TYPES = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64" };
window.floor = async () => {
  const started = performance.now();
  const bytes = new Uint8Array(await (await fetch("AtomVM.wasm", { cache: "no-store" })).arrayBuffer());
  const fetched = performance.now();
  const module = await WebAssembly.compile(bytes);
  const compiled = performance.now();
  const imports = {};
  for (const shape of importShapes(bytes)) {
    const into = (imports[shape.module] ||= {});
    if (shape.kind === "function") into[shape.field] = () => 0;
    else if (shape.kind === "memory") into[shape.field] = new WebAssembly.Memory(shape);
    else if (shape.kind === "table") into[shape.field] = new WebAssembly.Table({ element: "anyfunc", initial: shape.initial, maximum: shape.maximum });
    else into[shape.field] = new WebAssembly.Global({ value: VALUE_TYPES[shape.type] || "i32", mutable: shape.mutable }, shape.type === 0x7e ? 0n : 0);
  }
  await WebAssembly.instantiate(module, imports);
  const instantiated = performance.now();
  return { fetch: fetched - started, compile: compiled - fetched, instantiate: instantiated - compiled, total: instantiated - started };
};
</script>"""


def test_boot_against_compiling_the_runtime_alone(wasm_perf: PerfTimer, wasm_browser: Any, wasm_serve: Any,
                                                  wasm_settings: Any, tmp_path: Path) -> None:
    floor_site = tmp_path / "floor"
    floor_site.mkdir()
    shutil.copy(wasm_settings.require_site() / "AtomVM.wasm", floor_site)
    (floor_site / "index.html").write_text(FLOOR_PAGE)
    server = wasm_serve(floor_site)
    floors = []
    for _ in range(REPEATS):
        with wasm_browser.new_page() as page:
            page.goto(server.url)
            floors.append(page.evaluate("async () => window.floor()", timeout_s=60))
    boots = wasm_perf.boot_cold(repeats=REPEATS)
    floor_ms = statistics.median(f["total"] for f in floors)
    ready = boots.summary("app_ready")
    assert ready is not None
    print(f"\n{wasm_browser.engine}: boot to app ready {ready.median:.0f} ms; fetch+compile+instantiate "
          f"AtomVM.wasm alone {floor_ms:.0f} ms (fetch {statistics.median(f['fetch'] for f in floors):.0f}, "
          f"compile {statistics.median(f['compile'] for f in floors):.0f}, "
          f"instantiate {statistics.median(f['instantiate'] for f in floors):.0f}); ratio {ready.median / floor_ms:.2f}")


def test_bridge_call_against_a_bare_postmessage(wasm_perf: PerfTimer, wasm_app: Any, wasm_browser: Any) -> None:
    call = wasm_perf.call_latency(wasm_app, {"bridge": "ping"}, n=200)
    floor = wasm_perf.echo_latency(wasm_app, n=200)
    print(f"\n{wasm_browser.engine}: bridge ping median {call.median:.3f} ms, postMessage round trip "
          f"{floor.median:.3f} ms; ratio {call.median / floor.median:.1f}")
