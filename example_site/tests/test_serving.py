"""How the blog was served and which browser ran it: the server's own log of what it sent."""

from __future__ import annotations

import pytest


@pytest.mark.wasm_served_here("reads the server's log (test_deployed.py checks a deployment's host)")
def test_runtime_and_bundle_were_served_like_a_cdn(wasm_app, wasm_server):
    gets = [record for record in wasm_server.requests() if record.method == "GET"]
    served = {}
    for record in gets:
        if record.status == 200:
            served.setdefault(record.path, record)  # the first download
    # Later requests of the same files revalidate them (the service worker's precache, reloads):
    # a 304 without a body when nothing changed, never a second download of a file the browser has.
    assert {r.status for r in gets if r.path == "/AtomVM.wasm"} <= {200, 304}
    assert all(r.bytes_sent == 0 for r in gets if r.status == 304)
    for path, mime in [("/AtomVM.wasm", "application/wasm"), ("/bundle.avm", "application/octet-stream"),
                       ("/popcorn.mjs", "text/javascript"), ("/index.html", "text/html; charset=utf-8")]:
        record = served[path]
        assert record.status == 200, path
        assert record.header("Content-Type") == mime
        assert record.header("Cross-Origin-Embedder-Policy") == "require-corp"
        assert record.header("Cross-Origin-Opener-Policy") == "same-origin"
        assert record.header("Cache-Control") == "no-cache"
    # The browser asked for compression and the runtime went out compressed.
    wasm = served["/AtomVM.wasm"]
    assert wasm.header("Content-Encoding") in ("br", "gzip")
    assert 0 < wasm.bytes_sent < 2_000_000


def test_the_browser_says_what_it_is(wasm_browser, wasm_app, wasm_engine):
    assert wasm_browser.engine == wasm_engine
    assert wasm_browser.backend in ("playwright-managed", "system+playwright", "system+webdriver")
    user_agent = wasm_app.evaluate("async () => navigator.userAgent")
    assert {"chromium": "Chrome/", "firefox": "Firefox/", "webkit": "AppleWebKit/"}[wasm_engine] in user_agent
    major = wasm_browser.version.split(".")[0]
    assert major.isdigit()
    if wasm_engine != "webkit":  # WebKitGTK reports its own version, the user agent Safari's
        assert major in user_agent


@pytest.mark.wasm_served_here("reads the server's log (test_deployed.py checks a deployment's host)")
def test_the_runtime_and_bundle_went_out_as_the_builds_precompressed_copies(wasm_app, wasm_server, wasm_settings):
    # The build wrote AtomVM.wasm.gz/.br (quality 11, 9); the server sends those as a static host would.
    site = wasm_settings.require_site()
    for path in ("/AtomVM.wasm", "/bundle.avm", "/AtomVM.mjs"):
        sent = [r for r in wasm_server.requests(path) if r.method == "GET" and r.status == 200]
        assert sent, path
        for record in sent:
            suffix = {"br": ".br", "gzip": ".gz"}[record.header("Content-Encoding")]
            assert record.bytes_sent == (site / (path.lstrip("/") + suffix)).stat().st_size, (path, suffix)
