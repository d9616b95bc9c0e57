"""Samples and their summaries (pytest_wasmblog.perf.metrics)."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_wasmblog.perf.metrics import (
    Metric,
    MetricError,
    MetricSet,
    p95_index,
    summarize,
)
from pytest_wasmblog.stats import _describe

samples_lists = st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=60)


def test_summary_of_known_samples() -> None:
    summary = summarize([float(value) for value in range(1, 21)])  # 1..20
    # p95 is a sample: index round(0.95 * 19) = 18 of the sorted list.
    assert (summary.median, summary.p95, summary.min, summary.max, summary.n) == (10.5, 19.0, 1.0, 20.0, 20)


def test_p95_of_a_hundred_samples_is_the_ninety_fifth() -> None:
    assert summarize([float(value) for value in reversed(range(1, 101))]).p95 == 95.0


@pytest.mark.parametrize(
    ("samples", "median", "p95"),
    [([7.0], 7.0, 7.0), ([3.0, 1.0], 2.0, 3.0), ([5.0, 1.0, 3.0], 3.0, 5.0), ([1, 2, 3, 4], 2.5, 4.0)],
)
def test_summary_of_few_samples(samples: list[float], median: float, p95: float) -> None:
    summary = summarize(samples)
    assert (summary.median, summary.p95) == (median, p95)


def test_p95_rounds_halves_to_even_like_the_terminal_summary() -> None:
    # 0.95 * 10 = 9.5 -> 10 ; 0.95 * 30 = 28.5 -> 28 (round half to even)
    assert (p95_index(11), p95_index(31)) == (10, 28)


@settings(max_examples=50, deadline=None)
@given(samples_lists)
def test_p95_and_median_agree_with_the_terminal_summary(samples: list[float]) -> None:
    summary = summarize(samples)
    assert _describe(samples) == f"median {summary.median:.1f} ms, p95 {summary.p95:.1f} ms, n={summary.n}"


@settings(max_examples=100, deadline=None)
@given(samples_lists)
def test_summary_invariants(samples: list[float]) -> None:
    summary = summarize(samples)
    assert summary.min <= summary.median <= summary.p95 <= summary.max
    assert summary.p95 in samples and summary.n == len(samples)
    assert summarize(list(reversed(samples))) == summary


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        ([], "empty sample list"),
        ([1.0, math.nan], "sample 1 is nan"),
        ([math.inf], "sample 0 is inf"),
        ([1.0, -math.inf], "finite"),
        ([True], "not a number"),
        (["12"], "not a number"),
        ([None], "not a number"),
    ],
)
def test_summarize_refuses_what_is_not_a_measurement(samples: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        summarize(samples)


@pytest.mark.parametrize(
    ("engine", "name", "unit", "message"),
    [
        ("chrome", "boot.app_ready", "ms", "unknown engine 'chrome'"),
        ("chromium", "boot", "ms", "bad metric name 'boot'"),
        ("chromium", "Boot.App", "ms", "lower-case dotted words"),
        ("chromium", "boot.app_ready\n", "ms", "bad metric name"),
        ("chromium", "boot.app_ready", "s", "unknown unit 's'"),
    ],
)
def test_metric_refuses_bad_identity(engine: str, name: str, unit: str, message: str) -> None:
    with pytest.raises(MetricError, match=re.escape(message)):
        Metric(name=name, engine=engine, unit=unit, samples=[1.0])


def test_metric_json_round_trip_recomputes_the_summary() -> None:
    metric = Metric("size.bundle.avm.br", "any", "bytes", [812_000.0])
    data = metric.to_json()
    assert data["summary"] == {"median": 812_000.0, "p95": 812_000.0, "min": 812_000.0, "max": 812_000.0, "n": 1}
    data["summary"]["median"] = 1.0  # a summary is never trusted
    assert Metric.from_json(data) == metric
    assert Metric.from_json(data).summary.median == 812_000.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "boot.app_ready", "engine": "webkit", "unit": "ms"}, "lacks samples"),
        ({"name": "boot.app_ready", "engine": "webkit", "unit": "ms", "samples": []}, "non-empty list"),
        ({"name": "boot.app_ready", "engine": "webkit", "unit": "ms", "samples": 3}, "non-empty list"),
        ([1, 2], "JSON object"),
    ],
)
def test_metric_from_json_refuses_incomplete_data(data: object, message: str) -> None:
    with pytest.raises(MetricError, match=message):
        Metric.from_json(data)  # type: ignore[arg-type]  # malformed on purpose


def test_metric_set_accumulates_samples_and_iterates_by_engine_then_name() -> None:
    metrics = MetricSet()
    metrics.add("webkit", "boot.app_ready", "ms", 30)
    metrics.add("chromium", "call.round_trip", "ms", 2)
    metrics.add("chromium", "boot.app_ready", "ms", 10)
    metrics.add("chromium", "boot.app_ready", "ms", 12)
    metrics.add("any", "size.total.br", "bytes", 900_000)
    assert [(m.engine, m.name) for m in metrics] == [
        ("any", "size.total.br"),
        ("chromium", "boot.app_ready"),
        ("chromium", "call.round_trip"),
        ("webkit", "boot.app_ready"),
    ]
    boot = metrics.get("chromium", "boot.app_ready")
    assert boot is not None and boot.samples == [10, 12] and boot.summary.median == 11
    assert ("webkit", "boot.app_ready") in metrics and len(metrics) == 4


def test_metric_set_refuses_a_second_unit_for_a_metric() -> None:
    metrics = MetricSet()
    metrics.add("chromium", "boot.app_ready", "ms", 10)
    with pytest.raises(MetricError, match="measured in ms, not bytes"):
        metrics.add("chromium", "boot.app_ready", "bytes", 10)
    assert metrics.get("chromium", "boot.app_ready") == Metric("boot.app_ready", "chromium", "ms", [10])


def test_a_bad_first_sample_leaves_no_empty_metric_behind() -> None:
    metrics = MetricSet()
    with pytest.raises(MetricError):
        metrics.add("chromium", "boot.app_ready", "ms", math.nan)
    assert len(metrics) == 0
    assert metrics.to_json() == []


def test_merging_worker_metrics_adds_samples() -> None:
    controller = MetricSet()
    controller.add("chromium", "boot.app_ready", "ms", 10)
    worker = MetricSet()
    worker.add("chromium", "boot.app_ready", "ms", 20)
    worker.add("firefox", "boot.app_ready", "ms", 40)
    controller.merge(worker.to_json())
    assert [(m.engine, m.samples) for m in controller] == [("chromium", [10, 20]), ("firefox", [40])]


def test_extend_copies_samples_so_the_source_does_not_leak_in() -> None:
    source = Metric("boot.app_ready", "chromium", "ms", [1.0])
    metrics = MetricSet([source])
    source.samples.append(99.0)
    assert metrics.get("chromium", "boot.app_ready") == Metric("boot.app_ready", "chromium", "ms", [1.0])


def test_extend_with_a_unit_conflict_changes_nothing() -> None:
    metrics = MetricSet()
    metrics.add("chromium", "boot.app_ready", "ms", 10)
    others = [Metric("call.round_trip", "chromium", "ms", [1.0]), Metric("boot.app_ready", "chromium", "bytes", [1.0])]
    with pytest.raises(MetricError, match="not bytes"):
        metrics.extend(others)
    assert [m.name for m in metrics] == ["boot.app_ready"]


def test_metric_set_json_round_trip() -> None:
    metrics = MetricSet()
    metrics.add("chromium", "boot.wasm_fetched", "ms", 4.5)
    metrics.add("any", "size.bundle.avm.br", "bytes", 123_456)
    assert MetricSet.from_json(metrics.to_json()).to_json() == metrics.to_json()


def test_a_metric_without_samples_cannot_join_a_set() -> None:
    with pytest.raises(MetricError, match=r"chromium:boot\.app_ready has no samples"):
        MetricSet([Metric("boot.app_ready", "chromium", "ms")])
