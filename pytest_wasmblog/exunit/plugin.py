"""An app's ExUnit tests as pytest items (`pytest11: wasmblog_exunit`): on the host and in each engine's VM.

`pytest SITE/test` (or any path holding a site's `*_test.exs` files) collects each ExUnit test and
doctest once per place: `test/slug_test.exs::Blog.SlugTest::test slugify drops punctuation[host]`
runs it with ExUnit on the host BEAM, `...[chromium]` in the VM of that engine's browser. The host
runs all selected tests of a site in one `elixir` process, the first time an item asks; each engine
boots one VM for the site's test bundle and runs its tests in batches.

A site is the nearest folder above the file with a `wasmblog.toml`; its `[tests] paths` (default
`test/`) say which files are its tests. ExUnit tags the plugin reads: `skip`, `timeout`, and
`xfail_browser` (`@tag xfail_browser: [webkit: "why"]`), a strict xfail on those engines.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_wasmblog import state
from pytest_wasmblog.browsers.base import ENGINES
from pytest_wasmblog.bundle import config
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.exunit import project
from pytest_wasmblog.exunit.project import ExUnitTest, HostResult, TestProject
from pytest_wasmblog.exunit.verdict import VMTestResult, judge
from pytest_wasmblog.state import WasmSession
from pytest_wasmblog.vm_batches import EngineJobs, Job

HOST = "host"
KIND = "exunit"
# How many tests one VM call may run: the item asking and those queued after it on its engine.
_AHEAD = 200


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(ExUnitPlugin(state.of(config)), "wasmblog-exunit-run")


@dataclass
class _Site:
    """One site's tests in this session: compiled once, run once on the host, bundled once."""

    root: Path
    project: TestProject | None = None
    error: str | None = None  # why the tests could not be compiled at all
    modules: list[str] = field(default_factory=list)  # selected test modules, in item order
    host: dict[str, HostResult] | None = None
    host_error: str | None = None
    dist: Path | None = None
    dist_error: str | None = None
    engines: dict[str, EngineJobs] = field(default_factory=dict)


class ExUnitPlugin:
    def __init__(self, session: WasmSession) -> None:
        self.session = session
        self.sites: dict[Path, _Site] = {}

    # -- collection ---------------------------------------------------------------------------

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
        if not file_path.name.endswith("_test.exs"):
            return None
        root = _site_of(file_path)
        if root is None:
            return None
        return ExUnitFile.from_parent(parent, path=file_path, plugin=self, site_root=root)

    def site(self, root: Path) -> _Site:
        site = self.sites.get(root)
        if site is None:
            site = self.sites[root] = _Site(root)
            try:
                site.project = project.compile_tests(root, log=lambda _line: None)
            except WasmblogError as exc:
                site.error = f"the ExUnit tests of {root} could not be compiled: {exc}"
        return site

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            if not isinstance(item, ExUnitItem):
                continue
            site = self.site(item.site_root)
            if item.test.module not in site.modules:
                site.modules.append(item.test.module)
            if item.place != HOST:
                _engine_jobs(site, item.place).add(_job(item.test))

    # -- running ------------------------------------------------------------------------------

    def host_result(self, site: _Site, test: ExUnitTest) -> HostResult:
        if site.host is None and site.host_error is None:
            assert site.project is not None
            try:
                site.host = project.run_on_host(site.project, site.modules)
            except WasmblogError as exc:
                site.host_error = f"ExUnit could not run on the host: {exc}"
        if site.host_error is not None:
            pytest.fail(site.host_error, pytrace=False)
        assert site.host is not None
        result = site.host.get(test.id)
        if result is None:
            pytest.fail(f"ExUnit on the host did not report {test.id}", pytrace=False)
        return result

    def vm_result(self, site: _Site, engine: str, test: ExUnitTest) -> VMTestResult:
        if site.dist is None and site.dist_error is None:
            assert site.project is not None
            try:
                site.dist = project.build_bundle(site.project, log=lambda _line: None)
            except WasmblogError as exc:
                site.dist_error = f"the test bundle of {site.root} could not be built: {exc}"
        if site.dist_error is not None:
            pytest.fail(site.dist_error, pytrace=False)
        assert site.dist is not None
        result = _engine_jobs(site, engine).result(_job(test), self.session, site.dist, _AHEAD)
        vm = VMTestResult.from_job(result.value, result.crash)
        if result.first_crash is not None:  # shown with the test's report; the retry's outcome counts
            vm = dataclasses.replace(vm, output=f"(the VM died once running this test, and a new VM ran it again: "
                                                f"{result.first_crash})\n{vm.output}")
        return vm

    def pytest_sessionfinish(self) -> None:
        for site in self.sites.values():
            for engine in site.engines.values():
                engine.close()


def _engine_jobs(site: _Site, engine: str) -> EngineJobs:
    jobs = site.engines.get(engine)
    if jobs is None:
        # Each test carries its own time limit; the batch's is only a bound on a VM that stopped answering.
        jobs = site.engines[engine] = EngineJobs(engine, KIND, {
            "job_timeout_ms": project.DEFAULT_TIMEOUT_MS, "request": {"root": str(site.root)}})
    return jobs


def _job(test: ExUnitTest) -> Job:
    return Job(test.id, (config.module_atom(test.module), test.name, str(test.timeout_ms)))


def _site_of(file_path: Path) -> Path | None:
    """The site whose test folders hold `file_path`, or None: not every `*_test.exs` is a site's."""
    for folder in file_path.resolve().parents:
        if (folder / config.CONFIG_NAME).is_file():
            try:
                cfg = config.load(folder)
            except WasmblogError:
                return folder  # the file's collection reports the broken config
            resolved = file_path.resolve()
            return folder if any(t.resolve() in resolved.parents for t in cfg.tests) else None
    return None


class ExUnitFile(pytest.File):
    def __init__(self, *, plugin: ExUnitPlugin, site_root: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plugin = plugin
        self.site_root = site_root

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        try:
            config.load(self.site_root)
        except WasmblogError as exc:
            raise self.CollectError(str(exc)) from None
        site = self.plugin.site(self.site_root)
        if site.error is not None:
            raise self.CollectError(site.error)
        assert site.project is not None
        if site.project.helper_problems:
            raise self.CollectError("test_helper.exs does not compile:\n" + "\n".join(
                map(str, site.project.helper_problems)))
        test_file = site.project.file(self.path)
        if test_file is None:
            raise self.CollectError(f"{self.path} was not compiled: is it in the site's [tests] paths?")
        if test_file.problems:
            raise self.CollectError("\n".join(map(str, test_file.problems)))
        engines = self.plugin.session.settings.engines
        return [ExUnitModule.from_parent(self, name=module, tests=tests, places=(HOST, *engines), plugin=self.plugin,
                                         site_root=self.site_root)
                for module, tests in test_file.modules.items()]


class ExUnitModule(pytest.Collector):
    def __init__(self, *, tests: tuple[ExUnitTest, ...], places: tuple[str, ...], plugin: ExUnitPlugin,
                 site_root: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tests = tests
        self.places = places
        self.plugin = plugin
        self.site_root = site_root

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        items: list[pytest.Item | pytest.Collector] = []
        for test in self.tests:
            xfails = _xfail_browser(test)
            for place in self.places:
                item = ExUnitItem.from_parent(self, name=f"{test.name}[{place}]", test=test, place=place,
                                              # the place as the id's params, as pytest's own parametrize
                                              # gives them (--lf matches on them)
                                              nodeid=f"{self.nodeid}::{test.name}[{place}]",
                                              plugin=self.plugin, site_root=self.site_root)
                skip = test.tags.get("skip")
                if skip:
                    item.add_marker(pytest.mark.skip(reason=skip if isinstance(skip, str) else "@tag :skip"))
                if xfails and place != HOST:
                    item.add_marker(pytest.mark.xfail_browser(**xfails))
                items.append(item)
        return items


def _xfail_browser(test: ExUnitTest) -> dict[str, str]:
    """`@tag xfail_browser: :webkit`, `[:webkit, :firefox]` or `[webkit: "why"]`, as engine -> reason."""
    value = test.tags.get("xfail_browser")
    if value is None:
        return {}
    entries = value if isinstance(value, list) else [value]
    reasons: dict[str, str] = {}
    for entry in entries:
        engine, reason = (entry, "") if isinstance(entry, str) else (entry[0], entry[1]) if (
            isinstance(entry, list) and len(entry) == 2) else (repr(entry), "")
        if engine not in ENGINES:
            raise pytest.UsageError(f"{test.id}: @tag xfail_browser names {engine!r}; engines are "
                                    f"{', '.join(ENGINES)}, as in @tag xfail_browser: [webkit: \"why\"]")
        reasons[engine] = str(reason) or "a known divergence (@tag xfail_browser)"
    return reasons


class ExUnitFailure(Exception):
    pass


class ExUnitItem(pytest.Item):
    def __init__(self, *, test: ExUnitTest, place: str, plugin: ExUnitPlugin, site_root: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.test = test
        self.place = place
        self.plugin = plugin
        self.site_root = site_root
        self.wasm_engine = None if place == HOST else place  # for the per-engine markers
        self.extra_keyword_matches.update(test.tags)  # `-k slow` selects the tests tagged @tag :slow

    def runtest(self) -> None:
        plugin = self.plugin
        site = plugin.site(self.site_root)
        host = plugin.host_result(site, self.test)
        if self.place == HOST:
            self.user_properties.append(("exunit_time_us", host.time_us))
        if host.state == "skipped":
            pytest.skip(host.message or "skipped by ExUnit")
        if self.place == HOST:
            if host.state != "passed":
                raise ExUnitFailure(host.message.rstrip())
            return
        vm = plugin.vm_result(site, self.place, self.test)
        self.user_properties.append(("exunit_time_us", vm.time_us))  # the test's own time in the VM
        if vm.output:
            self.add_report_section("call", "stdout", vm.output)
        verdict = judge(self.place, host, vm)
        if not verdict.passed:
            raise ExUnitFailure(verdict.message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ExUnitFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.test.line - 1, f"{self.test.module}::{self.name}"
