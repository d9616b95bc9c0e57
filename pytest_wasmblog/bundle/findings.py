"""The build step that names the app functions reaching what this VM cannot run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from pytest_wasmblog.bundle.callgraph import (
    CallGraphReader,
    ModuleCalls,
    exported_functions,
)
from pytest_wasmblog.bundle.closure import ModuleSource
from pytest_wasmblog.bundle.reach import Finding, Node, Reach
from pytest_wasmblog.bundle.toolchain import Toolchain

_SHOWN_LINES = 40  # the build output stays readable for a large app


@dataclass
class CannotRun:
    findings: list[Finding] = field(default_factory=list)
    app_functions: int = 0  # exported app functions searched from
    functions_walked: int = 0  # functions the search read (app and library)
    modules_read: int = 0  # modules whose call graph was read (cached or not)
    modules_disassembled: int = 0  # of those, the ones not in the cache
    seconds: float = 0.0

    def stats(self) -> dict[str, object]:
        return {"app_functions": self.app_functions, "functions_walked": self.functions_walked,
                "modules_read": self.modules_read, "modules_disassembled": self.modules_disassembled,
                "seconds": round(self.seconds, 3)}

    def summary_lines(self, report_name: str) -> list[str]:
        """One line per app function, naming its nearest target (the report has all of them)."""
        if not self.findings:
            return []
        nearest: dict[Node, Finding] = {}
        for finding in self.findings:  # sorted nearest first within each function
            nearest.setdefault(finding.function, finding)
        heading = (f"  app functions that reach what this VM cannot run: {len(nearest)} "
                   f"({len(self.findings)} findings in {report_name})")
        lines = [heading]
        shown = list(nearest.values())
        lines.extend(f"    {finding.line()}" for finding in shown[:_SHOWN_LINES])
        if len(shown) > _SHOWN_LINES:
            lines.append(f"    ... and {len(shown) - _SHOWN_LINES} more")
        return lines


def find(tools: Toolchain, available: dict[str, ModuleSource], app: list[str], packed: list[str],
         native: frozenset[str]) -> CannotRun:
    """`app`: the app's modules (searched from); `packed`: the closure's (read in the first round)."""
    started = time.monotonic()
    reader = CallGraphReader(tools)

    def load(modules: set[str]) -> dict[str, ModuleCalls]:
        return reader.read({m: Path(available[m].path) for m in sorted(modules) if m in available})

    reach = Reach(load, native)
    reach.prefetch([*app, *packed])
    roots = [(m, f, a) for m, f, a in exported_functions(reach.graph[name] for name in app if name in reach.graph)]
    findings = reach.search(roots)
    return CannotRun(findings, len(roots), len(reach.successors) + len(reach.targets), len(reach.graph),
                     reader.read_count, time.monotonic() - started)
