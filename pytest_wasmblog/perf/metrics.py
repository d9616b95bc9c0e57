"""Measurements of a run, keyed by (engine, dotted name), and their summary statistics."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_wasmblog.browsers.base import ENGINES
from pytest_wasmblog.errors import WasmblogError

# Engine of metrics that do not depend on the browser (bundle sizes).
ANY_ENGINE = "any"
METRIC_ENGINES: tuple[str, ...] = (*ENGINES, ANY_ENGINE)
# "ratio": a time over the same run's floor for it (perf/ratios.py).
UNITS: tuple[str, ...] = ("ms", "bytes", "ratio")
# Lower-case dotted names with at least two parts: boot.app_ready, size.bundle.avm.br.
NAME_PATTERN = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)+")
NAME_EXAMPLES = "boot.app_ready, call.round_trip, size.total.br"


def name_part(text: str) -> str:
    """A file name as one word of a metric name: `AtomVM.wasm` -> `atomvm_wasm`, `js/app.js` -> `js_app_js`."""
    return re.sub(r"[^a-z0-9_-]+", "_", text.lower()).strip("_") or "_"


class MetricError(WasmblogError, ValueError):
    """A metric or a sample is malformed (bad name, engine, unit or value)."""


@dataclass(frozen=True)
class Summary:
    median: float
    p95: float
    min: float
    max: float
    n: int

    def to_json(self) -> dict[str, Any]:
        return {"median": self.median, "p95": self.p95, "min": self.min, "max": self.max, "n": self.n}


def summarize(samples: Iterable[float]) -> Summary:
    """Median, p95, min, max and count of `samples` (at least one finite number)."""
    ordered = sorted(_checked_samples(samples))
    if not ordered:
        raise MetricError("cannot summarize an empty sample list: record at least one measurement first")
    return Summary(
        median=float(statistics.median(ordered)),
        p95=float(ordered[p95_index(len(ordered))]),
        min=float(ordered[0]),
        max=float(ordered[-1]),
        n=len(ordered),
    )


def p95_index(count: int) -> int:
    """Index of the 95th percentile in `count` sorted samples.

    The rule of the terminal summary (stats._describe), so both show the same number.
    Note that round() rounds halves to even.
    """
    return min(count - 1, round(0.95 * (count - 1)))


def _checked_samples(samples: Iterable[float]) -> list[float]:
    checked: list[float] = []
    for index, value in enumerate(samples):
        # bool is an int to Python, but True is never a measurement.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MetricError(f"sample {index} is {value!r}, not a number: record times and sizes as numbers")
        if not math.isfinite(value):
            raise MetricError(
                f"sample {index} is {value!r}: measurements must be finite numbers "
                "(a NaN or infinity usually means a timer that never stopped)"
            )
        checked.append(value)
    return checked


def check_identity(engine: str, name: str, unit: str) -> None:
    """Raise MetricError unless engine, name and unit are ones a report can hold."""
    if engine not in METRIC_ENGINES:
        raise MetricError(f"unknown engine {engine!r} for metric {name!r}: use one of {', '.join(METRIC_ENGINES)}")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise MetricError(
            f"bad metric name {name!r}: use lower-case dotted words like {NAME_EXAMPLES}"
        )
    if unit not in UNITS:
        raise MetricError(f"unknown unit {unit!r} for metric {name!r}: use one of {', '.join(UNITS)}")


@dataclass
class Metric:
    name: str
    engine: str
    unit: str
    samples: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_identity(self.engine, self.name, self.unit)
        self.samples = _checked_samples(self.samples)

    @property
    def key(self) -> tuple[str, str]:
        return (self.engine, self.name)

    @property
    def summary(self) -> Summary:
        return summarize(self.samples)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "engine": self.engine,
            "unit": self.unit,
            "samples": list(self.samples),
            "summary": self.summary.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Metric:
        """Read a metric written by to_json(); its summary is recomputed, never trusted."""
        if not isinstance(data, Mapping):
            raise MetricError(f"a metric must be a JSON object, not {type(data).__name__}")
        absent = [key for key in ("name", "engine", "unit", "samples") if key not in data]
        if absent:
            raise MetricError(f"metric {data.get('name', '?')!r} lacks {', '.join(absent)}")
        samples = data["samples"]
        if not isinstance(samples, list) or not samples:
            raise MetricError(f"metric {data['name']!r} needs a non-empty list of samples, got {samples!r}")
        return cls(name=data["name"], engine=data["engine"], unit=data["unit"], samples=list(samples))


class MetricSet:
    """Every metric of a run, one per (engine, name); samples of repeats accumulate."""

    def __init__(self, metrics: Iterable[Metric] = ()) -> None:
        self._metrics: dict[tuple[str, str], Metric] = {}
        self.extend(metrics)

    def add(self, engine: str, name: str, unit: str, value: float) -> Metric:
        """Append one sample, creating the metric on first use."""
        sample = _checked_samples([value])  # before anything changes: a bad value leaves no empty metric
        metric = self._metrics.get((engine, name))
        if metric is None:
            metric = self._metrics[(engine, name)] = Metric(name=name, engine=engine, unit=unit)
        else:
            _check_same_unit(engine, name, metric.unit, unit)
        metric.samples.extend(sample)
        return metric

    def extend(self, metrics: Iterable[Metric]) -> None:
        """Add the samples of other metrics (copied: later changes to them do not leak in)."""
        others = list(metrics)
        # Check every unit before adding anything, so a conflict leaves the set as it was.
        units = {key: metric.unit for key, metric in self._metrics.items()}
        for other in others:
            if not other.samples:
                raise MetricError(f"metric {other.engine}:{other.name} has no samples: add it once it has one")
            _check_same_unit(other.engine, other.name, units.setdefault(other.key, other.unit), other.unit)
        for other in others:
            mine = self._metrics.get(other.key)
            if mine is None:
                self._metrics[other.key] = Metric(other.name, other.engine, other.unit, list(other.samples))
            else:
                mine.samples.extend(other.samples)

    def merge(self, data: Sequence[Mapping[str, Any]]) -> None:
        """Add an xdist worker's metrics, as sent by its to_json()."""
        self.extend(Metric.from_json(item) for item in data)

    def get(self, engine: str, name: str) -> Metric | None:
        return self._metrics.get((engine, name))

    def __iter__(self) -> Iterator[Metric]:
        return iter([self._metrics[key] for key in sorted(self._metrics)])

    def __len__(self) -> int:
        return len(self._metrics)

    def __contains__(self, key: object) -> bool:
        return key in self._metrics

    def to_json(self) -> list[dict[str, Any]]:
        return [metric.to_json() for metric in self]

    @classmethod
    def from_json(cls, data: Sequence[Mapping[str, Any]]) -> MetricSet:
        metrics = cls()
        metrics.merge(data)
        return metrics


def _check_same_unit(engine: str, name: str, known: str, unit: str) -> None:
    if unit != known:
        raise MetricError(
            f"metric {engine}:{name} is measured in {known}, not {unit}: "
            "record every sample of a metric in the same unit (or give the other one its own name)"
        )
