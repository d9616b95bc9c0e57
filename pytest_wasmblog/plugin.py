"""pytest entry point (`pytest11: wasmblog`): options, fixtures, markers and the run summary.

Fixtures, cheapest first:
    wasm_settings   the resolved options
    wasm_server     the site served like a static CDN host, with isolation headers (session)
    wasm_browser    one launched browser (session)
    wasm_app        the app booted once and reused across tests; rebooted if its VM died
    fresh_wasm_app  a new browser context and a freshly booted VM for this test only
    popcorn         the raw bridge on the shared app: call, cast, stdout, stderr
    elixir          Elixir calls through the test bridge: elixir.apply("Mod", "fun", [args])
    isolation       checks crossOriginIsolated and the headers the browser received
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_wasmblog import isolation as isolation_check
from pytest_wasmblog.app import PROBE_JS, PopcornApp
from pytest_wasmblog.browsers.base import BrowserSession
from pytest_wasmblog.bundle import avm
from pytest_wasmblog.elixir import ElixirBridge
from pytest_wasmblog.errors import BrowserNotFoundError
from pytest_wasmblog.server import StaticSiteServer
from pytest_wasmblog.settings import Settings, add_options, from_config
from pytest_wasmblog.stats import RunStats

stats_key = pytest.StashKey[RunStats]()
settings_key = pytest.StashKey[Settings]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[settings_key] = from_config(config)
    config.stash[stats_key] = RunStats()


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash[settings_key]
    site = settings.site if settings.site else "(none: pass --wasm-site)"
    return [f"wasmblog: site {site}, engines {', '.join(settings.engines)}, isolation {settings.isolation}"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    lines = config.stash[stats_key].summary_lines()
    if lines:
        terminalreporter.section("wasmblog")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def wasm_settings(pytestconfig: pytest.Config) -> Settings:
    return pytestconfig.stash[settings_key]


@pytest.fixture(scope="session")
def wasm_stats(pytestconfig: pytest.Config) -> RunStats:
    return pytestconfig.stash[stats_key]


@pytest.fixture(scope="session")
def wasm_server(wasm_settings: Settings, wasm_stats: RunStats) -> Iterator[StaticSiteServer]:
    site = wasm_settings.require_site()
    # A malformed bundle segfaults the VM; refuse it before any browser sees it.
    for bundle in sorted(site.glob("*.avm")):
        avm.validate_file(bundle)
    wasm_stats.site = site
    with StaticSiteServer(
        site, isolation=wasm_settings.isolation, omit_headers=wasm_settings.omit_headers,  # type: ignore[arg-type]
        html_injection=PROBE_JS,
    ) as server:
        yield server


@pytest.fixture(scope="session")
def wasm_browser(wasm_settings: Settings, wasm_stats: RunStats) -> Iterator[BrowserSession]:
    from pytest_wasmblog.browsers.chromium import launch_chromium

    try:
        session = launch_chromium(wasm_settings.chromium_path, headless=not wasm_settings.headed)
    except BrowserNotFoundError as exc:
        if wasm_settings.in_ci:
            raise
        pytest.skip(f"{exc} (outside CI a missing browser skips; with CI=true it fails)")
    wasm_stats.engine(session.engine).description = session.describe()
    with session:
        yield session


class SharedApp:
    """Boots the app once per session and hands it to each test while its VM is healthy."""

    def __init__(self, browser: BrowserSession, server: StaticSiteServer, settings: Settings, stats: RunStats) -> None:
        self.browser = browser
        self.server = server
        self.settings = settings
        self.stats = stats
        self.app: PopcornApp | None = None
        self.boots = 0

    def get(self) -> PopcornApp:
        if self.app is not None and not self.app.healthy():
            self.app.close()
            self.app = None
        if self.app is None:
            self.app = boot_app(self.browser, self.server, self.settings, self.stats)
            self.boots += 1
        return self.app

    def close(self) -> None:
        if self.app is not None:
            self.app.close()
            self.app = None


def boot_app(browser: BrowserSession, server: StaticSiteServer, settings: Settings, stats: RunStats) -> PopcornApp:
    page = browser.new_page()
    app = PopcornApp(page, server.origin + settings.page, settings.boot_timeout_s, settings.call_timeout_s)
    try:
        app.boot()
    except BaseException:
        page.close()
        raise
    engine = stats.engine(browser.engine)
    engine.isolated = True  # boot() refuses a page that is not cross-origin isolated
    if app.boot_ms is not None:
        engine.boot_ms.append(app.boot_ms)
    return app


@pytest.fixture(scope="session")
def _wasm_shared_app(
    wasm_browser: BrowserSession, wasm_server: StaticSiteServer, wasm_settings: Settings, wasm_stats: RunStats
) -> Iterator[SharedApp]:
    shared = SharedApp(wasm_browser, wasm_server, wasm_settings, wasm_stats)
    yield shared
    shared.close()


@pytest.fixture
def wasm_app(_wasm_shared_app: SharedApp, wasm_stats: RunStats) -> Iterator[PopcornApp]:
    app = _wasm_shared_app.get()
    seen = len(app.call_durations_ms)
    yield app
    wasm_stats.engine(_wasm_shared_app.browser.engine).call_ms.extend(app.call_durations_ms[seen:])


@pytest.fixture
def fresh_wasm_app(
    wasm_browser: BrowserSession, wasm_server: StaticSiteServer, wasm_settings: Settings, wasm_stats: RunStats
) -> Iterator[PopcornApp]:
    app = boot_app(wasm_browser, wasm_server, wasm_settings, wasm_stats)
    yield app
    wasm_stats.engine(wasm_browser.engine).call_ms.extend(app.call_durations_ms)
    app.close()


@pytest.fixture
def popcorn(wasm_app: PopcornApp) -> PopcornApp:
    return wasm_app


@pytest.fixture
def elixir(wasm_app: PopcornApp) -> ElixirBridge:
    return ElixirBridge(wasm_app)


class IsolationChecker:
    def __init__(self, browser: BrowserSession, server: StaticSiteServer, settings: Settings) -> None:
        self.browser = browser
        self.server = server
        self.settings = settings

    def check(self, page: str | None = None) -> isolation_check.IsolationReport:
        return isolation_check.check(self.browser, self.server.origin, page or self.settings.page)

    def assert_isolated(self, page: str | None = None) -> isolation_check.IsolationReport:
        report = self.check(page)
        report.assert_isolated()
        return report


@pytest.fixture
def isolation(wasm_browser: BrowserSession, wasm_server: StaticSiteServer, wasm_settings: Settings) -> IsolationChecker:
    return IsolationChecker(wasm_browser, wasm_server, wasm_settings)
