"""An app's ExUnit tests: compiled on the host, listed, run by ExUnit itself on the host, and packed
with the app into a separate test bundle whose VM runs them (vm/exunit). The site's production
bundle does not change.

Each step is cached by everything it depends on (the app's sources, the test files, the toolchain,
the plugin's own VM code), so a second run pays only for running the tests.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_wasmblog.bundle import config, runtime, toolchain
from pytest_wasmblog.bundle.build import build_site
from pytest_wasmblog.bundle.cache import cache_root, publish, work_folder
from pytest_wasmblog.bundle.compile_app import BRIDGE_SOURCES, compile_app, compile_sources, source_files
from pytest_wasmblog.bundle.rebuild import HARNESS_PAGE, HARNESS_SOURCES, VM_DIR, builder_key, fingerprint
from pytest_wasmblog.errors import WasmblogError

EXUNIT_SOURCES = VM_DIR / "exunit"
HELPER = "test_helper.exs"
# What a compiled test module calls at run time (assertions, setup merging, doctests, failure
# text): packed from Debian's ExUnit, rebuilt for the VM. The rest (server, runner, CLI) stays on the host.
EXUNIT_RUNTIME = (
    "Assertions", "AssertionError", "Callbacks", "DocTest", "DocTest.Error", "Diff", "Formatter", "MultiError",
    "TimeoutError", "Test", "TestModule",
)
# Macro.to_string/1, which writes an assertion's `code:` line, formats through these; the
# default drop list leaves them out of an app's bundle.
CODE_FORMATTER = ("Code", "Code.Formatter", "Code.Normalizer")
DEFAULT_TIMEOUT_MS = 60_000  # ExUnit's own default per test
MANIFEST = "tests.json"


class ExUnitBuildError(WasmblogError):
    pass


@dataclass(frozen=True)
class ExUnitTest:
    module: str  # "Blog.SlugTest"
    name: str  # "test slugify drops punctuation", "doctest Blog.Slug.slugify/1 (1)"
    line: int
    describe: str | None
    type: str  # "test" or "doctest"
    tags: dict[str, Any] = field(hash=False)  # the author's own tags

    @property
    def id(self) -> str:
        return f"{self.module}::{self.name}"

    @property
    def timeout_ms(self) -> int:
        value = self.tags.get("timeout")
        return value if isinstance(value, int) and value > 0 else DEFAULT_TIMEOUT_MS


@dataclass(frozen=True)
class CompileProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message.strip()}"


@dataclass(frozen=True)
class TestFile:
    path: Path
    modules: dict[str, tuple[ExUnitTest, ...]]
    problems: tuple[CompileProblem, ...] = ()


@dataclass(frozen=True)
class TestProject:
    """A site's test files, compiled: what they hold, and where the compiled modules are."""

    site: Path
    cfg: config.SiteConfig
    app_ebin: Path
    test_ebin: Path
    root: Path  # the cache folder of this compilation
    files: dict[Path, TestFile]
    helper_problems: tuple[CompileProblem, ...] = ()

    def file(self, path: Path) -> TestFile | None:
        return self.files.get(path.resolve())

    @property
    def tests(self) -> dict[str, ExUnitTest]:
        return {t.id: t for f in self.files.values() for tests in f.modules.values() for t in tests}


def test_files(cfg: config.SiteConfig) -> list[Path]:
    return sorted({p.resolve() for folder in cfg.tests for p in folder.rglob("*_test.exs") if p.is_file()})


def _host_tool(tools: toolchain.Toolchain) -> Path:
    return compile_sources(tools, [*source_files([EXUNIT_SOURCES / "host"]), BRIDGE_SOURCES / "json.ex",
                                   BRIDGE_SOURCES / "terms.ex"], "exunit-host")


def _elixir(tools: toolchain.Toolchain) -> str:
    return str(Path(tools.elixirc).with_name("elixir"))


def compile_tests(site: Path, log: Callable[[str], None] = print) -> TestProject:
    """Compiles the app and its test files on the host (each file on its own, so one that does not
    compile leaves the others), or takes them from the cache."""
    cfg = config.load(site)
    tools = toolchain.find_toolchain()
    app_ebin = compile_app(tools, list(cfg.sources), True, list(cfg.inputs))
    files = test_files(cfg)
    helpers = sorted({p.resolve() for folder in cfg.tests if (p := folder / HELPER).is_file()})
    host_tool = _host_tool(tools)
    key = fingerprint([*helpers, *files], "\n".join([tools.key, app_ebin.name, host_tool.name, str(site.resolve()),
                                                     *map(str, files)]))
    root = cache_root() / "exunit" / key
    if not (root / MANIFEST).is_file():
        log(f"exunit: compiling {len(files)} test files of {site}")
        work = work_folder(root)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            # The site's folder is the cwd, as for `mix test`: stack traces and messages name test/x_test.exs.
            toolchain.run([_elixir(tools), "-pa", str(host_tool), "-pa", str(app_ebin), "-e",
                           "WasmblogExUnit.Host.main()", "--", "compile", str(work / "ebin"), str(work / MANIFEST),
                           str(site.resolve()), *map(str, [*helpers, *files])], timeout=900, cwd=site)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        publish(work, root)
    return _load(site, cfg, app_ebin, root)


def _load(site: Path, cfg: config.SiteConfig, app_ebin: Path, root: Path) -> TestProject:
    raw = json.loads((root / MANIFEST).read_text())
    files: dict[Path, TestFile] = {}
    helper_problems: tuple[CompileProblem, ...] = ()
    for entry in raw["files"]:
        path = (site / entry["file"]).resolve()
        problems = tuple(CompileProblem(p["file"], int(p["line"]), p["message"]) for p in entry.get("error") or [])
        if path.name == HELPER:
            helper_problems += problems
            continue
        modules = {m["module"]: tuple(ExUnitTest(m["module"], t["name"], int(t["line"]), t["describe"], t["type"],
                                                 dict(t["tags"])) for t in m["tests"])
                   for m in entry.get("modules") or []}
        files[path] = TestFile(path, modules, problems)
    return TestProject(site, cfg, app_ebin, root / "ebin", root, files, helper_problems)


@dataclass(frozen=True)
class HostResult:
    state: str  # passed, failed, skipped, invalid (setup_all failed)
    message: str = ""
    time_us: int = 0


def run_on_host(project: TestProject, modules: Sequence[str]) -> dict[str, HostResult]:
    """Runs `modules` with ExUnit on the host BEAM; the outcome of each of their tests, by test id."""
    tools = toolchain.find_toolchain()
    out = project.root / f"host-results-{os.getpid()}.json"
    out.unlink(missing_ok=True)
    try:
        toolchain.run([_elixir(tools), "-pa", str(_host_tool(tools)), "-pa", str(project.app_ebin), "-pa",
                       str(project.test_ebin), "-e", "WasmblogExUnit.Host.main()", "--", "run", str(out),
                       *modules], timeout=1800, cwd=project.site)
        raw = json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)
    return {f"{r['module']}::{r['name']}": HostResult(r["state"], r.get("message") or "", int(r.get("time_us") or 0))
            for r in raw}


def build_bundle(project: TestProject, log: Callable[[str], None] = print) -> Path:
    """The test bundle's site (`dist/` inside): the app's modules, the compiled tests, the runtime
    half of ExUnit and the runner, with a page that only boots the VM."""
    exunit_ebin = toolchain.find_toolchain().elixir_ebin.parent.parent / "ex_unit" / "ebin"
    if not (exunit_ebin / "Elixir.ExUnit.Assertions.beam").is_file():
        raise ExUnitBuildError(f"ExUnit not found in {exunit_ebin}: install Debian's elixir package (it ships ExUnit)")
    vm_sources = [*EXUNIT_SOURCES.glob("*.ex"), *HARNESS_SOURCES.glob("*.ex")]
    inputs = [*vm_sources, *HARNESS_PAGE.rglob("*.*")]
    seed = "\n".join([builder_key(), runtime.VERSION, *project.cfg.keep])
    site = project.root / ("site-" + fingerprint(inputs, seed))
    if not (site / "dist" / "bundle.avm").is_file():
        log(f"exunit: building the test bundle of {project.site}")
        work = work_folder(site)
        shutil.rmtree(work, ignore_errors=True)
        try:
            lib = work / "lib"
            lib.mkdir(parents=True)
            for beam_file in project.app_ebin.glob("*.beam"):
                if not beam_file.name.startswith("Elixir.PytestWasmblog."):  # the bridge comes from test_bridge
                    shutil.copy(beam_file, lib / beam_file.name)
            for beam_file in project.test_ebin.glob("*.beam"):
                shutil.copy(beam_file, lib / beam_file.name)
            for source in vm_sources:
                shutil.copy(source, lib / source.name)
            shutil.copytree(HARNESS_PAGE, work / "static")
            keep = "".join(f'  "{name}",\n' for name in [*(f"ExUnit.{m}" for m in EXUNIT_RUNTIME), *CODE_FORMATTER,
                                                          *project.cfg.keep])
            (work / config.CONFIG_NAME).write_text(
                f"# Generated by pytest-wasmblog: the ExUnit tests of {project.site}, run in the VM.\n"
                "[bundle]\n"
                'start_module = "WasmblogExUnit.App"\n'
                'sources = ["lib"]\n'
                "test_bridge = true\n"
                '# ExUnit from Debian, rebuilt for the VM like the standard library: what the tests call.\n'
                'libraries = ["ex_unit"]\n'
                f"keep = [\n{keep}]\n"
                "\n[site]\n"
                'static = "static"\n'
            )
            build_site(work, log=lambda line: log(f"exunit: {line}"))
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        publish(work, site)
    return site / "dist"
