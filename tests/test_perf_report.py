"""Performance reports: schema, validation, atomic writes (pytest_wasmblog.perf.report)."""

from __future__ import annotations

import copy
import json
import os
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.perf.metrics import METRIC_ENGINES, MetricSet
from pytest_wasmblog.perf.report import (
    ReportError,
    build_report,
    machine_facts,
    read_report,
    report_metrics,
    report_schema,
    validate_report,
    write_report,
)
from pytest_wasmblog.settings import ENGINES

MACHINE = {"platform": "Linux-test", "python": "3.11.7", "cpus": 4, "memory_bytes": 8 * 2**30}
ENGINE_FACTS = {"chromium": {"backend": "playwright", "version": "140.0", "description": "Chromium 140 headless"}}


def make_report(**boots: list[float]) -> dict[str, Any]:
    metrics = MetricSet()
    for value in boots.get("chromium", [100.0, 120.0, 110.0]):
        metrics.add("chromium", "boot.app_ready", "ms", value)
    metrics.add("any", "size.total.br", "bytes", 812_345)
    return build_report(
        metrics,
        ENGINE_FACTS,
        "passed",
        {"passed": 3, "skipped": 1},
        created=datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        machine=MACHINE,
    )


def problems_of(data: object) -> list[str]:
    with pytest.raises(ReportError) as caught:
        validate_report(data)
    return caught.value.problems


def test_the_shipped_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_knows_the_same_engines_as_the_plugin() -> None:
    schema = report_schema()
    assert schema["$defs"]["metric"]["properties"]["engine"]["enum"] == list(METRIC_ENGINES)
    assert schema["properties"]["engines"]["propertyNames"]["enum"] == list(ENGINES)


def test_built_report_has_every_part() -> None:
    report = make_report()
    assert report["schema"] == "pytest-wasmblog-report/1"
    assert report["created"] == "2025-03-01T12:00:00Z"
    assert report["run"] == {
        "outcome": "passed",
        "counts": {"passed": 3, "failed": 0, "skipped": 1, "xfailed": 0, "xpassed": 0, "errors": 0},
    }
    assert [(m["engine"], m["name"], m["summary"]["median"]) for m in report["metrics"]] == [
        ("any", "size.total.br", 812_345),
        ("chromium", "boot.app_ready", 110.0),
    ]
    assert report_metrics(report).get("chromium", "boot.app_ready") is not None


def test_created_is_converted_to_utc() -> None:
    report = build_report(
        MetricSet(), {}, "passed", {}, created=datetime(2025, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
        machine=MACHINE,
    )
    assert report["created"] == "2025-03-01T12:00:00Z"


def test_build_report_refuses_a_naive_time() -> None:
    with pytest.raises(ReportError, match="no time zone"):
        build_report(MetricSet(), {}, "passed", {}, created=datetime(2025, 3, 1), machine=MACHINE)


def test_build_report_refuses_bad_outcome_and_unknown_counts() -> None:
    with pytest.raises(ReportError) as caught:
        build_report(MetricSet(), {}, "crashed", {"deselected": 2}, machine=MACHINE)
    assert caught.value.problems == [
        "$.run.counts: Additional properties are not allowed ('deselected' was unexpected)",
        "$.run.outcome: 'crashed' is not one of ['passed', 'failed']",
    ]


def test_machine_facts_read_total_memory(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16318412 kB\nMemFree:         1000 kB\n")
    facts = machine_facts(meminfo)
    assert facts["memory_bytes"] == 16318412 * 1024
    assert facts["cpus"] >= 1 and facts["python"].count(".") == 2 and facts["platform"]


def test_machine_facts_without_meminfo(tmp_path: Path) -> None:
    assert machine_facts(tmp_path / "absent")["memory_bytes"] is None


def test_machine_facts_of_this_machine_make_a_valid_report() -> None:
    validate_report(build_report(MetricSet(), {}, "passed", {}))


def test_every_problem_is_listed_with_its_path() -> None:
    report = make_report()
    report["run"]["counts"]["passed"] = "3"  # wrong type
    del report["machine"]["cpus"]  # missing key
    report["metrics"][0]["samples"] = []  # empty samples
    report["metrics"][1]["summary"]["median"] = 999.0  # summary inconsistent with samples
    report["engines"]["chrome"] = ENGINE_FACTS["chromium"]  # unknown engine
    report["surprise"] = True  # unknown key
    problems = problems_of(report)
    assert problems == [
        "$: Additional properties are not allowed ('surprise' was unexpected)",
        "$.engines: 'chrome' is not one of ['chromium', 'firefox', 'webkit']",
        "$.machine: 'cpus' is a required property",
        "$.metrics[0].samples: [] should be non-empty",
        "$.run.counts.passed: '3' is not of type 'integer'",
        "$.metrics[1].summary.median: 999.0 does not match the samples, which give 110.0",
    ]


def test_the_error_message_lists_problems_and_the_fix() -> None:
    report = make_report()
    report["metrics"][1]["unit"] = "seconds"
    report["metrics"][1]["engine"] = "edge"
    with pytest.raises(ReportError) as caught:
        validate_report(report, source="perf.json")
    message = str(caught.value)
    assert message.startswith("invalid performance report (perf.json): 2 problem(s)")
    assert "\n  - $.metrics[1].engine: 'edge' is not one of" in message
    assert "\n  - $.metrics[1].unit: 'seconds' is not one of ['ms', 'bytes', 'ratio']" in message
    assert "\nFix: " in message
    assert isinstance(caught.value, WasmblogError)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        pytest.param(
            lambda r: r["metrics"][1]["summary"].update(n=4),
            "$.metrics[1].summary.n: 4 does not match the samples, which give 3",
            id="count",
        ),
        pytest.param(
            lambda r: r["metrics"][1]["summary"].update(p95=110.0),
            "$.metrics[1].summary.p95: 110.0 does not match the samples, which give 120.0",
            id="p95",
        ),
        pytest.param(
            lambda r: r["metrics"][1]["samples"].append(float("nan")),
            "$.metrics[1]: sample 3 is nan",
            id="nan-sample",
        ),
        pytest.param(
            lambda r: r["metrics"].append(copy.deepcopy(r["metrics"][1])),
            "$.metrics[2]: chromium:boot.app_ready already appears at $.metrics[1]",
            id="duplicate-metric",
        ),
        pytest.param(
            lambda r: r.update(created="2025-13-01T00:00:00Z"),
            "$.created: '2025-13-01T00:00:00Z' is not a real date",
            id="impossible-date",
        ),
        pytest.param(
            lambda r: r.update(created="2025-03-01T12:00:00+02:00"),
            "$.created: '2025-03-01T12:00:00+02:00' does not match",
            id="not-utc",
        ),
        pytest.param(
            lambda r: r["metrics"][1].update(name="boot"),
            "$.metrics[1].name: 'boot' does not match",
            id="undotted-name",
        ),
        pytest.param(
            lambda r: r["metrics"][1]["samples"].__setitem__(0, "100"),
            "$.metrics[1].samples[0]: '100' is not of type 'number'",
            id="string-sample",
        ),
        pytest.param(lambda r: r.pop("engines"), "$: 'engines' is a required property", id="missing-engines"),
        pytest.param(
            lambda r: r.update(schema="pytest-wasmblog-report/2"),
            "$.schema: 'pytest-wasmblog-report/1' was expected",
            id="other-schema-version",
        ),
        pytest.param(
            lambda r: r["machine"].update(cpus=0), "$.machine.cpus: 0 is less than the minimum of 1", id="no-cpus"
        ),
    ],
)
def test_inconsistent_reports_are_refused(change: Any, problem: str) -> None:
    report = make_report()
    change(report)
    problems = problems_of(report)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_a_report_that_is_not_an_object_is_refused() -> None:
    assert problems_of([]) == ["$: [] is not of type 'object'"]


def test_long_values_are_shortened_in_messages() -> None:
    report = make_report()
    report["metrics"] = {"not": "a list", "padding": "x" * 500}
    (problem,) = problems_of(report)
    assert problem.startswith("$.metrics: {") and problem.endswith("...") and len(problem) < 250


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    report = make_report()
    path = write_report(tmp_path / "out" / "perf.json", report)
    assert path == tmp_path / "out" / "perf.json"
    assert read_report(path) == report
    assert os.listdir(path.parent) == ["perf.json"]  # no temporary file left behind


def test_an_invalid_report_is_not_written_and_the_old_file_stays(tmp_path: Path) -> None:
    path = tmp_path / "perf.json"
    write_report(path, make_report())
    before = path.read_bytes()
    bad = make_report()
    bad["metrics"][0]["samples"] = []
    with pytest.raises(ReportError, match="not written to"):
        write_report(path, bad)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["perf.json"]


def test_an_interrupted_write_leaves_the_old_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "perf.json"
    write_report(path, make_report())
    before = path.read_bytes()

    def crash(source: str, target: str) -> None:
        raise KeyboardInterrupt  # even a Ctrl-C mid-write must not leave a temporary file

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_report(path, make_report(chromium=[1.0]))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["perf.json"]


def test_a_failed_write_of_a_new_file_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_report(tmp_path / "perf.json", make_report())
    assert os.listdir(tmp_path) == []


def test_read_a_missing_report(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=re.escape(f"no performance report at {tmp_path / 'nope.json'}")):
        read_report(tmp_path / "nope.json")


def test_read_invalid_json_names_the_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "perf.json"
    path.write_text(json.dumps(make_report(), indent=2)[:200])  # cut short, as by a crash without atomic writes
    with pytest.raises(ReportError) as caught:
        read_report(path)
    message = str(caught.value)
    assert re.match(re.escape(str(path)) + r":\d+:\d+: not valid JSON", message)
    assert "Fix: " in message


def test_read_a_report_with_schema_problems_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "perf.json"
    report = make_report()
    report["run"]["outcome"] = "maybe"
    path.write_text(json.dumps(report))
    with pytest.raises(ReportError, match=re.escape(f"invalid performance report ({path})")) as caught:
        read_report(path)
    assert caught.value.problems == ["$.run.outcome: 'maybe' is not one of ['passed', 'failed']"]


def test_read_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot read performance report"):
        read_report(tmp_path)
