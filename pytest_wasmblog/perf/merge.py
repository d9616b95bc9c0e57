"""One report from the reports of a sharded run (`wasmblog merge-reports`): the shards ran disjoint
tests, so their samples add up to what one unsharded run would have measured."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .metrics import MetricError, MetricSet
from .report import Report, ReportError, build_report, report_metrics


def merge_reports(reports: Sequence[tuple[str, Report]]) -> Report:
    """The shards' reports (each named by where it came from, for errors) merged into one valid report.

    Samples of the same metric are pooled; run counts add up; the run failed if any shard failed.
    An engine measured by two shards must be the same browser build in both, or the pooled times
    would mix two browsers: that is an error, not a merge.
    """
    if not reports:
        raise ReportError("no reports to merge", fix="name the shards' --wasm-report files")
    metrics = MetricSet()
    engines: dict[str, Mapping[str, str]] = {}
    engine_source: dict[str, str] = {}
    counts: dict[str, int] = {}
    failed = False
    for source, report in reports:
        try:
            metrics.extend(report_metrics(report))
        except MetricError as exc:
            raise ReportError(f"cannot merge {source}: {exc}",
                              fix="merge reports of the same suite and plugin version") from None
        for engine, facts in report["engines"].items():
            known = engines.get(engine)
            if known is not None and dict(known) != dict(facts):
                raise ReportError(
                    f"cannot merge {source}: it measured {engine} with {facts.get('description')!r}, but "
                    f"{engine_source[engine]} with {known.get('description')!r}",
                    fix="run every shard with the same browser builds (the same CI image)")
            engines.setdefault(engine, facts)
            engine_source.setdefault(engine, source)
        for key, value in report["run"]["counts"].items():
            counts[key] = counts.get(key, 0) + int(value)
        failed = failed or report["run"]["outcome"] == "failed"
    machine: dict[str, Any] = dict(reports[0][1]["machine"])  # shards run on one kind of CI machine
    return build_report(metrics, engines, "failed" if failed else "passed", counts, machine=machine)
