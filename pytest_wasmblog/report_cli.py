"""`wasmblog merge-reports` and `wasmblog check-report`: the sharded run's reports merged into one,
then held against a committed baseline and budgets, as a CI's final job does."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from pytest_wasmblog.perf.baseline import DEFAULT_RELATIVE, compare, load_baseline
from pytest_wasmblog.perf.budgets import check, parse_budgets
from pytest_wasmblog.perf.merge import merge_reports
from pytest_wasmblog.perf.report import ReportError, read_report, report_metrics, write_report


def add_commands(commands: Any) -> None:
    merge = commands.add_parser("merge-reports", help="merge the --wasm-report files of a sharded run into one report")
    merge.add_argument("out", type=Path, help="the merged report to write")
    merge.add_argument("reports", type=Path, nargs="+", help="the shards' reports")
    check_report = commands.add_parser("check-report", help="hold a report against a baseline and budgets "
                                       "(exit 1 on a regression or a broken budget)")
    check_report.add_argument("report", type=Path)
    check_report.add_argument("--baseline", type=Path, metavar="PATH", help="a report saved with --wasm-save-baseline")
    check_report.add_argument("--tolerance", type=float, default=DEFAULT_RELATIVE,
                              help="relative slow-down the baseline comparison allows (default %(default)s)")
    check_report.add_argument("--budgets", type=Path, metavar="PATH",
                              help="a file of budgets, one per line, as in the wasm_budgets ini option")
    check_report.add_argument("--budget", action="append", default=[], metavar="RULE",
                              help="one budget, e.g. 'chromium:boot.app_ready<=1.5s' (repeatable)")


def run_merge(args: argparse.Namespace) -> int:
    if args.out.resolve() in {path.resolve() for path in args.reports}:
        raise ReportError(f"{args.out} is one of the reports to merge", fix="write the merged report to a new file")
    merged = merge_reports([(str(path), read_report(path)) for path in args.reports])
    write_report(args.out, merged)
    counts = merged["run"]["counts"]
    print(f"wrote {args.out}: {len(args.reports)} reports, {len(merged['metrics'])} metrics, "
          f"{counts['passed']} passed, {counts['failed']} failed, run {merged['run']['outcome']}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    if args.baseline is None and args.budgets is None and not args.budget:
        raise ReportError("nothing to check the report against",
                          fix="give --baseline PATH, --budgets PATH or --budget RULE")
    if not (math.isfinite(args.tolerance) and args.tolerance >= 0):
        raise ReportError(f"--tolerance {args.tolerance}: give a number >= 0 (0.10 allows 10%)")
    report = read_report(args.report)
    failed = False
    if args.baseline is not None:
        comparison = compare(report, load_baseline(args.baseline), relative=args.tolerance)
        print(f"baseline {args.baseline}: "
              f"{f'{len(comparison.regressions)} regression(s)' if comparison.failed else 'no regression'}")
        print(comparison.table())
        failed = failed or comparison.failed
    lines = list(args.budget)
    if args.budgets is not None:
        try:
            lines += args.budgets.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ReportError(f"--budgets {args.budgets}: cannot read it ({exc.strerror or exc})") from None
    if lines:
        result = check(report_metrics(report), parse_budgets(lines))
        print("\n".join(result.problems()) if result.failed else "budgets: all met")
        print(result.table())
        failed = failed or result.failed
    return 1 if failed else 0
