"""pytest entry point (`pytest11: wasmblog`): the options, fixtures, markers and run summary of the
core plugin. The performance side (`perf/plugin.py`), failure artifacts (`artifacts.py`) and the
conformance suite (`conformance/plugin.py`) are plugins of their own, each with its own hooks.

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
from typing import Any, NoReturn, TypeVar

import pytest

from pytest_wasmblog import markers, module_usage, state
from pytest_wasmblog.app import PopcornApp
from pytest_wasmblog.artifacts import artifact_dir
from pytest_wasmblog.boot import (
    FixtureArgsError,
    ServedSite,
    SharedApp,
    boot_app,
    connect_site,
    launch_browser,
    serve_site,
    start_real_host,
    unavailable,
)
from pytest_wasmblog.breaker import BootBreaker
from pytest_wasmblog.browsers.base import BrowserPage, BrowserSession, ContextArgsError
from pytest_wasmblog.browsers.describe import header_line
from pytest_wasmblog.deploy.hosts import HostNotInstalledError, HostStartError
from pytest_wasmblog.elixir import ElixirBridge
from pytest_wasmblog.errors import BrowserLaunchError, BrowserNotFoundError
from pytest_wasmblog.isolation import IsolationChecker
from pytest_wasmblog.link import Link
from pytest_wasmblog.network import Network
from pytest_wasmblog.remote import RemoteSite, RemoteSiteError
from pytest_wasmblog.remote_settings import RemoteSettingsError
from pytest_wasmblog.screenshots import screenshot_png
from pytest_wasmblog.server import StaticSiteServer
from pytest_wasmblog.settings import Settings, SettingsError, add_options, from_config
from pytest_wasmblog.stats import RunStats
from pytest_wasmblog.visual import UPDATE_OPTION, SnapshotResult, SnapshotStore

_STATS_OUTPUT = "wasmblog_stats"
_T = TypeVar("_T")


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)
    module_usage.add_option(parser)
    parser.getgroup("wasmblog").addoption(UPDATE_OPTION, action="store_true",
                                          help="write the screenshots wasm_snapshot takes as the new references")


@pytest.hookimpl(tryfirst=True)  # the other wasmblog plugins read the session state it makes
def pytest_configure(config: pytest.Config) -> None:
    try:
        settings = from_config(config)
    except (SettingsError, RemoteSettingsError) as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[state.session_key] = state.WasmSession(settings, RunStats(breaker=BootBreaker(settings.max_boot_failures)))
    markers.register(config)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # One run covers the matrix: the engine is a session-scoped parameter named in each test id.
    if "wasm_engine" in metafunc.fixturenames:
        engines = state.of(metafunc.config).settings.engines
        metafunc.parametrize("wasm_engine", engines, scope="session", ids=list(engines))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deployment = state.of(config).settings.deployment
    for item in items:
        markers.apply(item, deployment)
    # pytest's own reordering interleaves engines once a test has function-level parameters too,
    # which would relaunch browsers; a stable sort keeps one launch per engine.
    order = {engine: index for index, engine in enumerate(state.of(config).settings.engines)}
    items.sort(key=lambda item: order.get(markers.engine_of(item) or "", -1))


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = state.of(config).settings
    site = settings.site if settings.site else "(none: pass --wasm-site)"
    lines = [f"wasmblog: site {site}, isolation {settings.isolation}" if settings.deployment is None
             else f"wasmblog: {settings.deployment} (nothing served by the plugin), build {settings.site or '(none given)'}"]
    for engine in settings.engines:
        remote = settings.remotes.get(engine)
        lines.append(f"  {engine}: {remote.describe()}" if remote is not None
                     else header_line(engine, settings.browser_paths[engine]))
    if settings.public_origin is not None:
        lines.append(f"wasmblog: test server listens on {settings.bind}, browsers load it at {settings.public_origin}"
                     + (" (HTTPS with a certificate made for this run)" if settings.serves_https else ""))
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    lines = state.of(config).stats.summary_lines()
    if lines:
        terminalreporter.section("wasmblog")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int | pytest.ExitCode) -> None:
    # An xdist worker hands its measurements to the controller, which prints the summary.
    workeroutput: dict[str, Any] | None = getattr(session.config, "workeroutput", None)
    shared = state.of(session.config)
    if workeroutput is not None:
        workeroutput[_STATS_OUTPUT] = json.dumps(shared.stats.to_json())
        return
    failed = bool(session.testsfailed) or exitstatus != pytest.ExitCode.OK
    recorded = module_usage.write(shared.settings.record_modules, shared.stats, failed)
    if recorded:
        shared.stats.notes.append(recorded)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    output = getattr(node, "workeroutput", {}).get(_STATS_OUTPUT)
    if output:
        state.of(node.config).stats.merge(json.loads(output))


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    pages = state.of(item.config).failed_boot_pages
    while pages:
        pages.pop().close()


@pytest.fixture(scope="session")
def wasm_session(pytestconfig: pytest.Config) -> state.WasmSession:
    """What this session's fixtures share: settings, statistics, servers and browsers it started."""
    return state.of(pytestconfig)


@pytest.fixture(scope="session")
def wasm_settings(wasm_session: state.WasmSession) -> Settings:
    return wasm_session.settings


@pytest.fixture(scope="session")
def wasm_stats(wasm_session: state.WasmSession) -> RunStats:
    return wasm_session.stats


@pytest.fixture(scope="session")
def wasm_engine(request: pytest.FixtureRequest) -> str:
    """The engine of this test; parametrized from --wasm-browser by pytest_generate_tests."""
    return str(request.param)


@pytest.fixture(scope="session")
def wasm_link() -> Link:
    """The emulated network between the browsers and every server of this session (or xdist worker)."""
    return Link()


@pytest.fixture(scope="session")
def wasm_server_args() -> dict[str, Any]:
    """How the test server serves a site: `extra_headers` ({name: value}), `compression` ("auto" or "off"),
    `cache` (True lets the browser cache responses for `max_age` seconds). Override it in conftest.py."""
    return {}


@pytest.fixture(scope="session")
def wasm_launch_args(wasm_engine: str, wasm_settings: Settings) -> dict[str, Any]:
    """How each engine's browser is launched: `args` (extra command-line arguments), `env` (variables added
    to its environment), `headed`. Override it in conftest.py; take `wasm_engine` to vary by engine."""
    return {"args": [], "env": {}, "headed": wasm_settings.headed}


@pytest.fixture(scope="session")
def wasm_context_args(wasm_engine: str) -> dict[str, Any]:
    """What every page's browser context is made with: `viewport` ({"width": w, "height": h}), `locale`,
    `timezone_id`, `user_agent`. WebKitGTK over WebDriver sets only the viewport. Override it in conftest.py."""
    return {}


@pytest.fixture(scope="session")
def wasm_server(wasm_session: state.WasmSession, wasm_link: Link,
                wasm_server_args: dict[str, Any]) -> Iterator[ServedSite]:
    """The site under test: served by the plugin, or the deployment at --wasm-base-url."""
    settings = wasm_session.settings
    if settings.base_url is not None:
        wasm_session.stats.site = settings.site
        try:
            yield connect_site(settings.base_url, wasm_session, wasm_link)
        except RemoteSiteError as exc:
            pytest.fail(str(exc), pytrace=False)
        return
    site = settings.require_site()
    wasm_session.stats.site = site
    if settings.host is not None:
        try:
            host, remote = start_real_host(settings.host, site, wasm_session, wasm_link)
        except HostNotInstalledError as exc:
            unavailable(settings, str(exc))
        except (HostStartError, RemoteSiteError) as exc:
            pytest.fail(str(exc), pytrace=False)
        with host:
            yield remote
        return
    with _fixture_args_checked(lambda: serve_site(site, wasm_session, wasm_link, wasm_server_args,
                                                  port=settings.public_port)) as server:
        yield server


def _fixture_args_checked(make: Callable[[], _T]) -> _T:
    """A `wasm_*_args` fixture that returned what cannot work fails the test with the reason, no traceback."""
    try:
        return make()
    except (FixtureArgsError, ContextArgsError) as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def wasm_serve(wasm_session: state.WasmSession, wasm_link: Link, wasm_server_args: dict[str, Any],
               ) -> Iterator[Callable[[str | os.PathLike[str]], StaticSiteServer]]:
    """`wasm_serve(folder)` serves another build on a new origin (its own service workers and storage),
    with the same headers, probe and network conditions as `wasm_server`; `.deploy(folder)` swaps the
    site in place, as a new deployment would."""
    servers: list[StaticSiteServer] = []

    def serve(folder: str | os.PathLike[str]) -> StaticSiteServer:
        deployment = wasm_session.settings.deployment
        if deployment is not None:
            pytest.fail(f"wasm_serve({str(folder)!r}) serves a build on the plugin's own server, but this run tests "
                        f"{deployment}. Mark the test @pytest.mark.wasm_served_here(\"why\"), or run it without "
                        "--wasm-base-url/--wasm-host", pytrace=False)
        server = serve_site(Path(folder), wasm_session, wasm_link, wasm_server_args)
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def wasm_browser(wasm_engine: str, wasm_session: state.WasmSession, wasm_launch_args: dict[str, Any],
                 wasm_context_args: dict[str, Any]) -> Iterator[BrowserSession]:
    try:
        browser = _fixture_args_checked(lambda: launch_browser(wasm_engine, wasm_session, wasm_launch_args))
    except BrowserNotFoundError as exc:
        unavailable(wasm_session.settings, str(exc))
    except BrowserLaunchError as exc:
        pytest.fail(str(exc), pytrace=False)
    with browser:
        _fixture_args_checked(lambda: browser.set_context_args(wasm_context_args))
        yield browser


@pytest.fixture
def wasm_require(wasm_browser: BrowserSession, wasm_settings: Settings) -> Callable[[str], None]:
    """`wasm_require("cdp")` in a test: the test needs that backend capability."""

    def require(capability: str) -> None:
        if not wasm_browser.has(capability):
            unavailable(wasm_settings, f"{wasm_browser.describe()} has no {capability!r} capability "
                        f"(it has: {', '.join(sorted(wasm_browser.capabilities))})")

    return require


@pytest.fixture(scope="session")
def _wasm_shared_app(wasm_browser: BrowserSession, wasm_server: ServedSite,
                     wasm_session: state.WasmSession) -> Iterator[SharedApp]:
    shared = SharedApp(wasm_browser, wasm_server, wasm_session)
    yield shared
    shared.close()


@pytest.fixture
def wasm_app(_wasm_shared_app: SharedApp, wasm_stats: RunStats) -> Iterator[PopcornApp]:
    app = _wasm_shared_app.get()
    seen = len(app.call_durations_ms)
    yield app
    wasm_stats.engine(_wasm_shared_app.browser.engine).call_ms.extend(app.call_durations_ms[seen:])


@pytest.fixture
def fresh_wasm_app(wasm_browser: BrowserSession, wasm_server: ServedSite,
                   wasm_session: state.WasmSession) -> Iterator[PopcornApp]:
    app = boot_app(wasm_browser, wasm_server, wasm_session)
    yield app
    wasm_session.stats.engine(wasm_browser.engine).call_ms.extend(app.call_durations_ms)
    app.close()


@pytest.fixture
def wasm_app_factory(wasm_browser: BrowserSession, wasm_server: ServedSite,
                     wasm_session: state.WasmSession) -> Iterator[Callable[..., PopcornApp]]:
    """`new_app(server=None, boot_timeout_s=None)`: boot the app in a fresh context (own cache, storage
    and service workers) from `wasm_server` or another server; every app is closed after the test."""
    apps: list[PopcornApp] = []

    def new_app(server: ServedSite | None = None, boot_timeout_s: float | None = None) -> PopcornApp:
        app = boot_app(wasm_browser, server or wasm_server, wasm_session, boot_timeout_s)
        apps.append(app)
        return app

    yield new_app
    for app in apps:
        wasm_session.stats.engine(wasm_browser.engine).call_ms.extend(app.call_durations_ms)
        app.close()


@pytest.fixture
def network(request: pytest.FixtureRequest, wasm_browser: BrowserSession, wasm_link: Link,
            wasm_settings: Settings) -> Iterator[Network]:
    """Offline and throttling for this test; everything is back online and unthrottled after it."""

    def record(line: str) -> None:
        # In the test's report (shown on failure and with -rA) and its JUnit properties.
        request.node.add_report_section("call", "wasmblog network", line)
        request.node.user_properties.append(("wasm_network", line))

    # Only a deployment changes what can be done; a test of the network alone needs no site.
    remote = request.getfixturevalue("wasm_server") if wasm_settings.deployment is not None else None
    net = Network(wasm_link, wasm_browser, record, remote if isinstance(remote, RemoteSite) else None,
                  unavailable=_skip)
    yield net
    net.online()
    wasm_link.reset()
    wasm_browser.set_network(False, None)


def _skip(reason: str) -> NoReturn:
    pytest.skip(reason)


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
        result = store.check(name, wasm_engine, png, update=update, output_dir=artifact_dir(request.node),
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


@pytest.fixture
def isolation(wasm_browser: BrowserSession, wasm_server: ServedSite, wasm_settings: Settings) -> IsolationChecker:
    return IsolationChecker(wasm_browser, wasm_server.origin, wasm_settings.page)
