"""What differs between the engines when running this Popcorn site: each difference documented in
docs/browsers.md has its minimal reproduction here, asserted per engine, so a browser update that
changes one shows up as a failure to look at."""

from __future__ import annotations

import pytest


def test_error_messages_differ_so_never_assert_on_them(wasm_app, wasm_engine):
    message = wasm_app.evaluate("async () => { try { null.x; } catch (e) { return e.message; } }")
    expected = {
        "chromium": "Cannot read properties of null (reading 'x')",
        "firefox": "can't access property \"x\" of null",
        "webkit": "null is not an object (evaluating 'null.x')",
    }[wasm_engine]
    assert message == expected


def test_stack_trace_formats_differ(wasm_app, wasm_engine):
    first_line = wasm_app.evaluate(
        "async () => { function named() { return new Error('x').stack; } return named().split('\\n')[0]; }"
    )
    if wasm_engine == "chromium":
        assert first_line == "Error: x"  # V8 puts the message first, frames follow as "    at named (...)"
    else:
        assert first_line.startswith("named@")  # SpiderMonkey and JavaScriptCore: function@location


@pytest.mark.wasm_served_here("reads the server's log of what each engine asked for")
def test_accept_encoding_decides_brotli_or_gzip(wasm_app, wasm_server, wasm_engine):
    """WebKitGTK (libsoup) does not ask for brotli here, so a CDN sends it the larger gzip runtime."""
    # The last download: revalidations (304) carry no body, so no Content-Encoding either.
    wasm = [r for r in wasm_server.requests() if r.path == "/AtomVM.wasm" and r.method == "GET" and r.status == 200][-1]
    asked = wasm.request_headers.get("Accept-Encoding", wasm.request_headers.get("accept-encoding", ""))
    if wasm_engine == "webkit" and "br" not in asked:
        assert wasm.header("Content-Encoding") == "gzip"
    else:
        assert "br" in asked
        assert wasm.header("Content-Encoding") == "br"


def test_memory_measurement_apis_are_chromium_only(wasm_app, wasm_engine):
    kinds = wasm_app.evaluate(
        "async () => [typeof performance.memory, typeof performance.measureUserAgentSpecificMemory]"
    )
    if wasm_engine == "chromium":
        assert kinds == ["object", "function"]
    else:
        assert kinds == ["undefined", "undefined"]


def test_webassembly_jspi_is_missing_in_webkit(wasm_app, wasm_engine):
    """JS Promise Integration (WebAssembly.Suspending): a Popcorn runtime built on it would not run on WebKit."""
    kind = wasm_app.evaluate("async () => typeof WebAssembly.Suspending")
    assert kind == ("undefined" if wasm_engine == "webkit" else "function")


def test_only_chromium_reports_failed_subresources_on_the_console(fresh_wasm_app, wasm_engine, wasm_require):
    """A fetch answered 404: Chromium logs it on the console, the others stay quiet."""
    wasm_require("console")
    status = fresh_wasm_app.evaluate("async () => (await fetch('/no-such-file.json')).status")
    assert status == 404
    failed = [m for m in fresh_wasm_app.page.console_messages() if "404" in m.text]
    if wasm_engine == "chromium":
        assert failed
    else:
        assert not failed


@pytest.mark.xfail_browser(webkit="WebDriver does not report the HTTP status of a navigation")
def test_navigation_reports_the_http_status(wasm_browser, wasm_server):
    with wasm_browser.new_page() as page:
        assert page.goto(wasm_server.origin + "/no-such-page.html") == 404
