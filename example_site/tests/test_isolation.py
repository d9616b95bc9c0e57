"""Cross-origin isolation: without it there is no SharedArrayBuffer and the VM cannot start.

Each `isolation.check()` opens a page and fetches every runtime asset (the 4 MB wasm included),
so the header checks look at all paths of one report instead of one report per path.
"""

from __future__ import annotations

import pytest

from pytest_wasmblog.isolation import IsolationError

PAGE = "/index.html"
RUNTIME_ASSETS = ["/popcorn.mjs", "/iframe.mjs", "/AtomVM.mjs", "/AtomVM.wasm", "/bundle.avm"]
CONTENT_TYPES = {
    PAGE: "text/html",
    "/AtomVM.wasm": "application/wasm",
    "/popcorn.mjs": "text/javascript",
    "/iframe.mjs": "text/javascript",
    "/AtomVM.mjs": "text/javascript",
    "/bundle.avm": "application/octet-stream",
}


def media_type(value):
    return (value or "").split(";")[0].strip().lower()


def test_page_is_cross_origin_isolated_with_headers_everywhere(isolation):
    report = isolation.assert_isolated()
    assert report.cross_origin_isolated is True
    assert report.shared_array_buffer is True
    assert report.problems == []
    assert report.url.endswith(PAGE)
    assert set(report.headers) == {PAGE, *RUNTIME_ASSETS}
    wrong = {}
    for path in [PAGE, *RUNTIME_ASSETS]:
        received = report.headers[path]
        got = (received["status"], received["cross-origin-opener-policy"],
               received["cross-origin-embedder-policy"], received["cross-origin-resource-policy"])
        if got != (200, "same-origin", "require-corp", "same-origin"):
            wrong[path] = got
    assert wrong == {}, "status, COOP, COEP, CORP per path"
    types = {path: media_type(report.headers[path]["content-type"]) for path in CONTENT_TYPES}
    assert types == CONTENT_TYPES


def test_shared_app_page_is_isolated_too(popcorn):
    assert popcorn.evaluate("async () => window.crossOriginIsolated") is True
    assert popcorn.evaluate("async () => typeof SharedArrayBuffer") == "function"
    assert popcorn.evaluate("async () => new SharedArrayBuffer(8).byteLength") == 8


def test_headers_on_assets_the_app_loaded(popcorn):
    # What the running page actually fetched, as the browser saw it (not a separate probe page).
    seen = popcorn.evaluate(
        """async () => {
            const out = {};
            for (const path of ["/app.js", "/style.css", "/AtomVM.wasm"]) {
                const r = await fetch(path);
                out[path] = [r.status, r.headers.get("cross-origin-embedder-policy"),
                             r.headers.get("cross-origin-resource-policy"),
                             (r.headers.get("content-type") || "").split(";")[0]];
            }
            return out;
        }""",
        timeout_s=30,
    )
    assert seen == {
        "/app.js": [200, "require-corp", "same-origin", "text/javascript"],
        "/style.css": [200, "require-corp", "same-origin", "text/css"],
        "/AtomVM.wasm": [200, "require-corp", "same-origin", "application/wasm"],
    }


def test_wasm_can_be_compiled_streaming(popcorn):
    # compileStreaming refuses anything not served as application/wasm
    ok = popcorn.evaluate(
        "async () => { const m = await WebAssembly.compileStreaming(fetch('/AtomVM.wasm'));"
        " return m instanceof WebAssembly.Module; }",
        timeout_s=30,
    )
    assert ok is True


def test_missing_page_is_reported_as_a_problem(isolation):
    report = isolation.check("/no-such-page.html")
    assert any(p.startswith("/no-such-page.html: HTTP 404") for p in report.problems)
    with pytest.raises(IsolationError) as info:
        report.assert_isolated()
    assert "/no-such-page.html: HTTP 404" in str(info.value)
