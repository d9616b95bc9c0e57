"""Boot times, call latencies and bundle size seen during a run, for the terminal summary."""

from __future__ import annotations

import dataclasses
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_wasmblog.breaker import BootBreaker


@dataclass
class EngineStats:
    description: str = ""
    backend: str = ""
    version: str = ""
    isolated: bool | None = None
    boot_ms: list[float] = field(default_factory=list)
    call_ms: list[float] = field(default_factory=list)
    # Boots under named conditions ("fast-3g, cold"), recorded by tests through wasm_stats.
    labelled_boot_ms: dict[str, list[float]] = field(default_factory=dict)

    def record_boot(self, label: str, ms: float) -> None:
        self.labelled_boot_ms.setdefault(label, []).append(ms)


@dataclass
class RunStats:
    engines: dict[str, EngineStats] = field(default_factory=dict)
    site: Path | None = None
    breaker: BootBreaker = field(default_factory=lambda: BootBreaker(0))
    loaded_modules: dict[str, set[str]] = field(default_factory=dict)  # engine -> modules its VMs loaded
    notes: list[str] = field(default_factory=list)  # end-of-run lines for the summary

    def engine(self, name: str) -> EngineStats:
        return self.engines.setdefault(name, EngineStats())

    def to_json(self) -> dict[str, Any]:
        return {"engines": {name: dataclasses.asdict(s) for name, s in self.engines.items()},
                "site": str(self.site) if self.site else None,
                "loaded_modules": {engine: sorted(names) for engine, names in self.loaded_modules.items()}}

    def merge(self, data: dict[str, Any]) -> None:
        """Add an xdist worker's measurements to the controller's."""
        for name, other in data.get("engines", {}).items():
            mine = self.engine(name)
            mine.description = mine.description or other["description"]
            mine.backend = mine.backend or other.get("backend", "")
            mine.version = mine.version or other.get("version", "")
            if other["isolated"] is not None:
                mine.isolated = bool(mine.isolated if mine.isolated is not None else True) and other["isolated"]
            mine.boot_ms.extend(other["boot_ms"])
            mine.call_ms.extend(other["call_ms"])
            for label, samples in other.get("labelled_boot_ms", {}).items():
                mine.labelled_boot_ms.setdefault(label, []).extend(samples)
        for engine, names in data.get("loaded_modules", {}).items():
            self.loaded_modules.setdefault(engine, set()).update(names)
        if self.site is None and data.get("site"):
            self.site = Path(data["site"])

    def summary_lines(self) -> list[str]:
        lines: list[str] = []
        for name, stats in sorted(self.engines.items()):
            isolated = {True: "isolated", False: "NOT isolated", None: "isolation unknown"}[stats.isolated]
            lines.append(f"{name}: {stats.description}, {isolated}")
            if stats.boot_ms:
                lines.append(f"  boot to app ready: {_describe(stats.boot_ms)}")
            if stats.call_ms:
                lines.append(f"  bridge call round trip: {_describe(stats.call_ms)}")
            for label, samples in sorted(stats.labelled_boot_ms.items()):
                lines.append(f"  boot ({label}): {_describe(samples)}")
        bundle = self.bundle_line()
        if bundle:
            lines.append(bundle)
        return lines + self.notes

    def bundle_line(self) -> str | None:
        if self.site is None:
            return None
        report = self.site / "build-report.json"
        if report.is_file():
            data = json.loads(report.read_text())["bundle"]
            return (f"bundle: {data['modules']} modules, {data['raw_bytes'] / 1e6:.2f} MB raw, "
                    f"{data['gzip_bytes'] / 1e6:.2f} MB gzip")
        avms = sorted(self.site.glob("*.avm"))
        if avms:
            return f"bundle: {avms[0].name} {avms[0].stat().st_size / 1e6:.2f} MB raw"
        return None


def _describe(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, n={len(ordered)}"
