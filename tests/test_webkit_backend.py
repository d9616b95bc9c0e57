"""WebKitGTK over WebDriver: what the plugin has to manage for it (SharedArrayBuffer, a display)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from missing import missing
from selenium.common.exceptions import WebDriverException

from pytest_wasmblog.browsers import xvfb
from pytest_wasmblog.browsers.launch import launch
from pytest_wasmblog.browsers.webkit import PAGE_CRASHED, SCRIPT_BACKSTOP_MIN_S, WebDriverPage, WebKitGTKSession
from pytest_wasmblog.browsers.webkit_flags import SAB_ENV
from pytest_wasmblog.errors import BrowserLaunchError, BrowserNotFoundError, NavigationError
from pytest_wasmblog.server import StaticSiteServer

PROBE = "async () => [crossOriginIsolated, typeof SharedArrayBuffer]"


@pytest.fixture(scope="module")
def webkitgtk() -> Iterator[WebKitGTKSession]:
    try:
        session = launch("webkit")
    except BrowserNotFoundError as exc:
        missing(f"no WebKit on this machine: {exc}")
    if not isinstance(session, WebKitGTKSession):
        session.close()
        pytest.skip("Playwright's WebKit is installed: these tests are about WebKitGTK over WebDriver")
    with session:
        yield session


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text("<!doctype html><title>t</title>")
    return root


def test_shared_array_buffer_needs_the_jsc_flag(webkitgtk: WebKitGTKSession, site: Path) -> None:
    with StaticSiteServer(site) as isolated, StaticSiteServer(site, isolation="none") as plain:
        with webkitgtk.new_page() as page:
            page.goto(isolated.url)
            assert page.evaluate(PROBE) == [True, "function"]
            page.goto(plain.url)
            # With the flag SharedArrayBuffer exists even without isolation: check crossOriginIsolated.
            assert page.evaluate(PROBE) == [False, "function"]
        with_flag = webkitgtk.env
        webkitgtk.env = {k: v for k, v in with_flag.items() if k not in SAB_ENV}
        try:
            with webkitgtk.new_page() as page:
                page.goto(isolated.url)
                assert page.evaluate(PROBE) == [True, "undefined"]
        finally:
            webkitgtk.env = with_flag


def test_each_page_is_a_new_webdriver_session(webkitgtk: WebKitGTKSession) -> None:
    with webkitgtk.new_page() as first, webkitgtk.new_page() as second:
        assert first.driver.session_id != second.driver.session_id  # type: ignore[attr-defined]  # WebDriver pages have a driver


def test_xvfb_display_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    assert xvfb.worker_index() == 3
    display = xvfb.Xvfb()
    assert display.first_display == 160
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert xvfb.Xvfb().first_display == 100


def test_xvfb_starts_on_a_free_display_and_stops(tmp_path: Path) -> None:
    if not os.path.exists("/usr/bin/Xvfb"):
        missing("Xvfb is not installed (apt-get install xvfb)")
    first = xvfb.Xvfb(first_display=190).start()
    second = xvfb.Xvfb(first_display=190).start()
    try:
        assert first.display != second.display  # the second skipped the display in use
        assert os.path.exists(f"/tmp/.X11-unix/X{first.number}")
    finally:
        numbers = [first.number, second.number]
        second.stop()
        first.stop()
    # Xvfb removes its lock file and socket when it is stopped with SIGTERM.
    assert not any(xvfb.display_in_use(n) for n in numbers if n is not None)


def test_xvfb_that_lost_the_race_for_a_display_takes_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    # Another process's server took :193 between the free check and the start (the check is
    # skipped here to force it): the socket there is not this server's, whose lock it does not hold.
    if not os.path.exists("/usr/bin/Xvfb"):
        missing("Xvfb is not installed (apt-get install xvfb)")
    other = subprocess.Popen(["/usr/bin/Xvfb", ":193", "-nolisten", "tcp"], stderr=subprocess.DEVNULL)
    mine = None
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists("/tmp/.X11-unix/X193") and time.monotonic() < deadline:
            time.sleep(0.02)
        monkeypatch.setattr(xvfb, "display_in_use", lambda number: False)
        mine = xvfb.Xvfb(first_display=193).start()
        assert mine.number == 194
    finally:
        if mine is not None:
            mine.stop()
        other.terminate()
        other.wait(10)


def test_no_xvfb_for_webkit_is_a_clear_error_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH: no Xvfb
    started = time.monotonic()
    with pytest.raises(BrowserLaunchError, match="Xvfb") as info:
        xvfb.Xvfb().start()
    assert time.monotonic() - started < 1
    assert "apt" in str(info.value) or "install" in str(info.value)


class _CrashedDriver:
    """A WebDriver whose page's web process is gone: what WebKitWebDriver answers after a crash."""

    def set_page_load_timeout(self, timeout_s: float) -> None:
        pass

    def get(self, url: str) -> None:
        raise WebDriverException("")  # the navigation itself fails with no words

    def execute_script(self, script: str) -> object:
        raise WebDriverException("session deleted because of page crash or hang.")


def test_a_crashed_page_is_named_as_a_browser_crash_not_a_missing_server() -> None:
    page = WebDriverPage(_CrashedDriver())
    with pytest.raises(NavigationError) as caught:
        page.goto("http://127.0.0.1:1/index.html")
    message = str(caught.value)
    # The rerun filter of scripts/run.sh matches these words.
    assert PAGE_CRASHED in message and "session deleted because of page crash" in message
    assert PAGE_CRASHED in (Path(__file__).parents[1] / "scripts" / "run.sh").read_text()


class _CountingDriver:
    """A WebDriver that answers every script at once and counts the script timeouts it is sent."""

    def __init__(self) -> None:
        self.script_timeouts: list[float] = []

    def set_script_timeout(self, timeout_s: float) -> None:
        self.script_timeouts.append(timeout_s)

    def execute_async_script(self, script: str, *args: object) -> object:
        return [0, "null"]


def test_the_script_backstop_is_sent_again_only_when_a_script_needs_a_longer_one() -> None:
    driver = _CountingDriver()
    page = WebDriverPage(driver)
    for timeout_s in (10, 20, 10, 20):  # a snapshot, a call, ...: one round trip each, not two
        page.evaluate("async () => null", timeout_s=timeout_s)
    page.evaluate("async () => null", timeout_s=120)
    assert driver.script_timeouts == [SCRIPT_BACKSTOP_MIN_S, 125]
