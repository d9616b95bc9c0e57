"""pytest entry point (`pytest11: wasmblog`): options, fixtures, markers and the run summary.

Fixtures, cheapest first (each engine-bound fixture runs once per engine in --wasm-browser):
    wasm_settings   the resolved options
    wasm_engine     the engine this test runs on ("chromium", "firefox", "webkit")
    wasm_server     the site served like a static CDN host, with isolation headers (session)
    wasm_browser    one launched browser per engine (session)
    wasm_app        the app booted once per engine and reused across tests; rebooted if its VM died
    fresh_wasm_app  a new browser context and a freshly booted VM for this test only
    popcorn         the raw bridge on the shared app: call, cast, stdout, stderr
    elixir          Elixir calls through the test bridge: elixir.apply("Mod", "fun", [args])
    isolation       checks crossOriginIsolated and the headers the browser received
    network         network.offline() / network.throttle("fast-3g"), on every engine; service-worker state
    wasm_serve      wasm_serve(folder): serve another build on its own origin (redeploy with .deploy(folder))
    wasm_app_factory  new_app(server=None, boot_timeout_s=None): boot more apps, each in a fresh context
    wasm_require    wasm_require("cdp"): skip (outside CI) or fail (CI) where the backend lacks it
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from pytest_wasmblog import artifacts, markers, module_usage
from pytest_wasmblog import isolation as isolation_check
from pytest_wasmblog.app import PROBE_JS, PopcornApp
from pytest_wasmblog.breaker import BootBreaker
from pytest_wasmblog.browsers.base import BrowserPage, BrowserSession
from pytest_wasmblog.browsers.launch import launch
from pytest_wasmblog.bundle import avm
from pytest_wasmblog.conformance import plugin as conformance
from pytest_wasmblog.content_types import WrongContentTypeError, wrong_content_types
from pytest_wasmblog.elixir import ElixirBridge
from pytest_wasmblog.errors import BrowserLaunchError, BrowserNotFoundError
from pytest_wasmblog.link import Link
from pytest_wasmblog.network import Network
from pytest_wasmblog.perf import plugin as perf
from pytest_wasmblog.screenshots import screenshot_png
from pytest_wasmblog.server import RequestRecord, StaticSiteServer
from pytest_wasmblog.settings import Settings, add_options, from_config
from pytest_wasmblog.stats import RunStats
from pytest_wasmblog.visual import UPDATE_OPTION, SnapshotResult, SnapshotStore
from pytest_wasmblog.vm_errors import NotIsolatedError, missing_site_files, not_isolated

stats_key = pytest.StashKey[RunStats]()
failed_boot_pages: list[BrowserPage] = []
settings_key = pytest.StashKey[Settings]()
_STATS_OUTPUT = "wasmblog_stats"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)
    perf.add_options(parser)
    artifacts.add_options(parser)
    module_usage.add_option(parser)
    conformance.add_options(parser)
    parser.getgroup("wasmblog").addoption(UPDATE_OPTION, action="store_true",
                                          help="write the screenshots wasm_snapshot takes as the new references")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[settings_key] = from_config(config)
    config.stash[stats_key] = RunStats(breaker=BootBreaker(config.stash[settings_key].max_boot_failures))
    markers.register(config)
    perf.configure(config)
    config.pluginmanager.register(perf, "wasmblog-perf")  # its budget check runs after each test
    config.pluginmanager.register(artifacts, "wasmblog-artifacts")  # what a failing test leaves behind
    if config.getoption("--wasm-conformance"):
        stats = config.stash[stats_key]
        config.pluginmanager.register(conformance.ConformancePlugin(
            config, config.stash[settings_key],
            boot=lambda browser, server, settings: boot_app(browser, server, settings, stats),
            serve=serve_site, launch=lambda engine: launch_browser(engine, config.stash[settings_key], stats, config),
            unavailable=unavailable), "wasmblog-conformance")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # One run covers the matrix: the engine is a session-scoped parameter named in each test id.
    if "wasm_engine" in metafunc.fixturenames:
        engines = metafunc.config.stash[settings_key].engines
        metafunc.parametrize("wasm_engine", engines, scope="session", ids=list(engines))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        markers.apply(item)
    # pytest's own reordering interleaves engines once a test has function-level parameters too,
    # which would relaunch browsers; a stable sort keeps one launch per engine.
    order = {engine: index for index, engine in enumerate(config.stash[settings_key].engines)}
    items.sort(key=lambda item: order.get(markers.engine_of(item) or "", -1))


def pytest_report_header(config: pytest.Config) -> list[str]:
    from pytest_wasmblog.browsers.describe import header_line

    settings = config.stash[settings_key]
    site = settings.site if settings.site else "(none: pass --wasm-site)"
    lines = [f"wasmblog: site {site}, isolation {settings.isolation}"]
    lines.extend(header_line(engine, settings.browser_paths[engine]) for engine in settings.engines)
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    lines = config.stash[stats_key].summary_lines() + perf.summary_lines(config)
    if lines:
        terminalreporter.section("wasmblog")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int | pytest.ExitCode) -> None:
    # An xdist worker hands its measurements to the controller, which prints the summary.
    workeroutput: dict[str, Any] | None = getattr(session.config, "workeroutput", None)
    stats = session.config.stash[stats_key]
    if workeroutput is not None:
        workeroutput[_STATS_OUTPUT] = json.dumps(stats.to_json())
    engines = {name: {"backend": e.backend, "version": e.version, "description": e.description}
               for name, e in stats.engines.items() if e.description}
    if workeroutput is None:  # workers' labelled boots reach the controller with their stats
        perf.add_labelled_boots(session.config, {name: e.labelled_boot_ms for name, e in stats.engines.items()})
    perf.sessionfinish(session, engines)
    if workeroutput is None:
        failed = bool(session.testsfailed) or exitstatus != pytest.ExitCode.OK
        recorded = module_usage.write(session.config.stash[settings_key].record_modules, stats, failed)
        if recorded:
            stats.notes.append(recorded)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    output = getattr(node, "workeroutput", {}).get(_STATS_OUTPUT)
    if output:
        node.config.stash[stats_key].merge(json.loads(output))
    perf.merge_worker(node)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    while failed_boot_pages:
        failed_boot_pages.pop().close()


@pytest.fixture(scope="session")
def wasm_settings(pytestconfig: pytest.Config) -> Settings:
    return pytestconfig.stash[settings_key]


@pytest.fixture(scope="session")
def wasm_stats(pytestconfig: pytest.Config) -> RunStats:
    return pytestconfig.stash[stats_key]


@pytest.fixture(scope="session")
def wasm_engine(request: pytest.FixtureRequest) -> str:
    """The engine of this test; parametrized from --wasm-browser by pytest_generate_tests."""
    return str(request.param)


@pytest.fixture(scope="session")
def wasm_link() -> Link:
    """The emulated network between the browsers and every server of this session (or xdist worker)."""
    return Link()


def serve_site(site: Path, settings: Settings, link: Link) -> StaticSiteServer:
    """A started server for a built site, configured from the options, sharing the session's link."""
    # A malformed bundle segfaults the VM; refuse it before any browser sees it.
    for bundle in sorted(site.glob("*.avm")):
        avm.validate_file(bundle)
    return StaticSiteServer(
        site, isolation=settings.isolation, omit_headers=settings.omit_headers,  # type: ignore[arg-type]
        html_injection=PROBE_JS, link=link, mime_types=settings.mime_types,
    ).start()


@pytest.fixture(scope="session")
def wasm_server(wasm_settings: Settings, wasm_stats: RunStats, wasm_link: Link) -> Iterator[StaticSiteServer]:
    site = wasm_settings.require_site()
    wasm_stats.site = site
    with serve_site(site, wasm_settings, wasm_link) as server:
        yield server


@pytest.fixture
def wasm_serve(wasm_settings: Settings, wasm_link: Link) -> Iterator[Callable[[str | os.PathLike[str]], StaticSiteServer]]:
    """`wasm_serve(folder)` serves another build on a new origin (its own service workers and storage),
    with the same headers, probe and network conditions as `wasm_server`; `.deploy(folder)` swaps the
    site in place, as a new deployment would."""
    servers: list[StaticSiteServer] = []

    def serve(folder: str | os.PathLike[str]) -> StaticSiteServer:
        server = serve_site(Path(folder), wasm_settings, wasm_link)
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()


def unavailable(settings: Settings, reason: str) -> NoReturn:
    """Outside CI a missing browser or capability skips; in CI it is an error."""
    if settings.in_ci:
        pytest.fail(f"{reason} (CI=true: a missing browser or capability is an error, not a skip)", pytrace=False)
    pytest.skip(f"{reason} (outside CI this skips; with CI=true it fails)")


def launch_browser(engine: str, settings: Settings, stats: RunStats, config: pytest.Config) -> BrowserSession:
    """The engine's browser as the options say, traced if asked, and named in the run's summary."""
    session = launch(engine, settings.browser_paths[engine], headless=not settings.headed)
    artifacts.trace_pages_of(session, config)
    engine_stats = stats.engine(session.engine)
    engine_stats.description, engine_stats.backend, engine_stats.version = (
        session.describe(), session.backend, session.version)
    return session


@pytest.fixture(scope="session")
def wasm_browser(wasm_engine: str, wasm_settings: Settings, wasm_stats: RunStats,
                 pytestconfig: pytest.Config) -> Iterator[BrowserSession]:
    try:
        session = launch_browser(wasm_engine, wasm_settings, wasm_stats, pytestconfig)
    except BrowserNotFoundError as exc:
        unavailable(wasm_settings, str(exc))
    except BrowserLaunchError as exc:
        pytest.fail(str(exc), pytrace=False)
    with session:
        yield session


@pytest.fixture
def wasm_require(wasm_browser: BrowserSession, wasm_settings: Settings) -> Callable[[str], None]:
    """`wasm_require("cdp")` in a test: the test needs that backend capability."""

    def require(capability: str) -> None:
        if not wasm_browser.has(capability):
            unavailable(wasm_settings, f"{wasm_browser.describe()} has no {capability!r} capability "
                        f"(it has: {', '.join(sorted(wasm_browser.capabilities))})")

    return require


class SharedApp:
    """Boots the app once per engine and hands it to each test while its VM is healthy."""

    def __init__(self, browser: BrowserSession, server: StaticSiteServer, settings: Settings, stats: RunStats) -> None:
        self.browser = browser
        self.server = server
        self.settings = settings
        self.stats = stats
        self.app: PopcornApp | None = None

    def get(self) -> PopcornApp:
        if self.app is not None and not self.app.healthy():
            self.app.close()
            self.app = None
        if self.app is None:
            self.app = boot_app(self.browser, self.server, self.settings, self.stats)
        return self.app

    def close(self) -> None:
        if self.app is not None:
            self.app.close()
            self.app = None


def missing_runtime_files(records: list[RequestRecord]) -> list[str]:
    """Paths of the runtime, the bundle or scripts the server answered 404 for, leaving out probes of
    a file that was found elsewhere (Popcorn looks for /bundle.avm and /assets/bundle.avm)."""
    runtime = (".wasm", ".avm", ".mjs", ".js")
    found = {r.path.rsplit("/", 1)[-1] for r in records if 200 <= r.status < 400}
    return sorted({r.path for r in records if r.status == 404 and r.path.endswith(runtime)
                   and r.path.rsplit("/", 1)[-1] not in found})


def _name_missing_isolation_headers(exc: NotIsolatedError, records: list[RequestRecord],
                                    url: str, page_path: str) -> NotIsolatedError:
    """The page saw no isolation; the server's log says which header its document lacked."""
    page = next((r for r in records if r.path == page_path and r.status == 200), None)
    problems = isolation_check.header_problems(page_path, page.headers) if page else []
    return not_isolated(url, exc.stdout, exc.stderr, problems) if problems else exc


def boot_app(browser: BrowserSession, server: StaticSiteServer, settings: Settings, stats: RunStats,
             boot_timeout_s: float | None = None, *, count_in_summary: bool = True) -> PopcornApp:
    """Boot in a new page; the boot time counts in the summary only on an unthrottled, online link."""
    stats.breaker.check(browser.engine)
    page = browser.new_page()
    app = PopcornApp(page, server.origin + settings.page, boot_timeout_s or settings.boot_timeout_s,
                     settings.call_timeout_s, settings.max_payload_bytes, site=Path(server.root))
    engine = stats.engine(browser.engine)
    seen = len(server.requests())

    def served_right() -> None:
        wrong = wrong_content_types(server.requests()[seen:])
        if wrong:
            raise WrongContentTypeError(app.url, wrong)

    try:
        app.boot(watch=served_right)
    except Exception as exc:
        engine.isolated = app.isolated
        failed_boot_pages.append(page)  # closed after the test's report, so artifacts can show it
        records = server.requests()[seen:]
        error: Exception = exc
        if isinstance(exc, NotIsolatedError):
            error = _name_missing_isolation_headers(exc, records, app.url, settings.page)
        # Only a vague failure is explained by a 404: an early, specific one came before Popcorn's
        # bundle probe had found the file elsewhere.
        missing = [] if isinstance(exc, NotIsolatedError | WrongContentTypeError) else missing_runtime_files(records)
        if missing:
            # Popcorn reports a missing file as a timeout or a vague error; the server knows better.
            error = missing_site_files(missing, app.url, getattr(exc, "stdout", []), getattr(exc, "stderr", []))
        stats.breaker.failed(browser.engine, error)
        if error is not exc:
            raise error from exc
        raise
    except BaseException:
        failed_boot_pages.append(page)
        raise
    stats.breaker.succeeded(browser.engine)
    if settings.record_modules is not None:
        app.before_close.append(module_usage.recorder(stats, browser.engine))
    engine.isolated = app.isolated
    if (count_in_summary and app.boot_ms is not None and server.link.conditions is None
            and not server.link.offline):
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
def wasm_app_factory(
    wasm_browser: BrowserSession, wasm_server: StaticSiteServer, wasm_settings: Settings, wasm_stats: RunStats
) -> Iterator[Callable[..., PopcornApp]]:
    """`new_app(server=None, boot_timeout_s=None)`: boot the app in a fresh context (own cache, storage
    and service workers) from `wasm_server` or another server; every app is closed after the test."""
    apps: list[PopcornApp] = []

    def new_app(server: StaticSiteServer | None = None, boot_timeout_s: float | None = None) -> PopcornApp:
        app = boot_app(wasm_browser, server or wasm_server, wasm_settings, wasm_stats, boot_timeout_s)
        apps.append(app)
        return app

    yield new_app
    for app in apps:
        wasm_stats.engine(wasm_browser.engine).call_ms.extend(app.call_durations_ms)
        app.close()


@pytest.fixture
def network(request: pytest.FixtureRequest, wasm_browser: BrowserSession, wasm_link: Link) -> Iterator[Network]:
    """Offline and throttling for this test; everything is back online and unthrottled after it."""

    def record(line: str) -> None:
        # In the test's report (shown on failure and with -rA) and its JUnit properties.
        request.node.add_report_section("call", "wasmblog network", line)
        request.node.user_properties.append(("wasm_network", line))

    net = Network(wasm_link, wasm_browser, record)
    yield net
    net.online()
    wasm_link.reset()
    wasm_browser.set_network(False, None)


@pytest.fixture
def wasm_snapshot(request: pytest.FixtureRequest, wasm_engine: str) -> Callable[..., SnapshotResult]:
    """`wasm_snapshot(app, "index", selector=None)`: compare a screenshot of the page (or of one element)
    with `__snapshots__/<name>.<engine>.png` beside the test file; a mismatch fails with the numbers and
    writes the actual and a diff image; `--wasm-update-snapshots` writes new references."""
    store = SnapshotStore(Path(str(request.path)).parent / "__snapshots__")
    update = bool(request.config.getoption(UPDATE_OPTION))

    def snapshot(target: Any, name: str, selector: str | None = None, *, pixel_threshold: int | None = None,
                 max_share: float | None = None) -> SnapshotResult:
        page: BrowserPage = target if isinstance(target, BrowserPage) else target.page
        png = screenshot_png(page, selector)
        result = store.check(name, wasm_engine, png, update=update, output_dir=artifacts.artifact_dir(request.node),
                             pixel_threshold=pixel_threshold, max_share=max_share)
        result.raise_for_failure()
        return result

    return snapshot


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
