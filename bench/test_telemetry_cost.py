"""What the example blog's telemetry costs a boot (run by hand):

    python -m pytest bench/test_telemetry_cost.py --wasm-site example_site/dist --wasm-browser all -s -p no:cacheprovider

The same build is served four ways, each on its own origin, with only `telemetry.json` changed:
telemetry off, sending to the test server, and sending to a dead endpoint (connection refused, or a
server that accepts and never answers). Each way boots ROUNDS times in new contexts, interleaved so
that the machine's load hits every variant alike; the medians of `boot_ms` (navigation start to app
ready) are printed and written to reports/telemetry-cost.json. Numbers: docs/telemetry.md.
"""

from __future__ import annotations

import json
import shutil
import socket
import statistics
from pathlib import Path
from typing import Any

ROUNDS = 7
REPORT = Path(__file__).resolve().parent.parent / "reports" / "telemetry-cost.json"


def variant(site: Path, folder: Path, endpoint: str | None) -> Path:
    copy = folder / (endpoint or "off").replace(":", "_").replace("/", "_")
    shutil.copytree(site, copy)
    config = json.loads((copy / "telemetry.json").read_text())
    (copy / "telemetry.json").write_text(json.dumps({**config, "endpoint": endpoint}))
    return copy


def test_boot_time_with_telemetry_on_off_and_dead(wasm_serve: Any, wasm_app_factory: Any, wasm_settings: Any,
                                                  wasm_engine: str, tmp_path: Path) -> None:
    site = wasm_settings.require_site()
    refused = socket.create_server(("127.0.0.1", 0))
    refused_port = int(refused.getsockname()[1])
    refused.close()
    hanging = socket.create_server(("127.0.0.1", 0))  # accepts into its backlog, never answers
    held_port = int(hanging.getsockname()[1])
    servers = {
        "off": wasm_serve(variant(site, tmp_path, None)),
        "on": wasm_serve(variant(site, tmp_path, "/")),
        "refused": wasm_serve(variant(site, tmp_path, f"http://127.0.0.1:{refused_port}/")),
        "hanging": wasm_serve(variant(site, tmp_path, f"http://127.0.0.1:{held_port}/")),
    }
    boots: dict[str, list[float]] = {name: [] for name in servers}
    for _ in range(ROUNDS):
        for name, server in servers.items():
            app = wasm_app_factory(server)
            assert app.boot_ms is not None and app.call({"page": "index"}).ok
            boots[name].append(app.boot_ms)
            app.close()
    hanging.close()
    medians = {name: statistics.median(values) for name, values in boots.items()}
    for name, value in medians.items():
        print(f"{wasm_engine}: telemetry {name}: median boot {value:.1f} ms over {ROUNDS} boots "
              f"(min {min(boots[name]):.1f}, max {max(boots[name]):.1f})")
    REPORT.parent.mkdir(exist_ok=True)
    previous = json.loads(REPORT.read_text()) if REPORT.is_file() else {}
    previous[wasm_engine] = {"rounds": ROUNDS, "median_boot_ms": medians, "boots_ms": boots}
    REPORT.write_text(json.dumps(previous, indent=2) + "\n")
