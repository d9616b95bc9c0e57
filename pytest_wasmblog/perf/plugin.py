"""The performance side of the plugin: `wasm_perf` and `wasm_sizes`, budgets, the JSON report and
baselines. A plugin of its own (`pytest11: wasmblog_perf`).

Metrics recorded by a test are checked against the budgets (ini `wasm_budgets` and the test's
`wasm_budget` marks) right after the test body, so a broken budget fails that test with a table.
Reports and baselines cover the whole run and are handled once, by the xdist controller.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pytest_wasmblog import state
from pytest_wasmblog.app import PopcornApp
from pytest_wasmblog.boot import ServedSite, boot_app, serve_site
from pytest_wasmblog.browsers.base import BrowserSession
from pytest_wasmblog.isolation import ASSETS
from pytest_wasmblog.remote import ENGINE_ACCEPT_ENCODING, RemoteSite, RemoteSiteError
from pytest_wasmblog.server import StaticSiteServer
from pytest_wasmblog.settings import Settings, SettingsError, writable_path
from pytest_wasmblog.state import WasmSession

from .baseline import (
    DEFAULT_RELATIVE,
    BaselineError,
    Comparison,
    compare,
    load_baseline,
    save_baseline,
)
from .boot_phases import PHASE_NAMES
from .budgets import Budget, BudgetError, check, parse_budgets
from .metrics import ANY_ENGINE, MetricSet, name_part
from .report import ReportError, build_report, write_report
from .sizes import bundle_module_sizes, host_sizes, served_paths, site_sizes
from .text import format_value
from .timing import FLOOR_PAGE, LEGS, RUNTIME, PerfTimer

session_metrics_key = pytest.StashKey[MetricSet]()
test_metrics_key = pytest.StashKey[MetricSet]()
outcome_key = pytest.StashKey[list[str]]()  # lines for the terminal summary
floors_measured_key = pytest.StashKey[set[tuple[str, str]]]()  # (engine, floor metric) measured this run
_WORKER_OUTPUT = "wasmblog_metrics"
BUDGET_MARKER = "wasm_budget(*budgets): budgets for what this test measures, e.g. 'chromium:boot.app_ready<=1.5s'"


@dataclass(frozen=True)
class PerfSettings:
    report: str | None  # --wasm-report
    baseline: str | None  # --wasm-baseline
    save_baseline: str | None  # --wasm-save-baseline
    tolerance: float  # --wasm-tolerance / ini wasm_tolerance
    boot_repeats: int  # --wasm-boot-repeats / ini wasm_boot_repeats
    budgets: tuple[Budget, ...]  # ini wasm_budgets
    baseline_keep: tuple[str, ...] | None  # --wasm-baseline-keep / ini wasm_baseline_keep; None: all


settings_key = pytest.StashKey[PerfSettings]()
host_transfer_key = pytest.StashKey[dict[int, "HostTransfer"]]()  # per deployment, asked once a session


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wasmblog")
    group.addoption("--wasm-report", metavar="PATH", help="write the run's measurements as a JSON report (schema-checked)")
    group.addoption("--wasm-baseline", metavar="PATH",
                    help="compare this run's medians with a stored report; a regression fails the run")
    group.addoption("--wasm-save-baseline", metavar="PATH",
                    help="save this run's report as the new baseline (refused when the run failed)")
    group.addoption("--wasm-tolerance", type=float, metavar="FRACTION",
                    help=f"relative slow-down a baseline comparison allows, default {DEFAULT_RELATIVE} "
                    "(with an absolute floor of 5 ms / 1 KB). ini: wasm_tolerance")
    group.addoption("--wasm-baseline-keep", metavar="GLOBS",
                    help="the metrics a saved baseline keeps, comma-separated name globs, e.g. 'ratio.*,size.*' for "
                    "one that other machines compare with (times over the run's floors, and sizes); default: every "
                    "metric. ini: wasm_baseline_keep")
    group.addoption("--wasm-boot-repeats", type=int, metavar="N", help="boots per wasm_perf measurement, default 5")
    parser.addini("wasm_budgets", "budgets, one per line: ENGINE:METRIC<=LIMIT (engine or *)", type="linelist")
    parser.addini("wasm_boot_repeats", "boots per wasm_perf measurement", default="5")
    parser.addini("wasm_tolerance", "relative slow-down a baseline comparison allows", default=str(DEFAULT_RELATIVE))
    parser.addini("wasm_baseline_keep", "the metrics a saved baseline keeps: name globs (e.g. ratio.*,size.*)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", BUDGET_MARKER)
    config.stash[session_metrics_key] = MetricSet()
    config.stash[outcome_key] = []
    config.stash[floors_measured_key] = set()
    config.stash[host_transfer_key] = {}
    try:
        # Parsed here, so a typo fails the run before any browser starts.
        budgets = tuple(parse_budgets(config.getini("wasm_budgets")))
    except BudgetError as exc:
        raise pytest.UsageError(f"wasm_budgets: {exc}") from None
    baseline = config.getoption("--wasm-baseline")
    if baseline and not Path(baseline).is_file():
        raise pytest.UsageError(f"--wasm-baseline: {baseline} does not exist; save one first with "
                                "--wasm-save-baseline PATH on a run you trust")
    try:
        report = writable_path(config.getoption("--wasm-report"), "--wasm-report")
        save = writable_path(config.getoption("--wasm-save-baseline"), "--wasm-save-baseline")
    except SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[settings_key] = PerfSettings(
        report=str(report) if report else None, baseline=baseline, save_baseline=str(save) if save else None,
        tolerance=_tolerance(config), boot_repeats=_repeats(config), budgets=budgets,
        baseline_keep=_baseline_keep(config))


def _repeats(config: pytest.Config) -> int:
    option = config.getoption("--wasm-boot-repeats")
    value = option if option is not None else config.getini("wasm_boot_repeats")
    try:
        repeats = int(value)
    except ValueError:
        raise pytest.UsageError(f"wasm_boot_repeats must be a whole number, not {value!r}") from None
    if repeats < 1:
        raise pytest.UsageError(f"--wasm-boot-repeats (ini wasm_boot_repeats) must be at least 1, not {repeats}")
    return repeats


def _baseline_keep(config: pytest.Config) -> tuple[str, ...] | None:
    text = config.getoption("--wasm-baseline-keep") or config.getini("wasm_baseline_keep")
    if not text:
        return None
    globs = tuple(glob.strip() for glob in str(text).split(",") if glob.strip())
    if not globs:
        raise pytest.UsageError(f"--wasm-baseline-keep (ini wasm_baseline_keep) {text!r} names no metric: give "
                                "comma-separated name globs such as 'ratio.*,size.*'")
    return globs


def _tolerance(config: pytest.Config) -> float:
    value = config.getoption("--wasm-tolerance")
    text = value if value is not None else config.getini("wasm_tolerance")
    try:
        tolerance = float(text)
    except ValueError:
        raise pytest.UsageError(f"wasm_tolerance must be a fraction such as 0.1, not {text!r}") from None
    if not 0 <= tolerance < 10:
        raise pytest.UsageError(f"--wasm-tolerance (ini wasm_tolerance) must be a fraction from 0 to 10, such "
                                f"as 0.1 for 10 %, not {tolerance}")
    return tolerance


def _budgets_for(item: pytest.Item) -> tuple[list[Budget], list[Budget]]:
    """(from the ini file, from the test's marks)."""
    from_ini = list(item.config.stash[settings_key].budgets)
    texts = [text for mark in item.iter_markers("wasm_budget") for text in mark.args]
    try:
        return from_ini, parse_budgets(texts)
    except BudgetError as exc:
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.wasm_budget: {exc}") from None


# --- recording ---------------------------------------------------------------
class Recorder:
    """Adds a test's measurements to its own set (budgets) and to the run's (report, baseline)."""

    def __init__(self, item: pytest.Item) -> None:
        self.item = item
        item.stash.setdefault(test_metrics_key, MetricSet())

    def __call__(self, engine: str, name: str, unit: str, value: float) -> None:
        self.item.stash[test_metrics_key].add(engine, name, unit, value)
        self.item.config.stash[session_metrics_key].add(engine, name, unit, value)


@pytest.fixture
def wasm_perf(request: pytest.FixtureRequest, wasm_browser: BrowserSession, wasm_server: ServedSite,
              wasm_session: WasmSession, wasm_serve: Callable[[Path], StaticSiteServer]) -> PerfTimer:
    """Boot timings by phase (`boot_cold()`, `boot_warm()`) and call latency (`call_latency(app, request)`),
    from the page's clocks; each is recorded as a metric for budgets, the report and baselines."""
    cached: list[ServedSite] = []

    def cached_server() -> ServedSite:
        # Warm boots need an HTTP cache to be warm: this server lets the browser keep what it gets.
        # A deployment caches as its host says: that is what is measured.
        if isinstance(wasm_server, RemoteSite):
            return wasm_server
        if not cached:
            server = wasm_serve(wasm_session.settings.require_site())
            server.cache = True
            cached.append(server)
        return cached[0]

    def new_app(server: ServedSite) -> PopcornApp:
        # Measured boots stay out of the summary's plain "boot to app ready" line: they have their own.
        return boot_app(wasm_browser, server, wasm_session, count_in_summary=False)

    def floor_server() -> StaticSiteServer | None:
        # The runtime alone, served beside the floor page by the plugin, whoever hosts the site.
        # Measured once per engine and run, so this server lives for one test.
        site = wasm_session.settings.site
        if site is None or not (site / RUNTIME).is_file():
            return None
        folder = request.getfixturevalue("tmp_path_factory").mktemp("runtime-floor")
        shutil.copyfile(site / RUNTIME, folder / RUNTIME)
        (folder / "index.html").write_text(FLOOR_PAGE)
        server = serve_site(folder, wasm_session, request.getfixturevalue("wasm_link"),
                            request.getfixturevalue("wasm_server_args"))
        request.addfinalizer(server.stop)
        return server

    host_transfer = None
    if isinstance(wasm_server, RemoteSite):
        paths = served_paths(wasm_session.settings.site, wasm_session.settings.page, ASSETS)
        host_transfer = request.config.stash[host_transfer_key].setdefault(id(wasm_server), HostTransfer(wasm_server, paths))
    return PerfTimer(wasm_browser, wasm_server, new_app, wasm_session.settings.call_timeout_s,
                     request.config.stash[settings_key].boot_repeats, Recorder(request.node), cached_server,
                     host_transfer, floor_server, _floors_measured(request.config))


def _floors_measured(config: pytest.Config) -> set[tuple[str, str]] | None:
    """The run's measured floors, or None when nothing would show a ratio (no report, no baseline):
    then no floor is measured unasked, which saves each engine a few page loads."""
    settings = config.stash[settings_key]
    if not (settings.report or settings.baseline or settings.save_baseline):
        return None
    return config.stash[floors_measured_key]


class HostTransfer:
    """What a host sends for each file, once per engine's Accept-Encoding, asked once per session."""

    def __init__(self, remote: RemoteSite, paths: list[str]) -> None:
        self.remote = remote
        self.paths = paths
        self._by_engine: dict[str, dict[str, int]] = {}

    def __call__(self, engine: str) -> dict[str, int]:
        if engine not in self._by_engine:
            accept = ENGINE_ACCEPT_ENCODING.get(engine)
            self._by_engine[engine] = {path.rsplit("/", 1)[-1]: _sent(self.remote, path, accept) for path in self.paths}
        return self._by_engine[engine]


def _sent(remote: RemoteSite, path: str, accept_encoding: str | None) -> int:
    try:
        fetched = remote.fetch(path, accept_encoding)
    except RemoteSiteError as exc:
        pytest.fail(f"measuring what the host sends: {exc}", pytrace=False)
    if fetched.status >= 400:
        pytest.fail(f"measuring what the host sends: {remote.url_for(path)} answered HTTP {fetched.status}", pytrace=False)
    return len(fetched.body)


@pytest.fixture
def wasm_sizes(request: pytest.FixtureRequest, wasm_settings: Settings) -> dict[str, dict[str, int]]:
    """The site's assets raw, gzip and brotli (as a CDN sends them), recorded as `size.<asset>.<coding>`
    and `size.total.<coding>`, and the bundle's modules as `bundle.module.<name>` and
    `bundle.origin.<origin>` (from build-report.json); returns {asset: {"raw": n, "gzip": n, "br": n}}."""
    record = Recorder(request.node)
    site: Path | None
    if wasm_settings.deployment is not None:
        # What the deployment's host really sends, compressed or not, for each coding asked.
        remote = request.getfixturevalue("wasm_server")
        assert isinstance(remote, RemoteSite)
        site = wasm_settings.site
        sizes = host_sizes(served_paths(site, wasm_settings.page, ASSETS),
                           lambda path, coding: _sent(remote, path, coding))
    else:
        site = wasm_settings.require_site()
        sizes = site_sizes(site)
    totals = {"raw": 0, "gzip": 0, "br": 0}
    result: dict[str, dict[str, int]] = {}
    for asset in sizes:
        result[asset.path] = {"raw": asset.raw, "gzip": asset.gzip, "br": asset.br}
        for coding, value in result[asset.path].items():
            record(ANY_ENGINE, f"size.{name_part(asset.path)}.{coding}", "bytes", float(value))
            totals[coding] += value
    for coding, value in totals.items():
        record(ANY_ENGINE, f"size.total.{coding}", "bytes", float(value))
    # Per module and per origin, so a baseline names the module that grew.
    by_origin: dict[str, int] = {}
    for module, (origin, size) in (bundle_module_sizes(site) if site is not None else {}).items():
        record(ANY_ENGINE, f"bundle.module.{name_part(module)}", "bytes", float(size))
        by_origin[origin] = by_origin.get(origin, 0) + size
    for origin, size in by_origin.items():
        record(ANY_ENGINE, f"bundle.origin.{origin}", "bytes", float(size))
    result["total"] = totals
    return result


# --- budgets, after each test's body --------------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield
    measured = item.stash.get(test_metrics_key, None)
    from_ini, from_marks = _budgets_for(item)
    if measured is None or len(measured) == 0:
        if from_marks:
            raise AssertionError(f"the test has wasm_budget marks ({', '.join(b.text for b in from_marks)}) "
                                 "but measured nothing: use the wasm_perf or wasm_sizes fixture")
        return result
    applicable = [b for b in from_ini if any(b.matches(m) for m in measured)] + from_marks
    outcome = check(measured, applicable)
    if outcome.failed:
        raise AssertionError("performance budget broken:\n" + "\n".join(outcome.problems()) + "\n" + outcome.table())
    return result


# --- the run's report and baseline ------------------------------------------------
def _add_labelled_boots(config: pytest.Config, labelled: dict[str, dict[str, list[float]]]) -> None:
    """Boots the tests recorded under a label (throttled boots: `wasm_stats.engine(e).record_boot`) join the
    report's metrics as `boot_labelled.<label>.app_ready`."""
    metrics = config.stash[session_metrics_key]
    for engine, by_label in labelled.items():
        for label, samples in by_label.items():
            for value in samples:
                metrics.add(engine, f"boot_labelled.{name_part(label)}.app_ready", "ms", value)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    metrics = config.stash[session_metrics_key]
    workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_OUTPUT] = json.dumps(metrics.to_json())
        return
    stats = state.of(config).stats  # the workers' stats reached the controller in pytest_testnodedown
    _add_labelled_boots(config, {name: e.labelled_boot_ms for name, e in stats.engines.items()})
    engines = {name: {"backend": e.backend, "version": e.version, "description": e.description}
               for name, e in stats.engines.items() if e.description}
    settings = config.stash[settings_key]
    if not (settings.report or settings.baseline or settings.save_baseline):
        return
    lines = config.stash[outcome_key]
    failed = session.testsfailed > 0 or session.exitstatus not in (0, pytest.ExitCode.OK)
    counts = _counts(config)
    try:
        report = build_report(metrics, engines, "failed" if failed else "passed", counts)
        if settings.report:
            write_report(settings.report, report)
            lines.append(f"report: {settings.report} ({len(metrics)} metrics)")
        if settings.baseline:
            comparison = compare(report, load_baseline(settings.baseline), relative=settings.tolerance)
            _show_comparison(session, comparison, settings.baseline, lines)
        if settings.save_baseline:
            save_baseline(report, settings.save_baseline, run_failed=failed, keep=settings.baseline_keep)
            lines.append(f"baseline saved: {settings.save_baseline}")
    except (ReportError, BaselineError) as exc:
        lines.append(f"ERROR: {exc}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _show_comparison(session: pytest.Session, comparison: Comparison, path: str, lines: list[str]) -> None:
    verdict = (f"{len(comparison.regressions)} regression(s)" if comparison.failed else "no regression")
    lines.append(f"baseline {path}: {verdict}")
    lines.extend(comparison.table().splitlines())
    if comparison.failed:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _counts(config: pytest.Config) -> dict[str, int]:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    stats: dict[str, list[Any]] = getattr(reporter, "stats", {}) if reporter else {}
    names = {"passed": "passed", "failed": "failed", "skipped": "skipped", "xfailed": "xfailed",
             "xpassed": "xpassed", "error": "errors"}
    return {ours: len([r for r in stats.get(theirs, []) if getattr(r, "when", "call") in ("call", "setup")])
            for theirs, ours in names.items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    output = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT)
    if output:
        node.config.stash[session_metrics_key].merge(json.loads(output))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    lines = summary_lines(config)
    if lines:
        terminalreporter.section("wasmblog performance")
        for line in lines:
            terminalreporter.write_line(line)


def summary_lines(config: pytest.Config) -> list[str]:
    """Per engine: boot phase medians (cold, warm), call latencies; the site's total size; report, baseline."""
    metrics = config.stash[session_metrics_key]
    lines = []
    for engine in sorted({m.engine for m in metrics}):
        mine = {m.name: m for m in metrics if m.engine == engine}
        engine_lines = []
        for prefix, label in (("boot", "cold boot"), ("boot_warm", "warm boot")):
            phases = [(p, mine[f"{prefix}.{p}"]) for p in PHASE_NAMES if f"{prefix}.{p}" in mine]
            if phases:
                engine_lines.append(f"  {label} medians (n={phases[0][1].summary.n}): " + " · ".join(
                    f"{p} {format_value(m.summary.median, 'ms')}" for p, m in phases))
        # A call's own metrics; its legs and its time from Python go on a line of their own below.
        per_call = (*(f".leg.{leg}" for leg in LEGS), ".from_python")
        calls = [m for name, m in sorted(mine.items()) if name.startswith("call.") and not name.endswith(per_call)]
        if calls:
            engine_lines.append("  calls: " + " · ".join(
                f"{m.name} median {format_value(m.summary.median, 'ms')} (n={m.summary.n})" for m in calls))
        for call in calls:
            legs = [(leg, mine[f"{call.name}.leg.{leg}"]) for leg in LEGS if f"{call.name}.leg.{leg}" in mine]
            if f"{call.name}.from_python" in mine:
                legs.append(("from Python", mine[f"{call.name}.from_python"]))
            if legs:
                engine_lines.append(f"  {call.name} legs, medians: " + " · ".join(
                    f"{leg} {format_value(m.summary.median, 'ms')}" for leg, m in legs))
        totals = [(name.rsplit(".", 1)[-1], m) for name, m in sorted(mine.items()) if name.startswith("size.total.")]
        if totals:
            engine_lines.append("  site size: " + " · ".join(f"{coding} {format_value(m.summary.median, 'bytes')}"
                                                         for coding, m in totals))
        if engine_lines:
            lines.append(f"measured ({'sizes' if engine == ANY_ENGINE else engine}):")
            lines.extend(engine_lines)
    return lines + config.stash[outcome_key]
