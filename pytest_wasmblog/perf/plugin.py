"""The performance side of the plugin: `wasm_perf` and `wasm_sizes`, budgets, the JSON report and
baselines. Registered by pytest_wasmblog.plugin.

Metrics recorded by a test are checked against the budgets (ini `wasm_budgets` and the test's
`wasm_budget` marks) right after the test body, so a broken budget fails that test with a table.
Reports and baselines cover the whole run and are handled once, by the xdist controller.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

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
from .sizes import bundle_module_sizes, site_sizes
from .text import format_value
from .timing import PerfTimer

session_metrics_key = pytest.StashKey[MetricSet]()
test_metrics_key = pytest.StashKey[MetricSet]()
outcome_key = pytest.StashKey[list[str]]()  # lines for the terminal summary
ini_budgets_key = pytest.StashKey[list[Budget]]()  # parsed once, checked after every measuring test
_WORKER_OUTPUT = "wasmblog_metrics"
BUDGET_MARKER = "wasm_budget(*budgets): budgets for what this test measures, e.g. 'chromium:boot.app_ready<=1.5s'"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("wasmblog")
    group.addoption("--wasm-report", metavar="PATH", help="write the run's measurements as a JSON report (schema-checked)")
    group.addoption("--wasm-baseline", metavar="PATH",
                    help="compare this run's medians with a stored report; a regression fails the run")
    group.addoption("--wasm-save-baseline", metavar="PATH",
                    help="save this run's report as the new baseline (refused when the run failed)")
    group.addoption("--wasm-tolerance", type=float, metavar="FRACTION",
                    help=f"relative slow-down a baseline comparison allows, default {DEFAULT_RELATIVE} "
                    "(with an absolute floor of 5 ms / 1 KB). ini: wasm_tolerance")
    group.addoption("--wasm-boot-repeats", type=int, metavar="N", help="boots per wasm_perf measurement, default 5")
    parser.addini("wasm_budgets", "budgets, one per line: ENGINE:METRIC<=LIMIT (engine or *)", type="linelist")
    parser.addini("wasm_boot_repeats", "boots per wasm_perf measurement", default="5")
    parser.addini("wasm_tolerance", "relative slow-down a baseline comparison allows", default=str(DEFAULT_RELATIVE))


def configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", BUDGET_MARKER)
    config.stash[session_metrics_key] = MetricSet()
    config.stash[outcome_key] = []
    try:
        # Parsed here, so a typo fails the run before any browser starts.
        config.stash[ini_budgets_key] = parse_budgets(config.getini("wasm_budgets"))
    except BudgetError as exc:
        raise pytest.UsageError(f"wasm_budgets: {exc}") from None
    repeats = _repeats(config)
    if repeats < 1:
        raise pytest.UsageError(f"wasm_boot_repeats must be at least 1, not {repeats}")


def _repeats(config: pytest.Config) -> int:
    value = config.getoption("--wasm-boot-repeats") or config.getini("wasm_boot_repeats")
    try:
        return int(value)
    except ValueError:
        raise pytest.UsageError(f"wasm_boot_repeats must be a whole number, not {value!r}") from None


def _tolerance(config: pytest.Config) -> float:
    value = config.getoption("--wasm-tolerance")
    return float(value if value is not None else config.getini("wasm_tolerance"))


def _budgets_for(item: pytest.Item) -> tuple[list[Budget], list[Budget]]:
    """(from the ini file, from the test's marks)."""
    from_ini = item.config.stash[ini_budgets_key]
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
def wasm_perf(request: pytest.FixtureRequest, wasm_browser: Any, wasm_server: Any, wasm_settings: Any,
              wasm_serve: Any) -> PerfTimer:
    """Boot timings by phase (`boot_cold()`, `boot_warm()`) and call latency (`call_latency(app, request)`),
    from the page's clocks; each is recorded as a metric for budgets, the report and baselines."""
    from pytest_wasmblog.plugin import (  # the main plugin imports this module
        boot_app,
        stats_key,
    )

    stats = request.config.stash[stats_key]
    cached: list[Any] = []

    def cached_server() -> Any:
        # Warm boots need an HTTP cache to be warm: this server lets the browser keep what it gets.
        if not cached:
            server = wasm_serve(wasm_settings.require_site())
            server.cache = True
            cached.append(server)
        return cached[0]

    def new_app(server: Any) -> Any:
        # Measured boots stay out of the summary's plain "boot to app ready" line: they have their own.
        return boot_app(wasm_browser, server, wasm_settings, stats, count_in_summary=False)

    return PerfTimer(wasm_browser, wasm_server, new_app, wasm_settings.call_timeout_s, _repeats(request.config),
                     Recorder(request.node), cached_server)


@pytest.fixture
def wasm_sizes(request: pytest.FixtureRequest, wasm_settings: Any) -> dict[str, dict[str, int]]:
    """The site's assets raw, gzip and brotli (as a CDN sends them), recorded as `size.<asset>.<coding>`
    and `size.total.<coding>`, and the bundle's modules as `bundle.module.<name>` and
    `bundle.origin.<origin>` (from build-report.json); returns {asset: {"raw": n, "gzip": n, "br": n}}."""
    record = Recorder(request.node)
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
    for module, (origin, size) in bundle_module_sizes(site).items():
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
def add_labelled_boots(config: pytest.Config, labelled: dict[str, dict[str, list[float]]]) -> None:
    """Boots a test recorded under a label (`wasm_stats.engine(e).record_boot("fast-3g, cold", ms)`)
    reach the report as `boot_labelled.<label>.app_ready`; called once, on the controller."""
    metrics = config.stash[session_metrics_key]
    for engine, boots in labelled.items():
        for label, samples in boots.items():
            for value in samples:
                metrics.add(engine, f"boot_labelled.{name_part(label)}.app_ready", "ms", value)


def sessionfinish(session: pytest.Session, engines: dict[str, dict[str, str]]) -> None:
    config = session.config
    metrics = config.stash[session_metrics_key]
    workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_OUTPUT] = json.dumps(metrics.to_json())
        return
    report_path, baseline_path, save_path = (config.getoption(o) for o in
                                             ("--wasm-report", "--wasm-baseline", "--wasm-save-baseline"))
    if not (report_path or baseline_path or save_path):
        return
    lines = config.stash[outcome_key]
    failed = session.testsfailed > 0 or session.exitstatus not in (0, pytest.ExitCode.OK)
    counts = _counts(config)
    try:
        report = build_report(metrics, engines, "failed" if failed else "passed", counts)
        if report_path:
            write_report(report_path, report)
            lines.append(f"report: {report_path} ({len(metrics)} metrics)")
        if baseline_path:
            comparison = compare(report, load_baseline(baseline_path), relative=_tolerance(config))
            _show_comparison(session, comparison, baseline_path, lines)
        if save_path:
            save_baseline(report, save_path, run_failed=failed)
            lines.append(f"baseline saved: {save_path}")
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


def merge_worker(node: Any) -> None:
    output = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT)
    if output:
        node.config.stash[session_metrics_key].merge(json.loads(output))


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
        calls = [m for name, m in sorted(mine.items()) if name.startswith("call.")]
        if calls:
            engine_lines.append("  calls: " + " · ".join(
                f"{m.name} median {format_value(m.summary.median, 'ms')} (n={m.summary.n})" for m in calls))
        totals = [(name.rsplit(".", 1)[-1], m) for name, m in sorted(mine.items()) if name.startswith("size.total.")]
        if totals:
            engine_lines.append("  site size: " + " · ".join(f"{coding} {format_value(m.summary.median, 'bytes')}"
                                                         for coding, m in totals))
        if engine_lines:
            lines.append(f"measured ({'sizes' if engine == ANY_ENGINE else engine}):")
            lines.extend(engine_lines)
    return lines + config.stash[outcome_key]
