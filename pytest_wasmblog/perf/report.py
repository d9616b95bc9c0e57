"""Performance reports: built from a run's metrics, checked against report.schema.json, written atomically."""

from __future__ import annotations

import functools
import json
import math
import os
import platform
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

# Typed when types-jsonschema is installed; without it the names are Any and mypy must not fail.
# types-jsonschema comes with the test extras only: without it the import is untyped.
from jsonschema import Draft202012Validator, ValidationError  # type: ignore[import-untyped, unused-ignore]

from pytest_wasmblog.atomic import write_atomically
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.perf.metrics import Metric, MetricError, MetricSet
from pytest_wasmblog.perf.ratios import with_ratios

SCHEMA_NAME = "pytest-wasmblog-report/1"
SCHEMA_FILE = "report.schema.json"
COUNT_KEYS: tuple[str, ...] = ("passed", "failed", "skipped", "xfailed", "xpassed", "errors")
# Long values (a whole metric) make a schema message unreadable; the JSON path says where to look.
_MAX_MESSAGE = 200

Report = dict[str, Any]


class ReportError(WasmblogError):
    """A performance report is malformed, unreadable or missing; `problems` lists every issue found."""

    def __init__(self, message: str, problems: Sequence[str] = (), fix: str = "") -> None:
        self.problems = list(problems)
        text = message + "".join(f"\n  - {problem}" for problem in self.problems)
        if fix:
            text += f"\nFix: {fix}"
        super().__init__(text)


def report_schema() -> dict[str, Any]:
    """The JSON Schema of reports (a fresh copy: callers may change it)."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


@functools.cache
def _schema_text() -> str:
    return resources.files("pytest_wasmblog.perf").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(report_schema())


def machine_facts(meminfo: Path = Path("/proc/meminfo")) -> dict[str, Any]:
    """What the numbers were measured on: timings only compare on similar machines."""
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        # cpu_count() is None only when the OS will not say; 1 keeps the report valid.
        "cpus": os.cpu_count() or 1,
        "memory_bytes": _total_memory(meminfo),
    }


def _total_memory(meminfo: Path) -> int | None:
    try:
        text = meminfo.read_text(encoding="utf-8", errors="replace")
    except OSError:  # not Linux, or /proc not mounted
        return None
    match = re.search(r"^MemTotal:\s+(\d+)\s*kB", text, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None  # the kernel's "kB" is 1,024 bytes


def build_report(
    metrics: MetricSet,
    engines: Mapping[str, Mapping[str, str]],
    outcome: str,
    counts: Mapping[str, int],
    *,
    created: datetime | None = None,
    machine: Mapping[str, Any] | None = None,
) -> Report:
    """A valid report of a run; counts absent from `counts` are 0.

    Raises ReportError listing every problem when the pieces do not make a valid report.
    """
    report: Report = {
        "schema": SCHEMA_NAME,
        "created": utc_timestamp(created or datetime.now(UTC)),
        "run": {"outcome": outcome, "counts": {**dict.fromkeys(COUNT_KEYS, 0), **counts}},
        "machine": dict(machine) if machine is not None else machine_facts(),
        "engines": {engine: dict(facts) for engine, facts in engines.items()},
        "metrics": with_ratios(metrics).to_json(),
    }
    validate_report(report, source="built from this run")
    return report


def utc_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ReportError(
            f"report time {moment.isoformat()} has no time zone",
            fix="pass an aware datetime, e.g. datetime.now(UTC)",
        )
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def report_metrics(report: Report) -> MetricSet:
    """The metrics of a valid report."""
    return MetricSet.from_json(report["metrics"])


def validate_report(data: object, source: str = "report") -> None:
    """Raise ReportError listing every schema problem (with its JSON path) and every inconsistency."""
    errors = sorted(_validator().iter_errors(data), key=_error_order)
    problems = [f"{error.json_path}: {_shorten(error.message)}" for error in errors]
    if isinstance(data, dict):
        problems += _consistency_problems(data, errors)
    if problems:
        raise ReportError(
            f"invalid performance report ({source}): {len(problems)} problem(s)",
            problems,
            fix=f"reports follow {SCHEMA_NAME} (pytest_wasmblog/perf/{SCHEMA_FILE}); "
            "write a new one with this version of pytest-wasmblog rather than editing it by hand",
        )


def _error_order(error: ValidationError) -> tuple[tuple[int, int | str], ...]:
    # Document order: list indices compare as numbers, so metrics[2] comes before metrics[10].
    return tuple((0, part) if isinstance(part, int) else (1, str(part)) for part in error.absolute_path)


def _shorten(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def _consistency_problems(data: dict[str, Any], errors: Sequence[ValidationError]) -> list[str]:
    """What the schema cannot say: real dates, summaries that match samples, one entry per metric."""
    problems: list[str] = []
    broken = {tuple(error.absolute_path)[:2] for error in errors}
    created = data.get("created")
    if isinstance(created, str) and ("created",) not in broken:
        try:
            datetime.fromisoformat(created)
        except ValueError:
            problems.append(f"$.created: {created!r} is not a real date and time")
    metrics = data.get("metrics")
    if not isinstance(metrics, list) or ("metrics",) in broken:
        return problems
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(metrics):
        if ("metrics", index) in broken:
            continue  # already reported by the schema; its fields may not even be there
        where = f"$.metrics[{index}]"
        try:
            metric = Metric.from_json(item)
        except MetricError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if metric.key in seen:
            problems.append(
                f"{where}: {metric.engine}:{metric.name} already appears at $.metrics[{seen[metric.key]}] "
                "(each engine and name appears once, holding all its samples)"
            )
        seen.setdefault(metric.key, index)
        expected = metric.summary.to_json()
        for key, value in item["summary"].items():
            if not math.isclose(value, expected[key], rel_tol=1e-9, abs_tol=1e-12):
                problems.append(
                    f"{where}.summary.{key}: {value!r} does not match the samples, which give {expected[key]!r}"
                )
    return problems


def write_report(path: str | os.PathLike[str], data: Report) -> Path:
    """Validate `data`, then replace `path` with it in one step.

    Nothing is written when the report is invalid, and a crash mid-write leaves the
    old file as it was: the text goes to a temporary file next to it, renamed over it.
    """
    target = Path(path)
    validate_report(data, source=f"not written to {target}")
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(target, text)
    return target


def _write_atomically(target: Path, text: str) -> None:
    write_atomically(target, text.encode("utf-8"))


def read_report(path: str | os.PathLike[str]) -> Report:
    """Read and validate a report; ReportError names the path and what is wrong with it."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(
            f"no performance report at {source}",
            fix="check the path, or write a report with a run that records metrics",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read performance report {source}: {exc}") from exc
    try:
        data: Report = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"{source}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})",
            fix="the file was cut short or edited by hand; write the report again",
        ) from None
    validate_report(data, source=str(source))
    return data
