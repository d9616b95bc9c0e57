"""A run's medians against a saved baseline (pytest_wasmblog.perf.baseline)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pytest_wasmblog.perf.baseline import (
    BaselineError,
    Comparison,
    compare,
    load_baseline,
    save_baseline,
)
from pytest_wasmblog.perf.metrics import MetricSet
from pytest_wasmblog.perf.report import ReportError, build_report
from pytest_wasmblog.perf.text import format_value

MACHINE = {"platform": "Linux-test", "python": "3.11.7", "cpus": 4, "memory_bytes": None}
CHROMIUM = {"chromium": {"backend": "playwright", "version": "140.0", "description": "Chromium 140"}}

Entry = tuple[str, str, str, list[float]]


def report_of(*entries: Entry, outcome: str = "passed", machine: dict[str, Any] = MACHINE) -> dict[str, Any]:
    metrics = MetricSet()
    for engine, name, unit, samples in entries:
        for value in samples:
            metrics.add(engine, name, unit, value)
    counts = {"passed": 5} if outcome == "passed" else {"passed": 4, "failed": 1}
    return build_report(
        metrics, CHROMIUM, outcome, counts, created=datetime(2025, 3, 1, tzinfo=UTC), machine=machine
    )


def boot(*samples: float) -> Entry:
    return ("chromium", "boot.app_ready", "ms", list(samples))


def size(value: float) -> Entry:
    return ("any", "size.total.br", "bytes", [value])


def compare_boots(baseline: list[float], current: list[float], **options: Any) -> Comparison:
    return compare(report_of(boot(*current)), report_of(boot(*baseline)), **options)


def only_status(comparison: Comparison) -> str:
    (change,) = comparison.changes
    return change.status


def test_a_small_change_under_the_relative_threshold_is_ok() -> None:
    comparison = compare_boots([100, 98, 102], [103, 101, 105])  # median +3% under 10%
    assert only_status(comparison) == "ok" and not comparison.failed
    assert comparison.changes[0].change_percent == pytest.approx(3.0)


def test_a_change_under_the_absolute_floor_is_ok() -> None:
    # +20%, but 4 ms: within the 5 ms floor that timer jitter alone can reach
    comparison = compare_boots([20, 20, 20], [24, 24, 24])
    assert only_status(comparison) == "ok"
    assert comparison.changes[0].allowed == 5.0


def test_a_large_change_is_a_regression_and_is_listed_first() -> None:
    current = report_of(boot(120, 119, 121), ("chromium", "call.round_trip", "ms", [2.0]))
    baseline = report_of(boot(100, 99, 101), ("chromium", "call.round_trip", "ms", [2.0]))
    comparison = compare(current, baseline)
    assert comparison.failed
    assert [(c.name, c.status) for c in comparison.regressions] == [("boot.app_ready", "regression")]
    header, rule, first, second, tally = comparison.table().splitlines()
    assert header.split() == ["engine", "metric", "baseline", "current", "change", "%", "allowed", "status"]
    assert set(rule) == {"-", " "}
    assert first.split() == ["chromium", "boot.app_ready", "100.0", "ms", "120.0", "ms", "+20.0%", "±10.0", "ms",
                             "REGRESSION"]
    assert second.split()[1] == "call.round_trip" and second.endswith("ok")
    assert tally.startswith("1 regression(s), 0 improvement(s), 0 new, 0 missing (a median may move 10% ")


def test_the_threshold_itself_is_not_a_regression() -> None:
    assert only_status(compare_boots([100], [110])) == "ok"
    assert only_status(compare_boots([100], [110.01])) == "regression"


def test_improvement_is_the_mirror_image() -> None:
    assert only_status(compare_boots([100], [80])) == "improvement"
    assert only_status(compare_boots([100], [92])) == "ok"
    assert only_status(compare_boots([20], [16])) == "ok"  # under the floor


def test_medians_not_single_outliers_decide() -> None:
    assert only_status(compare_boots([100, 100, 100], [100, 100, 400])) == "ok"


def test_sizes_have_a_floor_in_bytes() -> None:
    def status(before: float, now: float) -> str:
        return only_status(compare(report_of(size(now)), report_of(size(before))))

    assert status(5_000, 5_900) == "ok"  # +18% but under 1 KiB
    assert status(10_000, 10_900) == "ok"  # +9%
    assert status(100_000, 120_000) == "regression"
    assert status(1_000_000, 1_095_000) == "ok"


def test_custom_threshold_and_floors() -> None:
    assert only_status(compare_boots([100], [103], relative=0.02, floors={"ms": 1.0, "bytes": 0})) == "regression"
    assert only_status(compare_boots([20], [24], floors={"ms": 1.0, "bytes": 0})) == "regression"


def test_new_and_missing_metrics_are_reported_but_do_not_fail() -> None:
    current = report_of(boot(100), ("chromium", "call.round_trip", "ms", [2.0]))
    baseline = report_of(boot(100), size(800_000))
    comparison = compare(current, baseline)
    assert not comparison.failed
    assert [(c.engine, c.name) for c in comparison.new] == [("chromium", "call.round_trip")]
    assert [(c.engine, c.name) for c in comparison.missing] == [("any", "size.total.br")]
    lines = comparison.table().splitlines()
    assert lines[2].split() == ["chromium", "call.round_trip", "-", "2.0", "ms", "-", "-", "new"]
    assert lines[3].split() == ["any", "size.total.br", "800", "KB", "-", "-", "-", "missing"]


def test_a_metric_whose_unit_changed_cannot_be_compared() -> None:
    current = report_of(("chromium", "boot.app_ready", "bytes", [100.0]))
    with pytest.raises(BaselineError, match="in bytes now but in ms in the baseline"):
        compare(current, report_of(boot(100)))


def test_a_unit_without_a_floor_is_an_error() -> None:
    with pytest.raises(BaselineError, match="no noise floor for unit 'ms'"):
        compare_boots([100], [100], floors={"bytes": 1024})


@pytest.mark.parametrize("relative", [-0.1, float("nan"), float("inf")])
def test_a_bad_relative_threshold_is_an_error(relative: float) -> None:
    with pytest.raises(BaselineError, match="relative threshold"):
        compare_boots([100], [100], relative=relative)


def test_an_invalid_report_is_refused_before_comparing() -> None:
    current = report_of(boot(100))
    current["metrics"][0]["summary"]["median"] = 1.0
    with pytest.raises(ReportError, match=r"invalid performance report \(current run\)"):
        compare(current, report_of(boot(100)))


def test_differences_between_machines_and_browsers_are_noted() -> None:
    current = report_of(boot(100), machine={**MACHINE, "cpus": 16})
    baseline = report_of(boot(100))
    baseline["engines"]["chromium"]["version"] = "139.0"
    comparison = compare(current, baseline)
    assert comparison.notes == (
        "machine cpus differs: baseline 4, this run 16; timings may not compare",
        "chromium version differs: baseline 139.0, this run 140.0",
    )
    assert comparison.table().endswith("note: chromium version differs: baseline 139.0, this run 140.0")


def test_an_empty_comparison_says_so() -> None:
    assert compare(report_of(), report_of()).table().startswith("no metrics to compare\n0 regression(s)")


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1234.56, "ms", "1234.6 ms"),
        (0.04, "ms", "0.040 ms"),
        (512, "bytes", "512 B"),
        (1024, "bytes", "1.02 KB"),  # one byte formatter everywhere: 1 KB = 1000 B, three digits
        (812_345, "bytes", "812 KB"),
        (1_250_000, "bytes", "1.25 MB"),
    ],
)
def test_values_are_shown_with_units(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


def test_save_then_load_a_baseline(tmp_path: Path) -> None:
    report = report_of(boot(100, 110), size(800_000))
    path = save_baseline(report, tmp_path / "baseline.json", run_failed=False)
    assert load_baseline(path) == report
    assert not compare(report, load_baseline(path)).failed


def test_save_is_refused_after_a_failed_run(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="the run failed"):
        save_baseline(report_of(boot(100)), tmp_path / "baseline.json", run_failed=True)
    assert not (tmp_path / "baseline.json").exists()


def test_save_is_refused_for_a_report_of_a_failed_run(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="the report says the run failed"):
        save_baseline(report_of(boot(100), outcome="failed"), tmp_path / "baseline.json", run_failed=False)
    assert os.listdir(tmp_path) == []


def test_save_is_refused_without_metrics(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="no metrics"):
        save_baseline(report_of(), tmp_path / "baseline.json", run_failed=False)
    assert os.listdir(tmp_path) == []


def test_a_refused_save_keeps_the_previous_baseline(tmp_path: Path) -> None:
    path = save_baseline(report_of(boot(100)), tmp_path / "baseline.json", run_failed=False)
    before = path.read_bytes()
    broken = report_of(boot(200))
    broken["metrics"][0]["samples"] = []
    with pytest.raises(ReportError):
        save_baseline(broken, path, run_failed=False)
    with pytest.raises(BaselineError):
        save_baseline(report_of(boot(200)), path, run_failed=True)
    assert path.read_bytes() == before


def test_loading_a_missing_baseline_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match=r"no baseline at .*save one from a passing run"):
        load_baseline(tmp_path / "baseline.json")


def test_loading_a_corrupt_baseline_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text('{"schema": ')
    with pytest.raises(ReportError, match=f"{path}:1:12: not valid JSON"):
        load_baseline(path)
