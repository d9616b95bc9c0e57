"""`pytest --wasm-conformance`: Elixir's doctest examples as pytest items, on the host and per engine.

Each example is one item per place it runs: `Enum.map/2 #1[host]` (did the host give what the
docs show?) and `Enum.map/2 #1[chromium]` (did the VM give what the host gave?). Items of one
engine share one browser and one VM, which answers the examples in batches as items ask.
Everything the summary and the JSON report say comes from the items' reports, so runs split
across xdist workers add up the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_wasmblog import state
from pytest_wasmblog.conformance import known, report, suite, vm_runner
from pytest_wasmblog.conformance.compare import compare
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.settings import SettingsError, writable_path
from pytest_wasmblog.state import WasmSession
from pytest_wasmblog.vm_batches import EngineJobs

HOST = "host"
MARKER = "wasm_conformance: an example of Elixir's docs run by --wasm-conformance (select with -m wasm_conformance)"
_PROPERTY = "wasm_conformance"
# How many examples one VM call may run: the item asking and those queued after it on its engine.
_AHEAD = 60


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wasmblog")
    group.addoption("--wasm-conformance", action="store_true",
                    help="add the conformance suite: Elixir's own doctest examples, run on the host and in the "
                    "VM on every --wasm-browser engine (select it alone with -m wasm_conformance)")
    group.addoption("--wasm-conformance-modules", metavar="MODULES",
                    help="comma-separated Elixir modules whose examples to take (default: the whole suite)")
    group.addoption("--wasm-conformance-report", metavar="PATH",
                    help="write every example's outcome per engine, and the pass rates, as JSON")
    group.addoption("--wasm-conformance-ebin", metavar="DIR", action="append", default=[],
                    help="a folder of compiled modules (with docs) to take examples from, with "
                    "--wasm-conformance-modules naming them: your own modules' doctests (repeatable)")
    group.addoption("--wasm-conformance-known", metavar="PATH",
                    help="the known failures (TOML) to expect, instead of the plugin's own list")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--wasm-conformance"):
        config.pluginmanager.register(ConformancePlugin(config, state.of(config)), "wasmblog-conformance-run")


def modules_option(value: str | None) -> tuple[str, ...]:
    if not value:
        return suite.MODULES
    modules = tuple(m.strip() for m in value.split(",") if m.strip())
    if not modules or any(not m[:1].isupper() for m in modules):
        raise pytest.UsageError(f"--wasm-conformance-modules takes Elixir module names like Enum,Map, not {value!r}")
    return modules


class ConformancePlugin:
    """The suite's items, its engines' browsers and VMs, and its summary: registered for a run that asks."""

    def __init__(self, config: pytest.Config, session: WasmSession) -> None:
        self.config = config
        self.session = session
        self.settings = session.settings
        self.modules = modules_option(config.getoption("--wasm-conformance-modules"))
        self.ebins = tuple(Path(p).resolve() for p in config.getoption("--wasm-conformance-ebin"))
        missing = [str(p) for p in self.ebins if not p.is_dir()]
        if missing:
            raise pytest.UsageError(f"--wasm-conformance-ebin: no such folder: {', '.join(missing)}")
        known_option = config.getoption("--wasm-conformance-known")
        if known_option and not Path(known_option).is_file():
            raise pytest.UsageError(f"--wasm-conformance-known: {known_option} does not exist; give a TOML file "
                                    "of known failures (see pytest_wasmblog/conformance/known_failures.toml)")
        self.known_path = Path(known_option) if known_option else known.KNOWN_FAILURES
        try:
            self.known = known.load(self.known_path)
            self.report_path = writable_path(config.getoption("--wasm-conformance-report"),
                                             "--wasm-conformance-report")
        except (known.KnownFailuresError, SettingsError) as exc:
            raise pytest.UsageError(f"--wasm-conformance: {exc}") from None
        self.suite: suite.Suite | None = None
        self.engines: dict[str, EngineJobs] = {}
        self.collected = report.Collected()

    # -- collection ---------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        config.addinivalue_line("markers", MARKER)
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        try:
            self.suite = suite.build(self.modules, log=lambda line: reporter.write_line(line) if reporter else None,
                                     code_paths=self.ebins)
        except WasmblogError as exc:
            raise pytest.UsageError(f"--wasm-conformance: {exc}") from None
        parent = ConformanceCollector.from_parent(session, name="conformance", nodeid="conformance")
        for engine in (HOST, *self.settings.engines):
            for example in self.suite.examples:
                item = ConformanceItem.from_parent(parent, name=f"{example.id}[{engine}]", example=example,
                                                   nodeid=f"{parent.nodeid}::{example.id}[{engine}]",
                                                   engine=engine, plugin=self)
                entry = self.known.get(example.id)
                if not example.checked:  # classified on the host: shown, with why, but not run
                    item.record("not_checked")
                    item.add_marker(pytest.mark.skip(reason=f"{example.klass} on the host: {example.reason}"))
                elif engine != HOST and entry is not None and entry.applies_to(engine):
                    item.add_marker(pytest.mark.xfail(reason=entry.reason, strict=entry.strict))
                items.append(item)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            if isinstance(item, ConformanceItem) and item.engine != HOST and item.example.vm_function is not None:
                self._engine(item.engine).add(vm_runner.job(item.example))

    def _engine(self, name: str) -> EngineJobs:
        return self.engines.setdefault(name, EngineJobs(name, vm_runner.KIND))

    # -- running ------------------------------------------------------------------------------

    def run_in_vm(self, example: suite.Example, engine_name: str) -> tuple[bool, str]:
        """(passed, how the VM's result differs from the host's)."""
        assert self.suite is not None
        result = self._engine(engine_name).result(vm_runner.job(example), self.session, self.suite.dist, _AHEAD)
        verdict = compare(example, vm_runner.vm_result(result))
        return verdict.passed, verdict.detail

    # -- reporting ----------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collected.add(report)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.suite is None:
            return
        summary = self.collected.summary(self.suite)
        terminalreporter.section("wasmblog conformance")
        for line in summary.lines():
            terminalreporter.write_line(line)
        if self.report_path and not hasattr(self.config, "workerinput"):
            written = report.write(self.report_path, self.suite, self.collected, summary)
            terminalreporter.write_line(f"report: {written}")

    def pytest_sessionfinish(self) -> None:
        for engine in self.engines.values():
            engine.close()


class ConformanceCollector(pytest.Collector):
    """The suite's items are made by the plugin; this node only names them (`conformance::...`)."""

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        return []


class ConformanceFailure(Exception):
    pass


class ConformanceItem(pytest.Item):
    def __init__(self, *, example: suite.Example, engine: str, plugin: ConformancePlugin, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.example = example
        self.engine = engine
        self.wasm_engine = None if engine == HOST else engine  # for the plugin's engine ordering
        self.plugin = plugin
        self.add_marker("wasm_conformance")
        self.keywords[example.module] = True

    def runtest(self) -> None:
        if self.engine == HOST:  # the host gave what the docs show, or the item would be skipped
            self.record("passed")
            return
        passed, detail = self.plugin.run_in_vm(self.example, self.engine)
        self.record("passed" if passed else "failed", detail)
        if not passed:
            raise ConformanceFailure(detail)

    def record(self, outcome: str, detail: str = "") -> None:
        self.user_properties.append((_PROPERTY, json.dumps(
            {"example": self.example.id, "engine": self.engine, "vm": outcome, "detail": detail[:2000]})))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceFailure):
            source = "\n".join(f"    {line}" for line in self.example.source.splitlines())
            return (f"{self.example.id} on {self.engine}: {excinfo.value}\n"
                    f"  the example, from the docs of {self.example.doc}:\n{source}")
        return str(super().repr_failure(excinfo, style))

    def reportinfo(self) -> tuple[Path, int, str]:
        # No file of the example's own: its docs live in a beam. Line 0 keeps pytest's skip report working.
        return self.path, 0, f"{self.example.id}[{self.engine}]"
