"""What a built site's `build-report.json` tells the test plugin when something fails at run time:
which modules the bundle left out and why, and which app functions reach what the VM cannot run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pytest_wasmblog.bundle.cannot_run import sentence
from pytest_wasmblog.bundle.names import display_mfa, parse_mfa

REPORT_NAME = "build-report.json"


@dataclass(frozen=True)
class CannotRunFinding:
    function: str  # "Elixir.Reach.Files:read/1", as the report writes it
    target: str
    via: tuple[str, ...]
    reason: str  # "files: a browser has no file system"

    @property
    def why(self) -> str:
        return self.reason.partition(": ")[2] or self.reason

    @property
    def target_module(self) -> str:
        parsed = parse_mfa(self.target)
        return parsed[0] if parsed else ""

    def line(self) -> str:
        """The build output's line: `Reach.Files.read/1 calls :file.read_file/1 (through File.read/1), ...`"""
        return sentence(display_mfa(self.function), display_mfa(self.target), [display_mfa(v) for v in self.via],
                        self.why)


@dataclass(frozen=True)
class SiteReport:
    packed: frozenset[str] = frozenset()
    app_modules: frozenset[str] = frozenset()
    dropped: dict[str, tuple[str, ...]] = field(default_factory=dict)  # module -> who wanted it
    unused: frozenset[str] = frozenset()  # cut by [bundle] used_modules
    findings: tuple[CannotRunFinding, ...] = ()

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SiteReport:
        modules: dict[str, Any] = raw.get("modules", {})
        unused: dict[str, Any] = raw.get("unused", {})
        app = {name for name, entry in (*modules.items(), *unused.items()) if entry.get("origin") == "app"}
        findings = tuple(CannotRunFinding(f["function"], f["target"], tuple(f.get("via", ())), f["reason"])
                         for f in raw.get("cannot_run", ()))
        return cls(frozenset(modules), frozenset(app),
                   {name: tuple(wanted) for name, wanted in raw.get("dropped", {}).items()},
                   frozenset(unused), findings)

    def findings_for(self, function: str) -> list[CannotRunFinding]:
        return [f for f in self.findings if f.function == function]

    def findings_into(self, module: str) -> list[CannotRunFinding]:
        return [f for f in self.findings if f.target_module == module]


def load(site: Path | None) -> SiteReport | None:
    """The report of the built site served from `site` (its dist folder), if it has one."""
    if site is None:
        return None
    path = site / REPORT_NAME
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _read(path, stamp)


@lru_cache(maxsize=8)
def _read(path: Path, stamp: int) -> SiteReport | None:  # `stamp`: a rebuilt report is read again
    try:
        return SiteReport.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # an old or foreign report explains nothing, but must not hide the VM's error
