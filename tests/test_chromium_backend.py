"""What is Chromium-specific in its backend (the contract every engine keeps is in test_engine_backends.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from missing import missing

from pytest_wasmblog.browsers.base import BrowserPage
from pytest_wasmblog.browsers.chromium import (
    ChromiumSession,
    launch_chromium,
    playwright_users,
)
from pytest_wasmblog.errors import BrowserNotFoundError
from pytest_wasmblog.server import StaticSiteServer

INDEX = """<!doctype html>
<meta charset="utf-8">
<title>tiny</title>
<script>console.log("top says hi");</script>
<iframe srcdoc="<script>console.warn('srcdoc frame says hi')</script>"></iframe>
<iframe src="child.html"></iframe>
"""
CHILD = """<!doctype html><script>console.error("child frame says hi")</script>"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[ChromiumSession]:
    try:
        session = launch_chromium()
    except BrowserNotFoundError as exc:
        missing(f"no Chromium on this machine: {exc}")
    with session:
        yield session


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text(INDEX)
    (root / "child.html").write_text(CHILD)
    (root / "favicon.ico").write_bytes(b"")
    return root


@pytest.fixture()
def page(chromium: ChromiumSession) -> Iterator[BrowserPage]:
    with chromium.new_page() as p:
        yield p


def test_session_describes_itself(chromium: ChromiumSession) -> None:
    assert chromium.engine == "chromium"
    assert chromium.backend in ("playwright-managed", "system+playwright")
    assert chromium.version[0].isdigit()
    assert {"console", "cdp", "offline", "screenshot"} <= chromium.capabilities
    assert chromium.version in chromium.describe()


@pytest.mark.parametrize(("isolation", "expected"), [("require-corp", True), ("credentialless", True), ("none", False)])
def test_cross_origin_isolation_follows_the_server(
    page: BrowserPage, site: Path, isolation: str, expected: bool
) -> None:
    with StaticSiteServer(site, isolation=isolation) as srv:  # type: ignore[arg-type]  # a parametrized str, one of the modes
        assert page.goto(srv.url) == 200
        assert page.evaluate("async () => crossOriginIsolated") is expected
        assert page.evaluate("async () => typeof SharedArrayBuffer") == ("function" if expected else "undefined")


def test_evaluate_passes_arg_and_returns_json(page: BrowserPage, site: Path) -> None:
    with StaticSiteServer(site) as srv:
        page.goto(srv.url)
        result = page.evaluate("async (a) => ({doubled: a.n * 2, list: [1, 'x', null], none: undefined})", {"n": 21})
        # JSON semantics on every engine: undefined members vanish, NaN becomes null.
        assert result == {"doubled": 42, "list": [1, "x", None]}
        assert page.evaluate("async () => [NaN, new Date(0)]") == [None, "1970-01-01T00:00:00.000Z"]
        assert page.evaluate("async () => undefined") is None
        assert page.evaluate("() => 7") == 7  # plain functions work too


def test_console_messages_from_page_and_frames(page: BrowserPage, site: Path) -> None:
    with StaticSiteServer(site) as srv:
        page.goto(srv.url)
        page.evaluate("async (x) => console.info('evaluated', x)", 5)
        messages = {(m.type, m.text) for m in page.console_messages()}
    assert ("log", "top says hi") in messages
    assert ("warning", "srcdoc frame says hi") in messages
    assert ("error", "child frame says hi") in messages
    assert ("info", "evaluated 5") in messages


def test_uncaught_errors_are_collected(page: BrowserPage, site: Path) -> None:
    with StaticSiteServer(site) as srv:
        page.goto(srv.url)
        page.evaluate("async () => { setTimeout(() => { throw new TypeError('late boom') }, 0) }")
        deadline = time.monotonic() + 5
        while not page.page_errors() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert page.page_errors() == ["TypeError: late boom"]


def test_sessions_share_one_driver_and_release_it(chromium: ChromiumSession) -> None:
    before = playwright_users()
    assert before >= 1  # the module's session holds it
    second = launch_chromium()
    assert playwright_users() == before + 1
    page = second.new_page()
    second.close()
    assert not second.browser.is_connected()
    assert playwright_users() == before
    second.close()  # twice is fine
    page.close()
    # The other session is untouched.
    with chromium.new_page() as still_there:
        assert still_there.evaluate("async () => 3") == 3


CLOSE_SCRIPT = """
import os, sys
from pytest_wasmblog.browsers.chromium import launch_chromium, playwright_users

def children():
    me = str(os.getpid())
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            found.append(pid)
    return found

session = launch_chromium()
session.new_page().goto("about:blank")
assert children(), "the driver should be a child while running"
session.close()
assert playwright_users() == 0
left = children()
assert not left, f"processes left after close: {left}"
print("clean")
"""


def test_close_stops_the_driver_process(tmp_path: Path) -> None:
    try:
        launch_chromium().close()
    except BrowserNotFoundError as exc:
        missing(f"no Chromium on this machine: {exc}")
    result = subprocess.run(
        [sys.executable, "-c", CLOSE_SCRIPT], capture_output=True, text=True, timeout=60, check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
