"""The page interface every engine backend implements, checked against each real browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_wasmblog.app import PROBE_JS
from pytest_wasmblog.browsers.base import ENGINES, BrowserPage, BrowserSession
from pytest_wasmblog.errors import (
    EvaluateTimeoutError,
    JavaScriptError,
    NavigationError,
)
from pytest_wasmblog.server import StaticSiteServer

INDEX = """<!doctype html><meta charset="utf-8"><title>tiny</title>
<script>console.log("top says hi"); setTimeout(() => { throw new Error("late failure"); }, 0);</script>"""


@pytest.fixture(scope="module")
def session(engine_session: BrowserSession) -> BrowserSession:
    return engine_session


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text(INDEX)
    return root


@pytest.fixture
def page(session: BrowserSession) -> Iterator[BrowserPage]:
    with session.new_page() as p:
        yield p


def test_session_describes_itself(session: BrowserSession) -> None:
    assert session.engine in ENGINES
    assert session.version[0].isdigit()
    assert {"console", "page-errors", "screenshot"} <= session.capabilities
    assert session.describe() == f"{session.engine} {session.version} ({session.backend})"


@pytest.mark.parametrize(("isolation", "expected"), [("require-corp", True), ("none", False)])
def test_cross_origin_isolation_follows_the_server(page: BrowserPage, site: Path, isolation: str, expected: bool) -> None:
    with StaticSiteServer(site, isolation=isolation) as srv:  # type: ignore[arg-type]  # a parametrized str, one of the modes
        page.goto(srv.url)
        assert page.evaluate("async () => crossOriginIsolated") is expected


def test_shared_memory_for_wasm_threads_on_isolated_pages(page: BrowserPage, site: Path) -> None:
    with StaticSiteServer(site) as srv:
        page.goto(srv.url)
        shared = page.evaluate(
            "async () => new WebAssembly.Memory({initial: 1, maximum: 2, shared: true}).buffer instanceof SharedArrayBuffer"
        )
        assert shared is True


def test_evaluate_passes_arg_and_returns_json(page: BrowserPage, site: Path) -> None:
    with StaticSiteServer(site) as srv:
        page.goto(srv.url)
        assert page.evaluate("async (a) => ({doubled: a.n * 2, none: undefined})", {"n": 21}) == {"doubled": 42}


def test_js_exception_becomes_javascript_error(page: BrowserPage, site: Path) -> None:
    with StaticSiteServer(site) as srv:
        page.goto(srv.url)
        with pytest.raises(JavaScriptError) as caught:
            page.evaluate("async () => { throw new RangeError('out of range'); }")
        assert "RangeError: out of range" in str(caught.value)


def test_evaluate_timeout_raises(page: BrowserPage, site: Path) -> None:
    with StaticSiteServer(site) as srv:
        page.goto(srv.url)
        with pytest.raises(EvaluateTimeoutError):
            page.evaluate("async () => new Promise(() => {})", timeout_s=1)
        assert page.evaluate("async () => 1 + 1") == 2


def test_console_and_page_errors_are_collected(page: BrowserPage, site: Path) -> None:
    # The probe is what gives WebDriver backends a console; serve it the way the plugin does.
    with StaticSiteServer(site, html_injection=PROBE_JS) as srv:
        page.goto(srv.url)
        page.evaluate("async () => new Promise((resolve) => setTimeout(resolve, 100))")
        assert any(m.text == "top says hi" for m in page.console_messages())
        assert any("late failure" in error for error in page.page_errors())


def test_pages_are_isolated_profiles(session: BrowserSession, site: Path) -> None:
    with StaticSiteServer(site) as srv, session.new_page() as first, session.new_page() as second:
        first.goto(srv.url)
        first.evaluate("async () => localStorage.setItem('k', 'v')")
        second.goto(srv.url)
        assert second.evaluate("async () => localStorage.getItem('k')") is None


def test_navigation_failure_is_a_navigation_error(page: BrowserPage, site: Path) -> None:
    with StaticSiteServer(site) as srv:
        refused = srv.origin
    with pytest.raises(NavigationError):
        page.goto(refused + "/", timeout_s=10)


def test_screenshot_is_a_png(page: BrowserPage, site: Path, tmp_path: Path) -> None:
    with StaticSiteServer(site) as srv:
        page.goto(srv.url)
        page.screenshot(tmp_path / "shot.png")
    assert (tmp_path / "shot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
