"""Times over the same run's floors (pytest_wasmblog.perf.ratios): what a baseline compares across machines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pytest_wasmblog.perf.baseline import BaselineError, compare, save_baseline
from pytest_wasmblog.perf.merge import merge_reports
from pytest_wasmblog.perf.metrics import MetricSet
from pytest_wasmblog.perf.ratios import floor_value, with_ratios
from pytest_wasmblog.perf.report import Report, build_report, read_report, write_report

MACHINE = {"platform": "Linux-test", "python": "3.11.7", "cpus": 2, "memory_bytes": None}
ENGINES = {engine: {"backend": "playwright", "version": "1", "description": engine} for engine in ("chromium", "webkit")}


def metrics_of(samples: dict[tuple[str, str], list[float]]) -> MetricSet:
    metrics = MetricSet()
    for (engine, name), values in samples.items():
        for value in values:
            metrics.add(engine, name, "ms", value)
    return metrics


def ratios(metrics: MetricSet) -> dict[tuple[str, str], float]:
    return {(m.engine, m.name): m.samples[0] for m in with_ratios(metrics) if m.unit == "ratio"}


def test_each_time_is_divided_by_its_floor_per_engine() -> None:
    metrics = metrics_of({
        ("chromium", "boot.app_ready"): [400, 500, 600], ("chromium", "floor.runtime_boot"): [100] * 10,
        ("chromium", "boot_warm.app_ready"): [250], ("chromium", "call.round_trip"): [0.5, 0.6, 0.7],
        ("chromium", "call.postmessage_floor"): [0.02] * 10,
        ("chromium", "call.round_trip.from_python"): [4.0, 5.0, 9.0], ("chromium", "call.driver_floor"): [2.5] * 10,
        ("webkit", "boot.app_ready"): [300], ("webkit", "floor.runtime_boot"): [150] * 10,
    })
    assert ratios(metrics) == pytest.approx({
        ("chromium", "ratio.boot.app_ready"): 5.0, ("chromium", "ratio.boot_warm.app_ready"): 2.5,
        ("chromium", "ratio.call.round_trip"): 30.0, ("chromium", "ratio.call.round_trip.from_python"): 2.0,
        ("webkit", "ratio.boot.app_ready"): 2.0})


def test_no_ratio_without_both_the_time_and_its_floor() -> None:
    metrics = metrics_of({("chromium", "boot.app_ready"): [400], ("firefox", "floor.runtime_boot"): [90],
                          ("webkit", "call.round_trip"): [0.5]})
    assert ratios(metrics) == {}


def test_a_floor_near_the_clock_tick_is_a_trimmed_mean_and_the_runtime_floor_its_fastest_sample() -> None:
    # 0.02 and 0.03 ms are ticks of the page's clock: the median would jump a whole tick (50%).
    ticks = [0.02] * 55 + [0.03] * 45
    assert floor_value("call.postmessage_floor", ticks) == pytest.approx(0.0245, abs=0.0006)
    assert floor_value("call.postmessage_floor", [0.02] * 9 + [5.0]) == pytest.approx(0.02)  # a pause is trimmed
    assert floor_value("call.postmessage_floor", [0.04]) == 0.04
    assert floor_value("floor.runtime_boot", [89.0, 59.0, 151.0, 71.0, 77.0]) == 59.0


def test_a_report_carries_ratios_and_a_merge_recomputes_them_from_the_pooled_samples(tmp_path: Path) -> None:
    def shard(boots: list[float]) -> Report:
        metrics = metrics_of({("chromium", "boot.app_ready"): boots, ("chromium", "floor.runtime_boot"): [100]})
        return build_report(metrics, {"chromium": ENGINES["chromium"]}, "passed", {"passed": 1},
                            created=datetime(2026, 1, 1, tzinfo=UTC), machine=MACHINE)

    first, second = shard([300, 300, 300]), shard([700])
    assert [m["samples"] for m in first["metrics"] if m["name"] == "ratio.boot.app_ready"] == [[3.0]]
    write_report(tmp_path / "first.json", first)
    assert read_report(tmp_path / "first.json")["metrics"] == first["metrics"]  # the schema takes the unit
    merged = merge_reports([("first", first), ("second", second)])
    # The median of the four pooled boots (300) over the floor: not the two shards' ratios pooled (3 and 7).
    assert [m["samples"] for m in merged["metrics"] if m["name"] == "ratio.boot.app_ready"] == [[3.0]]


def test_a_slower_boot_on_a_slower_machine_is_no_regression_but_a_farther_one_from_the_floor_is() -> None:
    def run(boot: float, floor: float) -> Report:
        metrics = metrics_of({("chromium", "boot.app_ready"): [boot], ("chromium", "floor.runtime_boot"): [floor]})
        full = build_report(metrics, {"chromium": ENGINES["chromium"]}, "passed", {"passed": 1},
                            created=datetime(2026, 1, 1, tzinfo=UTC), machine=MACHINE)
        # A committed baseline keeps ratios only: absolute times differ from machine to machine.
        return {**full, "metrics": [m for m in full["metrics"] if m["unit"] == "ratio"]}

    baseline = run(400, 100)
    assert not compare(run(800, 200), baseline, relative=0.25).failed  # twice as slow a machine
    slowed = compare(run(550, 100), baseline, relative=0.25)  # 150 ms more on the same machine
    assert slowed.failed and [c.name for c in slowed.regressions] == ["ratio.boot.app_ready"]


def test_a_baseline_saved_with_globs_keeps_only_the_metrics_they_match(tmp_path: Path) -> None:
    metrics = metrics_of({("chromium", "boot.app_ready"): [400], ("chromium", "floor.runtime_boot"): [100]})
    metrics.add("any", "size.total.br", "bytes", 500_000)
    report = build_report(metrics, {"chromium": ENGINES["chromium"]}, "passed", {"passed": 1},
                          created=datetime(2026, 1, 1, tzinfo=UTC), machine=MACHINE)
    saved = read_report(save_baseline(report, tmp_path / "base.json", run_failed=False, keep=("ratio.*", "size.*")))
    assert sorted((m["name"], m["unit"]) for m in saved["metrics"]) == [
        ("ratio.boot.app_ready", "ratio"), ("size.total.br", "bytes")]
    by_engine = read_report(save_baseline(report, tmp_path / "engine.json", run_failed=False,
                                          keep=("webkit:ratio.*", "*:size.*")))
    assert [(m["engine"], m["name"]) for m in by_engine["metrics"]] == [("any", "size.total.br")]
    sizes_only = {**report, "metrics": [m for m in report["metrics"] if m["unit"] == "bytes"]}
    with pytest.raises(BaselineError, match=r"no metric of the run matches ratio\.\*"):
        save_baseline(sizes_only, tmp_path / "other.json", run_failed=False, keep=("ratio.*",))
