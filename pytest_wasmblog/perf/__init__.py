"""Performance regression checks that need no browser: metrics, reports, baselines and budgets.

metrics.py  samples per (engine, name) and their summary (median, p95, min, max, n)
report.py   the JSON report of a run, its schema (report.schema.json), atomic writes
baseline.py a run's medians against a saved baseline, with a noise-aware threshold
budgets.py  fixed limits such as `chromium:boot.app_ready<=1.5s`
"""

from __future__ import annotations

from .baseline import (
    BaselineError,
    Change,
    Comparison,
    compare,
    load_baseline,
    save_baseline,
)
from .budgets import (
    Budget,
    BudgetError,
    BudgetResult,
    BudgetRow,
    check,
    parse_budget,
    parse_budgets,
)
from .metrics import ANY_ENGINE, Metric, MetricError, MetricSet, Summary, summarize
from .report import (
    ReportError,
    build_report,
    machine_facts,
    read_report,
    report_schema,
    validate_report,
    write_report,
)

__all__ = [
    "ANY_ENGINE",
    "BaselineError",
    "Budget",
    "BudgetError",
    "BudgetResult",
    "BudgetRow",
    "Change",
    "Comparison",
    "Metric",
    "MetricError",
    "MetricSet",
    "ReportError",
    "Summary",
    "build_report",
    "check",
    "compare",
    "load_baseline",
    "machine_facts",
    "parse_budget",
    "parse_budgets",
    "read_report",
    "report_schema",
    "save_baseline",
    "summarize",
    "validate_report",
    "write_report",
]
