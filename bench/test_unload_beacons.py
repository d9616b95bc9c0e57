"""What each engine delivers when a page goes away (run by hand):

    python -m pytest bench/test_unload_beacons.py --wasm-site example_site/dist --wasm-browser all -s -p no:cacheprovider

A page of the example site sends one OTLP log on `pagehide`, by `navigator.sendBeacon`, by
`fetch(keepalive: true)` or by a plain `fetch`, and then goes away: it navigates to another URL of
the site, or its tab is closed. The test server's receiver counts what arrived within a few
seconds (it is the server, so it sees the real request). The counts are printed and written to
reports/unload-beacons.json; the numbers are in docs/telemetry.md.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

ROUNDS = 4
WAIT_S = 3.0
KINDS = {
    "sendBeacon": "navigator.sendBeacon('/v1/logs', new Blob([body], { type: 'application/json' }))",
    "fetch keepalive": "fetch('/v1/logs', { method: 'POST', keepalive: true, body,"
                       " headers: { 'Content-Type': 'application/json' } }).catch(() => {})",
    "fetch": "fetch('/v1/logs', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } })"
             ".catch(() => {})",
}
REPORT = Path(__file__).resolve().parent.parent / "reports" / "unload-beacons.json"


def log_body(marker: str) -> str:
    record = {"timeUnixNano": str(time.time_ns()), "severityNumber": 9, "severityText": "INFO",
              "body": {"stringValue": marker}}
    return json.dumps({"resourceLogs": [{"resource": {}, "scopeLogs": [{"logRecords": [record]}]}]})


def settled(page: Any, timeout_s: float = 20) -> None:
    """Wait for the blog's first view: until then the page may still be replaced (and its listener lost)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate("async () => Boolean(document.body && document.body.dataset.rendered)"):
        assert time.monotonic() < deadline, "the blog never rendered its first view"
        time.sleep(0.05)


def test_what_arrives_when_a_page_goes_away(wasm_browser: Any, wasm_server: Any, wasm_telemetry: Any,
                                           wasm_engine: str) -> None:
    counts: dict[str, dict[str, int]] = {}
    for ending in ("navigate away", "close the tab"):
        for kind, send in KINDS.items():
            arrived = 0
            for round_ in range(ROUNDS):
                marker = f"unload {wasm_engine} {ending} {kind} {round_}"
                page = wasm_browser.new_page()
                page.goto(wasm_server.origin + "/index.html")
                settled(page)
                page.evaluate(f"""async (body) => {{
                  addEventListener("pagehide", () => {{ {send}; }});
                }}""", log_body(marker))
                if ending == "navigate away":
                    page.goto(wasm_server.origin + "/style.css")  # the tab lives on while we wait
                else:
                    page.close()
                deadline = time.monotonic() + WAIT_S
                while time.monotonic() < deadline and not wasm_telemetry.logs(contains=marker):
                    time.sleep(0.05)
                arrived += len(wasm_telemetry.logs(contains=marker)) > 0
                page.close()
            counts.setdefault(ending, {})[kind] = arrived
            print(f"{wasm_engine}: {ending}: {kind}: {arrived}/{ROUNDS} arrived")
    REPORT.parent.mkdir(exist_ok=True)
    previous = json.loads(REPORT.read_text()) if REPORT.is_file() else {}
    previous[wasm_engine] = {"rounds": ROUNDS, "arrived": counts}
    REPORT.write_text(json.dumps(previous, indent=2) + "\n")
    assert counts["navigate away"]["sendBeacon"] > 0, "sendBeacon on a navigation is what every engine promises"
