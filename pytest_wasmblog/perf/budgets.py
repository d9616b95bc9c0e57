"""Performance budgets: fixed limits on medians, such as `chromium:boot.app_ready<=1.5s`.

A budget is `ENGINE:METRIC<=LIMIT`:

- ENGINE is chromium, firefox, webkit, `any` (engine-independent metrics such as sizes)
  or `*` for every engine;
- METRIC is a metric name or an fnmatch glob (`size.*.br`);
- LIMIT is a number with a unit: `ms` or `s` for times, `B`, `KB` or `MB` for sizes.
  Sizes are decimal, as browsers' network panels and CDNs show them: 1 KB = 1000 B,
  1 MB = 1000 KB.

A budget limits the metric's median (a size has one sample, so its median is the size).
A budget that matches no measured metric is an error, so a typo cannot pass silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.perf.metrics import METRIC_ENGINES, Metric, MetricSet
from pytest_wasmblog.perf.text import format_value, render_table
from pytest_wasmblog.units import KB, MB

ALL_ENGINES = "*"
# Unit as written -> (unit of the metric, factor to it).
LIMIT_UNITS: dict[str, tuple[str, float]] = {
    "ms": ("ms", 1.0),
    "s": ("ms", 1000.0),
    "B": ("bytes", 1.0),
    "KB": ("bytes", float(KB)),
    "MB": ("bytes", float(MB)),
}
BUDGET_FORM = (
    "ENGINE:METRIC<=LIMIT, e.g. chromium:boot.app_ready<=1.5s or any:size.*.br<=800KB "
    f"(ENGINE: {', '.join(METRIC_ENGINES)} or *; units: {', '.join(LIMIT_UNITS)}; 1 KB = 1000 B)"
)
_METRIC_GLOB = re.compile(r"[a-z0-9_.*?\[\]!-]+")
_LIMIT = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<unit>[A-Za-z]*)")


class BudgetError(WasmblogError):
    """A budget is malformed, matches nothing, or limits a metric in another unit."""


@dataclass(frozen=True)
class Budget:
    engine: str  # an engine, "any", or "*" for every engine
    metric: str  # a metric name or an fnmatch glob
    limit: float  # in `unit`
    unit: str  # the metric's unit: "ms" or "bytes"
    text: str  # as written, for messages

    def matches(self, metric: Metric) -> bool:
        return self.engine in (ALL_ENGINES, metric.engine) and fnmatchcase(metric.name, self.metric)


def parse_budget(text: str) -> Budget:
    """Read one `ENGINE:METRIC<=LIMIT`; BudgetError names the bad part and shows the expected form."""
    try:
        return _parse(text)
    except _Malformed as exc:
        raise BudgetError(f"{exc}.\nExpected {BUDGET_FORM}") from None


class _Malformed(Exception):
    """What is wrong with one budget, without the expected form (a list of them shows it once)."""


def _parse(text: str) -> Budget:
    written = text.strip()

    def bad(problem: str) -> _Malformed:
        return _Malformed(f"bad budget {written!r}: {problem}")

    if not written:
        raise bad("it is empty")
    target, separator, limit_text = written.partition("<=")
    if not separator:
        raise bad("no '<=' between the metric and its limit")
    engine, colon, metric = (part.strip() for part in target.partition(":"))
    if not colon:
        raise bad(f"no engine before the metric (write *:{engine} to limit it on every engine)")
    if engine not in (*METRIC_ENGINES, ALL_ENGINES):
        raise bad(f"unknown engine {engine!r}")
    if not metric:
        raise bad("no metric name between ':' and '<='")
    if not _METRIC_GLOB.fullmatch(metric):
        raise bad(f"metric {metric!r} is not a metric name or glob (lower-case dotted words, * ? [ ])")
    limit = _LIMIT.fullmatch(limit_text.strip())
    if limit is None:
        raise bad(f"limit {limit_text.strip()!r} is not a number followed by a unit")
    written_unit = limit.group("unit")
    if not written_unit:
        raise bad(f"limit {limit_text.strip()!r} has no unit")
    if written_unit not in LIMIT_UNITS:
        raise bad(f"unknown unit {written_unit!r}{_did_you_mean(written_unit)}")
    unit, factor = LIMIT_UNITS[written_unit]
    return Budget(engine=engine, metric=metric, limit=float(limit.group("number")) * factor, unit=unit, text=written)


def _did_you_mean(unit: str) -> str:
    for known in LIMIT_UNITS:
        if known.lower() == unit.lower():
            return f" (units are case-sensitive: did you mean {known!r}?)"
    return ""


def parse_budgets(lines: Iterable[str] | str) -> list[Budget]:
    """Read an ini linelist of budgets, skipping blank lines and `#` comments.

    Every bad line is reported at once, so one run shows everything to fix.
    """
    if isinstance(lines, str):
        lines = lines.splitlines()
    budgets: list[Budget] = []
    problems: list[str] = []
    for line in lines:
        text = line.split("#", 1)[0].strip()  # no metric name has a '#'
        if not text:
            continue
        try:
            budgets.append(_parse(text))
        except _Malformed as exc:
            problems.append(str(exc))
    if problems:
        listed = "".join(f"\n  - {problem}" for problem in problems)
        raise BudgetError(f"{len(problems)} bad budget(s):{listed}\nExpected {BUDGET_FORM}")
    return budgets


@dataclass(frozen=True)
class BudgetRow:
    """One measured metric against one budget that matches it."""

    engine: str
    metric: str
    unit: str
    measured: float  # the metric's median
    limit: float
    budget: Budget

    @property
    def ok(self) -> bool:
        return self.measured <= self.limit


@dataclass(frozen=True)
class BudgetResult:
    rows: tuple[BudgetRow, ...]
    unmatched: tuple[Budget, ...]  # budgets no measured metric matched: typos until proven otherwise

    @property
    def broken(self) -> list[BudgetRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def failed(self) -> bool:
        return bool(self.broken or self.unmatched)

    def problems(self) -> list[str]:
        """One sentence per broken or unmatched budget."""
        return [
            f"{row.engine}:{row.metric} median {format_value(row.measured, row.unit)} is over its budget "
            f"{format_value(row.limit, row.unit)} ({row.budget.text})"
            for row in self.broken
        ] + [
            f"budget {budget.text!r} matches no measured metric: check the engine and metric name "
            "(sizes are engine 'any') against the report"
            for budget in self.unmatched
        ]

    def table(self) -> str:
        """Fixed-width table of measured medians against budgets: broken first, then unmatched, then ok."""
        broken = [row for row in self.rows if not row.ok]
        within = [row for row in self.rows if row.ok]
        cells = [_row_cells(row, "BROKEN") for row in sorted(broken, key=_row_order)]
        cells += [
            [budget.engine, budget.metric, "-", format_value(budget.limit, budget.unit), "UNMATCHED", budget.text]
            for budget in self.unmatched
        ]
        cells += [_row_cells(row, "ok") for row in sorted(within, key=_row_order)]
        if not cells:
            return "no budgets"
        headers = ("engine", "metric", "measured", "budget", "status", "rule")
        return render_table(headers, cells, right_aligned=(2, 3))


def _row_order(row: BudgetRow) -> tuple[str, str, str]:
    return (row.engine, row.metric, row.budget.text)


def _row_cells(row: BudgetRow, status: str) -> list[str]:
    return [
        row.engine,
        row.metric,
        format_value(row.measured, row.unit),
        format_value(row.limit, row.unit),
        status,
        row.budget.text,
    ]


def check(metrics: MetricSet, budgets: Iterable[Budget]) -> BudgetResult:
    """Hold each metric's median against every budget that matches it.

    Raises BudgetError when a budget matches a metric of another unit
    (a time limit on a size): that budget is wrong, not the metric.
    """
    rows: list[BudgetRow] = []
    unmatched: list[Budget] = []
    wrong_unit: list[str] = []
    for budget in budgets:
        matched = [metric for metric in metrics if budget.matches(metric)]
        if not matched:
            unmatched.append(budget)
        for metric in matched:
            if metric.unit != budget.unit:
                wrong_unit.append(
                    f"budget {budget.text!r} limits {budget.unit} but {metric.engine}:{metric.name} "
                    f"is measured in {metric.unit}"
                )
                continue
            rows.append(BudgetRow(metric.engine, metric.name, metric.unit, metric.summary.median, budget.limit, budget))
    if wrong_unit:
        raise BudgetError(
            "budgets in the wrong unit:\n"
            + "\n".join(f"  - {problem}" for problem in wrong_unit)
            + "\nFix: narrow the metric glob, or limit times in ms/s and sizes in B/KB/MB"
        )
    return BudgetResult(tuple(rows), tuple(unmatched))
