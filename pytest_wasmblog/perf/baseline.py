"""Compare a run's report with a saved baseline: which medians got slower or bigger than noise explains."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.perf.metrics import Metric
from pytest_wasmblog.perf.report import (
    Report,
    read_report,
    report_metrics,
    validate_report,
    write_report,
)
from pytest_wasmblog.perf.text import format_value, render_table
from pytest_wasmblog.units import KB

DEFAULT_RELATIVE = 0.10
# Below these a change is timer jitter or a rounding of compressed sizes, whatever the percentage.
DEFAULT_FLOORS: Mapping[str, float] = MappingProxyType({"ms": 5.0, "bytes": float(KB), "ratio": 0.1})

Status = Literal["regression", "improvement", "ok", "new", "missing"]
# Table order: what needs attention first.
_STATUS_ORDER: dict[Status, int] = {"regression": 0, "improvement": 1, "new": 2, "missing": 3, "ok": 4}
_STATUS_LABEL: dict[Status, str] = {
    "regression": "REGRESSION",
    "improvement": "improved",
    "ok": "ok",
    "new": "new",
    "missing": "missing",
}


class BaselineError(WasmblogError):
    """A baseline cannot be saved, loaded or compared with; the message says why and what to do."""


@dataclass(frozen=True)
class Change:
    """One metric's median, before (baseline) and now (current)."""

    engine: str
    name: str
    unit: str
    baseline: float | None  # None: the metric is new
    current: float | None  # None: the metric is missing from this run
    allowed: float | None  # how far the median may move either way and still be noise
    status: Status

    @property
    def change_percent(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        if self.baseline == 0:
            return 0.0 if self.current == 0 else None
        return (self.current - self.baseline) / abs(self.baseline) * 100


@dataclass(frozen=True)
class Comparison:
    changes: tuple[Change, ...]
    relative: float
    floors: Mapping[str, float]
    # Differences between the two runs' machines or browsers, which make timings less comparable.
    notes: tuple[str, ...] = ()

    def _with(self, status: Status) -> list[Change]:
        return [change for change in self.changes if change.status == status]

    @property
    def regressions(self) -> list[Change]:
        return self._with("regression")

    @property
    def improvements(self) -> list[Change]:
        return self._with("improvement")

    @property
    def new(self) -> list[Change]:
        return self._with("new")

    @property
    def missing(self) -> list[Change]:
        return self._with("missing")

    @property
    def failed(self) -> bool:
        """Only regressions fail: new and missing metrics are reported, not judged."""
        return bool(self.regressions)

    def table(self) -> str:
        """Fixed-width table of every metric, regressions first, then a one-line tally."""
        ordered = sorted(self.changes, key=lambda c: (_STATUS_ORDER[c.status], c.engine, c.name))
        rows = [_row(change) for change in ordered]
        headers = ("engine", "metric", "baseline", "current", "change %", "allowed", "status")
        lines = [render_table(headers, rows, right_aligned=(2, 3, 4, 5))] if rows else ["no metrics to compare"]
        floors = " / ".join(format_value(floor, unit) for unit, floor in sorted(self.floors.items()))
        lines.append(
            f"{len(self.regressions)} regression(s), {len(self.improvements)} improvement(s), "
            f"{len(self.new)} new, {len(self.missing)} missing "
            f"(a median may move {self.relative * 100:g}% of the baseline, at least {floors})"
        )
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def _row(change: Change) -> list[str]:
    def value(number: float | None, sign: str = "") -> str:
        return "-" if number is None else sign + format_value(number, change.unit)

    percent = change.change_percent
    return [
        change.engine,
        change.name,
        value(change.baseline),
        value(change.current),
        "-" if percent is None else f"{percent:+.1f}%",
        value(change.allowed, sign="±"),
        _STATUS_LABEL[change.status],
    ]


def compare(
    current: Report,
    baseline: Report,
    relative: float = DEFAULT_RELATIVE,
    floors: Mapping[str, float] = DEFAULT_FLOORS,
) -> Comparison:
    """Compare medians per (engine, metric).

    A median regresses when it exceeds the baseline's by more than
    max(relative * baseline median, floor of its unit): the relative part scales with
    the metric, the floor keeps small metrics from failing on jitter. Improvements
    are the mirror image. Metrics on one side only are `new` or `missing`.
    """
    if not (math.isfinite(relative) and relative >= 0):
        raise BaselineError(f"relative threshold {relative!r} must be a finite number >= 0 (0.10 means 10%)")
    validate_report(current, source="current run")
    validate_report(baseline, source="baseline")
    now = {metric.key: metric for metric in report_metrics(current)}
    before = {metric.key: metric for metric in report_metrics(baseline)}
    changes = [
        _change(now.get(key), before.get(key), relative, floors) for key in sorted(now.keys() | before.keys())
    ]
    return Comparison(tuple(changes), relative, MappingProxyType(dict(floors)), _notes(current, baseline))


def _change(current: Metric | None, baseline: Metric | None, relative: float, floors: Mapping[str, float]) -> Change:
    if baseline is None:
        assert current is not None
        return Change(current.engine, current.name, current.unit, None, current.summary.median, None, "new")
    if current is None:
        return Change(baseline.engine, baseline.name, baseline.unit, baseline.summary.median, None, None, "missing")
    if current.unit != baseline.unit:
        raise BaselineError(
            f"{current.engine}:{current.name} is in {current.unit} now but in {baseline.unit} in the baseline: "
            "the baseline is from an incompatible version; save a new baseline"
        )
    if current.unit not in floors:
        raise BaselineError(
            f"no noise floor for unit {current.unit!r} (floors given: {dict(floors)}): "
            f"add one, e.g. {dict(DEFAULT_FLOORS)}"
        )
    before, now = baseline.summary.median, current.summary.median
    allowed = max(relative * abs(before), floors[current.unit])
    status: Status = "ok"
    if now > before + allowed:
        status = "regression"
    elif now < before - allowed:
        status = "improvement"
    return Change(current.engine, current.name, current.unit, before, now, allowed, status)


def _notes(current: Report, baseline: Report) -> tuple[str, ...]:
    notes: list[str] = []
    for fact in ("platform", "cpus", "memory_bytes"):
        was, now = baseline["machine"][fact], current["machine"][fact]
        if was != now:
            notes.append(f"machine {fact} differs: baseline {was}, this run {now}; timings may not compare")
    engines_before: dict[str, Any] = baseline["engines"]
    for engine, facts in sorted(current["engines"].items()):
        was = engines_before.get(engine, {}).get("version")
        if was is not None and was != facts["version"]:
            notes.append(f"{engine} version differs: baseline {was}, this run {facts['version']}")
    return tuple(notes)


def save_baseline(report: Report, path: str | os.PathLike[str], *, run_failed: bool,
                  keep: Sequence[str] | None = None) -> Path:
    """Write `report` as the baseline of later runs: only a passing run with metrics qualifies. With
    `keep` (name globs), only the metrics it matches are kept: a comparison judges only what the
    baseline has."""
    refusal = f"not saving a baseline to {path}"
    if run_failed:
        raise BaselineError(
            f"{refusal}: the run failed, and the numbers of a broken build must not become the reference. "
            "Fix the failures, then save again"
        )
    validate_report(report, source=f"baseline for {path}")
    if report["run"]["outcome"] != "passed":
        raise BaselineError(f"{refusal}: the report says the run {report['run']['outcome']}. Save from a passing run")
    if keep is not None:
        kept = [metric for metric in report["metrics"] if any(_kept(metric, glob) for glob in keep)]
        if report["metrics"] and not kept:
            raise BaselineError(f"{refusal}: no metric of the run matches {', '.join(keep)}. Keep other metrics, "
                                "or run the tests that measure these")
        report = {**report, "metrics": kept}
    if not report["metrics"]:
        raise BaselineError(
            f"{refusal}: the report has no metrics, so later runs would have nothing to compare with. "
            "Run the tests that measure boot times, call latencies and sizes in the same session"
        )
    return write_report(path, report)


def _kept(metric: Mapping[str, Any], glob: str) -> bool:
    """`glob` is a metric name glob, or ENGINE:NAME as budgets write it (`webkit:ratio.*`, `*:size.*`)."""
    engine, _, name = glob.rpartition(":")
    return fnmatchcase(metric["name"], name) and (not engine or fnmatchcase(metric["engine"], engine))


def load_baseline(path: str | os.PathLike[str]) -> Report:
    """A saved baseline, validated; BaselineError when there is none at `path`."""
    if not Path(path).exists():
        raise BaselineError(f"no baseline at {path}: save one from a passing run first (save_baseline), or fix the path")
    return read_report(path)
