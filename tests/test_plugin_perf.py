"""Budgets, the JSON report and baselines, run the way a user runs them (pytester, real browsers)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from pytest_wasmblog.perf.metrics import MetricSet
from pytest_wasmblog.perf.plugin import outcome_key, session_metrics_key, summary_lines
from pytest_wasmblog.perf.report import read_report

SITES = Path(__file__).parent / "sites"


def run(pytester: pytest.Pytester, site: Path, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={site}", *args, timeout=240)


@pytest.fixture
def growing_site(tmp_path: Path) -> Path:
    """A static site whose one asset the tests make bigger between runs (no browser needed)."""
    site = tmp_path / "growing"
    shutil.copytree(SITES / "static", site)
    (site / "blob.bin").write_bytes(os.urandom(100_000))
    return site


SIZES_TEST = """
def test_sizes(wasm_sizes):
    assert wasm_sizes["blob.bin"]["raw"] > 0
"""


def test_wasm_perf_measures_boot_phases_into_a_valid_report(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        def test_boot(wasm_perf, wasm_app):
            series = wasm_perf.boot_cold(repeats=2)
            print(series.table())
            ready = series.values("app_ready")
            assert len(ready) == 2
            assert series.values("html_received")[0] < series.values("wasm_fetched")[0] < ready[0]
            assert ready[0] < series.values("first_call")[0]
            assert all(s.page_transfer_bytes["AtomVM.wasm"] > 0 for s in series.samples)
            # No service worker on this site: warm boots come from the HTTP cache.
            warm = wasm_perf.boot_warm(repeats=2)
            assert all(s.page_transfer_bytes["AtomVM.wasm"] == 0 for s in warm.samples)
            wasm_perf.call_latency(wasm_app, {"bridge": "ping"}, n=20)
        """
    )
    result = run(pytester, toolbox_site, "-s", "--wasm-report=out/report.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*chromium: cold boot, 2 boots*", "app_ready *",
                                 "*call.round_trip legs, medians: page_to_iframe * in_elixir * from Python *",
                                 "report: out/report.json*"])
    report = read_report(pytester.path / "out" / "report.json")  # validates against the schema
    names = {(m["engine"], m["name"]) for m in report["metrics"]}
    assert {("chromium", "boot.app_ready"), ("chromium", "boot.wasm_fetched"), ("chromium", "call.round_trip"),
            ("chromium", "boot_warm.app_ready"), ("chromium", "transfer.atomvm_wasm"),
            ("chromium", "call.driver_floor"), ("chromium", "call.round_trip.from_python"),
            *(("chromium", f"call.round_trip.leg.{leg}") for leg in
              ("page_to_iframe", "iframe_to_vm", "in_elixir", "vm_to_page", "driver"))} <= names
    assert report["engines"]["chromium"]["backend"] and report["run"]["outcome"] == "passed"
    assert next(m for m in report["metrics"] if m["name"] == "call.round_trip")["summary"]["n"] == 20


def test_bundle_modules_and_origins_reach_the_report(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile("def test_sizes(wasm_sizes):\n    assert wasm_sizes['bundle.avm']['raw'] > 0\n")
    run(pytester, toolbox_site, "--wasm-report=report.json").assert_outcomes(passed=1)
    medians = {m["name"]: m["summary"]["median"] for m in read_report(pytester.path / "report.json")["metrics"]}
    built = json.loads((toolbox_site / "build-report.json").read_text())["modules"]
    assert medians["bundle.module.elixir_toolbox"] == built["Elixir.Toolbox"]["bytes"]
    assert len([name for name in medians if name.startswith("bundle.module.")]) == len(built)
    app = sum(entry["bytes"] for entry in built.values() if entry["origin"] == "app")
    assert medians["bundle.origin.app"] == app


def test_labelled_boots_of_the_summary_reach_the_report_too(pytester: pytest.Pytester, growing_site: Path) -> None:
    pytester.makepyfile(
        """
        def test_throttled(wasm_stats):
            wasm_stats.engine("chromium").record_boot("fast-3g, cold", 7000.0)
            wasm_stats.engine("chromium").record_boot("fast-3g, cold", 8000.0)
        """
    )
    result = run(pytester, growing_site, "--wasm-report=report.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*boot (fast-3g, cold): median 7500.0 ms*"])
    metric = next(m for m in read_report(pytester.path / "report.json")["metrics"]
                  if m["name"] == "boot_labelled.fast-3g_cold.app_ready")
    assert metric["engine"] == "chromium" and metric["samples"] == [7000.0, 8000.0]


def test_a_broken_budget_fails_the_test_with_the_table(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.wasm_budget("chromium:boot.app_ready<=1ms")
        def test_boot_budget(wasm_perf):
            wasm_perf.boot_cold(repeats=1)

        def test_size_budget_from_ini(wasm_sizes):
            pass
        """
    )
    result = run(pytester, toolbox_site, "-o", "wasm_budgets=*:size.total.raw<=10KB")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*performance budget broken*",
        "*chromium*boot.app_ready*1.0 ms*",
    ])
    result.stdout.fnmatch_lines(["*any*size.total.raw*10.0 KB*"])


def test_a_budget_with_a_typo_is_a_usage_error(pytester: pytest.Pytester, growing_site: Path) -> None:
    pytester.makepyfile(SIZES_TEST)
    result = run(pytester, growing_site, "-o", "wasm_budgets=*:size.total.br<=1 parsec")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*wasm_budgets*"])


def test_a_baseline_regression_fails_the_run_with_the_table(pytester: pytest.Pytester, growing_site: Path) -> None:
    pytester.makepyfile(SIZES_TEST)
    first = run(pytester, growing_site, "--wasm-save-baseline=baseline.json")
    first.assert_outcomes(passed=1)
    saved = (pytester.path / "baseline.json").read_bytes()

    same = run(pytester, growing_site, "--wasm-baseline=baseline.json")
    assert same.ret == 0
    same.stdout.fnmatch_lines(["*baseline baseline.json: no regression*"])

    (growing_site / "blob.bin").write_bytes(os.urandom(200_000))  # the asset doubles
    worse = run(pytester, growing_site, "--wasm-baseline=baseline.json")
    assert worse.ret == pytest.ExitCode.TESTS_FAILED
    worse.stdout.fnmatch_lines(["*baseline baseline.json: * regression*", "*size.blob_bin.raw*100 KB*200 KB*"])
    assert (pytester.path / "baseline.json").read_bytes() == saved  # comparing never rewrites it


def test_saving_a_baseline_is_refused_when_the_run_failed(pytester: pytest.Pytester, growing_site: Path) -> None:
    pytester.makepyfile(SIZES_TEST + "\n\ndef test_broken():\n    assert False\n")
    result = run(pytester, growing_site, "--wasm-save-baseline=baseline.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*ERROR:*failed*"])
    assert not (pytester.path / "baseline.json").exists()


def test_an_invalid_report_is_refused_by_the_schema(pytester: pytest.Pytester, growing_site: Path) -> None:
    pytester.makepyfile(SIZES_TEST)
    run(pytester, growing_site, "--wasm-report=report.json").assert_outcomes(passed=1)
    report = json.loads((pytester.path / "report.json").read_text())
    report["metrics"][0]["unit"] = "furlongs"
    del report["machine"]
    (pytester.path / "report.json").write_text(json.dumps(report))
    result = run(pytester, growing_site, "--wasm-baseline=report.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*ERROR:*report.json*", "*machine*", "*furlongs*"])


def test_xdist_workers_measurements_reach_one_report(pytester: pytest.Pytester, growing_site: Path) -> None:
    pytester.makepyfile(SIZES_TEST + "\n\ndef test_sizes_again(wasm_sizes):\n    assert wasm_sizes['total']['br'] > 0\n")
    result = run(pytester, growing_site, "-n", "2", "--wasm-report=report.json")
    result.assert_outcomes(passed=2)
    metrics = {m["name"]: m for m in read_report(pytester.path / "report.json")["metrics"]}
    assert metrics["size.total.raw"]["summary"]["n"] == 2  # one sample from each test, whichever worker ran it


def test_a_calls_dotted_name_stays_in_the_summary_and_its_legs_get_a_line_of_their_own() -> None:
    metrics = MetricSet()
    for name, value in (("call.api.index", 1.5), ("call.api.index.leg.in_elixir", 0.3),
                        ("call.api.index.from_python", 5.0), ("call.round_trip", 1.1)):
        metrics.add("chromium", name, "ms", value)
    stash = pytest.Stash()
    stash[session_metrics_key], stash[outcome_key] = metrics, []
    lines = summary_lines(SimpleNamespace(stash=stash))  # type: ignore[arg-type]
    calls = next(line for line in lines if line.startswith("  calls: "))
    assert "call.api.index median" in calls and "call.round_trip median" in calls and "leg" not in calls
    assert "  call.api.index legs, medians: in_elixir 0.300 ms · from Python 5.0 ms" in lines
