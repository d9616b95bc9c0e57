"""The conformance suite: Elixir's own doctest examples, run on the host BEAM and in the browser VM.

`build()` extracts the `iex>` examples of the standard library's modules from Debian's beams
(their docs chunks), compiles each into a function, runs it on the host (vm/conformance/host),
and builds a separate site whose bundle holds every example: the VM runs them there. The result
is cached by everything it depends on, so a second run pays nothing.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pytest_wasmblog.bundle import runtime, toolchain
from pytest_wasmblog.bundle.build import build_site
from pytest_wasmblog.bundle.cache import cache_root, publish, work_folder
from pytest_wasmblog.bundle.compile_app import (
    BRIDGE_SOURCES,
    compile_sources,
    source_files,
)
from pytest_wasmblog.bundle.rebuild import HARNESS_PAGE, HARNESS_SOURCES, VM_DIR, builder_key, fingerprint
from pytest_wasmblog.errors import WasmblogError

# The modules whose examples make up the suite (the list: Elixir's everyday library).
MODULES = (
    "Enum", "Map", "Keyword", "List", "Tuple", "String", "Integer", "Float", "Atom", "MapSet", "Range",
    "Stream", "Access", "Base", "URI", "Path", "Bitwise", "Date", "Time", "NaiveDateTime", "DateTime",
    "Calendar", "Kernel", "Function", "Exception", "Inspect", "Agent", "Task", "Process", "Regex",
    "Version", "OptionParser",
)
# Classes whose examples the VM must reproduce; the others failed or varied on the host itself.
EXACT_CLASSES = ("compared", "prints")
SHAPE_CLASSES = ("clock", "random", "nondeterministic")
CHECKED_CLASSES = EXACT_CLASSES + SHAPE_CLASSES
CONFORMANCE_SOURCES = VM_DIR / "conformance"
MANIFEST = "examples.json"


class ConformanceBuildError(WasmblogError):
    pass


@dataclass(frozen=True)
class Example:
    id: str  # "Enum.map/2 #1": the documented function and the example's number in its docs
    module: str  # the documented module, "Enum"
    doc: str  # "Enum.map/2", or "Enum" for the module's own docs
    number: int
    line: int
    source: str  # the iex> lines and the documented results, as in the docs
    klass: str  # see vm/conformance/host/host.ex
    reason: str
    vm_module: str
    vm_function: str | None
    host: tuple[tuple[str, ...], ...]  # the host's observations

    @property
    def checked(self) -> bool:
        return self.klass in CHECKED_CLASSES

    @property
    def exact(self) -> bool:
        return self.klass in EXACT_CLASSES

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Example:
        return cls(
            id=raw["id"], module=raw["module"], doc=raw["doc"], number=int(raw["number"]), line=int(raw["line"]),
            source=raw["source"], klass=raw["class"], reason=raw["reason"], vm_module=raw["vm_module"],
            vm_function=raw["vm_function"], host=tuple(tuple(o) for o in raw["host"]),
        )


@dataclass(frozen=True)
class Suite:
    root: Path
    elixir: str
    otp: str
    modules: tuple[str, ...]
    examples: tuple[Example, ...]
    site: Path | None = None  # the VM half, once built

    @property
    def dist(self) -> Path:
        if self.site is None:
            raise ConformanceBuildError("the conformance bundle is not built: use suite.build(), not extract()")
        return self.site / "dist"

    @cached_property
    def by_id(self) -> dict[str, Example]:
        return {example.id: example for example in self.examples}

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for example in self.examples:
            counts[example.klass] = counts.get(example.klass, 0) + 1
        return counts


def load(root: Path) -> Suite:
    raw = json.loads((root / MANIFEST).read_text())
    return Suite(root, raw["elixir"], raw["otp"], tuple(raw["modules"]),
                 tuple(Example.from_json(e) for e in raw["examples"]))


def extract(modules: Sequence[str] = MODULES, log: Callable[[str], None] = print,
            code_paths: Sequence[Path] = ()) -> Suite:
    """The host half: the examples of `modules`, compiled, run and classified on the host BEAM.
    `code_paths` are extra ebin folders holding the modules (for modules that are not Elixir's)."""
    unknown = [m for m in modules if not m[:1].isupper()]
    if unknown:
        raise ConformanceBuildError(f"not Elixir module names: {', '.join(unknown)} (use aliases like Enum)")
    tools = toolchain.find_toolchain()
    inputs = [CONFORMANCE_SOURCES / "runner.ex", HARNESS_SOURCES / "capture.ex", *CONFORMANCE_SOURCES.glob("host/*.ex"),
              BRIDGE_SOURCES / "json.ex", BRIDGE_SOURCES / "terms.ex",
              *(p for folder in code_paths for p in sorted(folder.glob("*.beam")))]
    key = fingerprint(inputs, "\n".join([tools.key, *modules, *map(str, code_paths)]))
    root = cache_root() / "conformance" / key
    if not (root / MANIFEST).is_file():
        log(f"conformance: extracting and running the doctests of {len(modules)} modules on the host")
        work = work_folder(root)
        work.mkdir(parents=True)
        try:
            _run_host(tools, work, modules, code_paths)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        publish(work, root)
    return load(root)


def build(modules: Sequence[str] = MODULES, log: Callable[[str], None] = print,
          code_paths: Sequence[Path] = ()) -> Suite:
    """The whole suite: `extract()` and the bundle that runs the examples in the VM, built beside it."""
    host = extract(modules, log, code_paths)
    inputs = [p for p in HARNESS_PAGE.rglob("*") if p.is_file()]
    site = host.root / ("site-" + fingerprint(inputs, runtime.VERSION + "\n" + builder_key()))
    if not (site / "dist" / "bundle.avm").is_file():
        log("conformance: building the conformance bundle")
        work = work_folder(site)
        try:
            shutil.copytree(host.root / "lib", work / "lib")
            for folder in code_paths:  # the documented modules themselves, compiled elsewhere
                for beam_file in folder.glob("*.beam"):
                    shutil.copy(beam_file, work / "lib" / beam_file.name)
            _write_site(work)
            build_site(work, log=lambda line: log(f"conformance: {line}"))
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        publish(work, site)
    return dataclasses.replace(host, site=site)



def _run_host(tools: toolchain.Toolchain, out: Path, modules: Sequence[str], code_paths: Sequence[Path]) -> None:
    host_sources = [CONFORMANCE_SOURCES / "runner.ex", HARNESS_SOURCES / "capture.ex",
                    *source_files([CONFORMANCE_SOURCES / "host"]), BRIDGE_SOURCES / "json.ex", BRIDGE_SOURCES / "terms.ex"]
    ebin = compile_sources(tools, host_sources, "conformance-host")
    elixir = str(Path(tools.elixirc).with_name("elixir"))
    paths = [arg for folder in code_paths for arg in ("-pa", str(folder))]
    toolchain.run([elixir, "-pa", str(ebin), *paths, "-e", "WasmblogConformance.Host.main()", "--", str(out),
                   *modules], timeout=900)


def _write_site(site: Path) -> None:
    """The VM half: the generated example modules, the runner and a start module, as a site."""
    (site / "lib").mkdir(exist_ok=True)
    for source in (CONFORMANCE_SOURCES / "runner.ex", CONFORMANCE_SOURCES / "app.ex", *HARNESS_SOURCES.glob("*.ex")):
        shutil.copy(source, site / "lib" / source.name)
    shutil.copytree(HARNESS_PAGE, site / "static")
    (site / "wasmblog.toml").write_text(
        "# Generated by pytest-wasmblog: Elixir's doctest examples, run in the VM.\n"
        "[bundle]\n"
        'start_module = "WasmblogConformance.App"\n'
        'sources = ["lib"]\n'
        "test_bridge = true\n"
        "\n[site]\n"
        'static = "static"\n'
    )
