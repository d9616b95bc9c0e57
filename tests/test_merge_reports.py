"""`wasmblog merge-reports` and `wasmblog check-report`: a sharded run's reports pooled into one valid
report, then held against a baseline and budgets (no browser: reports built here)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pytest_wasmblog.cli import main
from pytest_wasmblog.perf.merge import merge_reports
from pytest_wasmblog.perf.metrics import MetricSet
from pytest_wasmblog.perf.report import ReportError, build_report, read_report, report_metrics, write_report

MACHINE = {"platform": "Linux-test", "python": "3.11.7", "cpus": 2, "memory_bytes": 24 * 2**30}
CHROMIUM = {"backend": "playwright", "version": "156.0", "description": "Chromium 156 headless"}
FIREFOX = {"backend": "playwright", "version": "153.8", "description": "Firefox 153.8"}


def shard_report(metrics: list[tuple[str, str, str, float]], engines: dict[str, dict[str, str]],
                 outcome: str = "passed", **counts: int) -> dict[str, Any]:
    recorded = MetricSet()
    for engine, name, unit, value in metrics:
        recorded.add(engine, name, unit, value)
    return build_report(recorded, engines, outcome, counts, created=datetime(2026, 11, 27, tzinfo=UTC),
                        machine=MACHINE)


SHARD_1 = shard_report([("any", "size.total.br", "bytes", 500_000), ("chromium", "boot.app_ready", "ms", 700),
                        ("chromium", "boot.app_ready", "ms", 720)], {"chromium": CHROMIUM}, passed=10, skipped=1)
SHARD_2 = shard_report([("chromium", "call.round_trip", "ms", 1.5), ("firefox", "boot.app_ready", "ms", 690)],
                       {"chromium": CHROMIUM, "firefox": FIREFOX}, passed=7, xfailed=2)


def test_shards_pool_their_samples_and_add_up_their_counts() -> None:
    merged = merge_reports([("1.json", SHARD_1), ("2.json", SHARD_2)])
    metrics = {(m.engine, m.name): sorted(m.samples) for m in report_metrics(merged)}
    assert metrics == {("any", "size.total.br"): [500_000], ("chromium", "boot.app_ready"): [700, 720],
                       ("chromium", "call.round_trip"): [1.5], ("firefox", "boot.app_ready"): [690]}
    assert merged["run"] == {"outcome": "passed", "counts": {"passed": 17, "failed": 0, "skipped": 1, "xfailed": 2,
                                                            "xpassed": 0, "errors": 0}}
    assert merged["engines"] == {"chromium": CHROMIUM, "firefox": FIREFOX} and merged["machine"] == MACHINE


def test_one_failed_shard_fails_the_merged_run() -> None:
    failed = shard_report([("firefox", "boot.app_ready", "ms", 700)], {"firefox": FIREFOX}, "failed", failed=1)
    assert merge_reports([("1.json", SHARD_1), ("3.json", failed)])["run"]["outcome"] == "failed"


def test_two_builds_of_one_engine_are_not_pooled() -> None:
    other = shard_report([("chromium", "boot.app_ready", "ms", 650)],
                         {"chromium": {**CHROMIUM, "version": "155.0", "description": "Chromium 155 headless"}})
    with pytest.raises(ReportError, match=r"cannot merge 4.json: it measured chromium with 'Chromium 155 headless', "
                                          r"but 1.json with 'Chromium 156 headless'"):
        merge_reports([("1.json", SHARD_1), ("4.json", other)])


def test_a_metric_in_two_units_is_not_pooled() -> None:
    other = shard_report([("any", "size.total.br", "ms", 5)], {})
    with pytest.raises(ReportError, match=r"cannot merge 5\.json: metric any:size\.total\.br is measured in bytes"):
        merge_reports([("1.json", SHARD_1), ("5.json", other)])


def write(tmp_path: Path, name: str, report: dict[str, Any]) -> Path:
    return write_report(tmp_path / name, report)


def test_the_cli_merges_then_checks_against_a_baseline_and_budgets(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    one, two = write(tmp_path, "shard-1.json", SHARD_1), write(tmp_path, "shard-2.json", SHARD_2)
    merged = tmp_path / "merged.json"
    assert main(["merge-reports", str(merged), str(one), str(two)]) == 0
    assert "wrote " + str(merged) + ": 2 reports, 4 metrics, 17 passed, 0 failed, run passed" in capsys.readouterr().out
    assert read_report(merged) == merge_reports([("a", SHARD_1), ("b", SHARD_2)]) | {"created": read_report(merged)[
        "created"]}
    # The merged run against itself: no regression, budgets met.
    budgets = tmp_path / "budgets.txt"
    budgets.write_text("# CI budgets\nchromium:boot.app_ready<=1s\nany:size.total.br<=600KB\n")
    assert main(["check-report", str(merged), "--baseline", str(merged), "--budgets", str(budgets)]) == 0
    out = capsys.readouterr().out
    assert "no regression" in out and "budgets: all met" in out
    # A slower run: the baseline comparison and a budget both fail it.
    slower = shard_report([("chromium", "boot.app_ready", "ms", 1400), ("chromium", "boot.app_ready", "ms", 1500)],
                          {"chromium": CHROMIUM}, passed=10)
    assert main(["check-report", str(write(tmp_path, "slow.json", slower)), "--baseline", str(merged),
                 "--budget", "chromium:boot.app_ready<=1s"]) == 1
    out = capsys.readouterr().out
    assert "1 regression(s)" in out and "chromium:boot.app_ready median 1450.0 ms is over its budget 1000.0 ms" in out


@pytest.mark.parametrize(("args", "message"), [
    (["merge-reports", "{tmp}/out.json", "{tmp}/missing.json"], "no performance report at {tmp}/missing.json"),
    (["merge-reports", "{tmp}/a.json", "{tmp}/a.json"], "{tmp}/a.json is one of the reports to merge"),
    (["merge-reports", "{tmp}/out.json", "{tmp}/bad.json"], "{tmp}/bad.json:1:2: not valid JSON"),
    (["check-report", "{tmp}/a.json"], "nothing to check the report against"),
    (["check-report", "{tmp}/a.json", "--budget", "chromium:boot<=fast"], "1 bad budget(s)"),
    (["check-report", "{tmp}/a.json", "--budgets", "{tmp}/none.txt"], "--budgets {tmp}/none.txt: cannot read it"),
    (["check-report", "{tmp}/a.json", "--baseline", "{tmp}/a.json", "--tolerance", "-1"], "--tolerance -1.0"),
])
def test_cli_mistakes_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                          message: str) -> None:
    write(tmp_path, "a.json", SHARD_1)
    (tmp_path / "bad.json").write_text("{,")
    assert main([arg.format(tmp=tmp_path) for arg in args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("wasmblog: error: " + message.format(tmp=tmp_path)), err
    assert "Traceback" not in err
