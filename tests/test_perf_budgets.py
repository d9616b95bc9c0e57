"""Fixed limits on medians (pytest_wasmblog.perf.budgets)."""

from __future__ import annotations

import re

import pytest

from pytest_wasmblog.perf.budgets import (
    Budget,
    BudgetError,
    check,
    parse_budget,
    parse_budgets,
)
from pytest_wasmblog.perf.metrics import MetricSet


def measured() -> MetricSet:
    metrics = MetricSet()
    for value in (900, 1000, 1100):
        metrics.add("chromium", "boot.app_ready", "ms", value)
    metrics.add("firefox", "boot.app_ready", "ms", 1600)
    metrics.add("chromium", "call.round_trip", "ms", 3)
    metrics.add("any", "size.bundle.avm.br", "bytes", 600_000)
    metrics.add("any", "size.total.br", "bytes", 900_000)
    metrics.add("any", "size.total.raw", "bytes", 4_000_000)
    return metrics


@pytest.mark.parametrize(
    ("text", "limit", "unit"),
    [
        ("chromium:boot.app_ready<=1500ms", 1500.0, "ms"),
        ("chromium:boot.app_ready<=1.5s", 1500.0, "ms"),
        ("chromium:boot.app_ready<=.25s", 250.0, "ms"),
        ("*:size.total.br<=512B", 512.0, "bytes"),
        ("*:size.total.br<=800KB", 800_000.0, "bytes"),  # decimal: 1 KB = 1000 B
        ("*:size.total.br<=1.2MB", 1_200_000.0, "bytes"),
        ("  any : size.*.br <= 2 MB ", 2_000_000.0, "bytes"),
    ],
)
def test_limits_are_converted_to_the_metric_unit(text: str, limit: float, unit: str) -> None:
    budget = parse_budget(text)
    assert budget.limit == pytest.approx(limit) and budget.unit == unit
    assert budget.text == text.strip()


def test_parsed_budget_parts() -> None:
    assert parse_budget("webkit:boot.*<=2s") == Budget("webkit", "boot.*", 2000.0, "ms", "webkit:boot.*<=2s")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "it is empty"),
        ("chromium:boot.app_ready<1s", "no '<=' between the metric and its limit"),
        ("chromium:boot.app_ready>=1s", "no '<='"),
        ("boot.app_ready<=1s", "no engine before the metric (write *:boot.app_ready"),
        ("chrome:boot.app_ready<=1s", "unknown engine 'chrome'"),
        ("chromium:<=1s", "no metric name"),
        ("chromium:Boot.App<=1s", "metric 'Boot.App' is not a metric name or glob"),
        ("chromium:boot.app_ready<=1500", "limit '1500' has no unit"),
        ("chromium:boot.app_ready<=", "limit '' is not a number followed by a unit"),
        ("chromium:boot.app_ready<=-5ms", "limit '-5ms' is not a number"),
        ("chromium:boot.app_ready<=1,5s", "limit '1,5s' is not a number"),
        ("chromium:boot.app_ready<=1s<=2s", "limit '1s<=2s' is not a number"),
        ("chromium:boot.app_ready<=1min", "unknown unit 'min'"),
        ("*:size.total.br<=800kb", "unknown unit 'kb' (units are case-sensitive: did you mean 'KB'?)"),
        ("*:size.total.br<=1KiB", "unknown unit 'KiB'"),
    ],
)
def test_parse_errors_name_the_bad_part_and_show_the_form(text: str, problem: str) -> None:
    with pytest.raises(BudgetError) as caught:
        parse_budget(text)
    message = str(caught.value)
    assert message.startswith(f"bad budget {text.strip()!r}: {problem}")
    assert "Expected ENGINE:METRIC<=LIMIT, e.g. chromium:boot.app_ready<=1.5s" in message
    assert "1 KB = 1000 B" in message


def test_budget_lines_skip_blanks_and_comments() -> None:
    budgets = parse_budgets(
        [
            "# boot must stay snappy",
            "",
            "chromium:boot.app_ready<=1.5s  # measured on CI",
            "   ",
            "any:size.*.br<=800KB",
        ]
    )
    assert [budget.text for budget in budgets] == ["chromium:boot.app_ready<=1.5s", "any:size.*.br<=800KB"]


def test_budget_lines_may_be_one_string() -> None:
    assert len(parse_budgets("chromium:boot.app_ready<=1.5s\n\n*:call.*<=10ms\n")) == 2


def test_every_bad_line_is_reported_once_with_the_form_once() -> None:
    with pytest.raises(BudgetError) as caught:
        parse_budgets(["chrome:boot.app_ready<=1s", "chromium:boot.app_ready<=1s", "*:size.total.br<=1kb"])
    message = str(caught.value)
    assert message.startswith("2 bad budget(s):\n  - bad budget 'chrome:boot.app_ready<=1s': unknown engine")
    assert "\n  - bad budget '*:size.total.br<=1kb': unknown unit 'kb'" in message
    assert message.count("Expected ENGINE:METRIC<=LIMIT") == 1


def test_budgets_within_limits_pass() -> None:
    result = check(measured(), parse_budgets(["chromium:boot.app_ready<=1s", "any:size.total.br<=900KB"]))
    assert not result.failed and result.broken == [] and result.unmatched == ()
    assert [(row.engine, row.metric, row.measured, row.limit, row.ok) for row in result.rows] == [
        ("chromium", "boot.app_ready", 1000.0, 1000.0, True),  # the median, not the slowest sample
        ("any", "size.total.br", 900_000.0, 900_000.0, True),
    ]


def test_a_median_over_its_limit_breaks_the_budget() -> None:
    result = check(measured(), parse_budgets(["chromium:boot.app_ready<=999ms"]))
    assert result.failed
    assert [(row.metric, row.measured) for row in result.broken] == [("boot.app_ready", 1000.0)]
    assert result.problems() == [
        "chromium:boot.app_ready median 1000.0 ms is over its budget 999.0 ms (chromium:boot.app_ready<=999ms)"
    ]


def test_globs_and_the_star_engine_match_several_metrics() -> None:
    result = check(measured(), parse_budgets(["*:boot.*<=1.5s", "*:size.*.br<=800KB"]))
    assert [(row.engine, row.metric, row.ok) for row in result.rows] == [
        ("chromium", "boot.app_ready", True),
        ("firefox", "boot.app_ready", False),
        ("any", "size.bundle.avm.br", True),
        ("any", "size.total.br", False),
    ]


def test_an_engine_budget_does_not_match_other_engines() -> None:
    result = check(measured(), parse_budgets(["firefox:boot.app_ready<=2s"]))
    assert [(row.engine, row.measured) for row in result.rows] == [("firefox", 1600.0)]


def test_a_budget_that_matches_nothing_is_an_error() -> None:
    budgets = parse_budgets(["chromium:boot.app_redy<=1s", "webkit:boot.*<=1s", "chromium:size.total.br<=1MB"])
    result = check(measured(), budgets)
    assert result.failed and result.broken == []
    assert [budget.text for budget in result.unmatched] == [budget.text for budget in budgets]
    assert result.problems()[0] == (
        "budget 'chromium:boot.app_redy<=1s' matches no measured metric: "
        "check the engine and metric name (sizes are engine 'any') against the report"
    )


def test_a_time_limit_on_a_size_is_an_error() -> None:
    with pytest.raises(BudgetError, match=re.escape("budget '*:*<=5s' limits ms but any:size.bundle.avm.br is")):
        check(measured(), parse_budgets(["*:*<=5s"]))


def test_table_lists_broken_budgets_first() -> None:
    budgets = parse_budgets(["*:boot.*<=1.5s", "any:size.total.raw<=3MB", "webkit:boot.app_ready<=1s"])
    header, rule, *rows = check(measured(), budgets).table().splitlines()
    assert header.split() == ["engine", "metric", "measured", "budget", "status", "rule"]
    assert [row.split() for row in rows] == [
        ["any", "size.total.raw", "4.00", "MB", "3.00", "MB", "BROKEN", "any:size.total.raw<=3MB"],
        ["firefox", "boot.app_ready", "1600.0", "ms", "1500.0", "ms", "BROKEN", "*:boot.*<=1.5s"],
        ["webkit", "boot.app_ready", "-", "1000.0", "ms", "UNMATCHED", "webkit:boot.app_ready<=1s"],
        ["chromium", "boot.app_ready", "1000.0", "ms", "1500.0", "ms", "ok", "*:boot.*<=1.5s"],
    ]
    # fixed width: every row's status starts in the same column
    assert {row.index(f" {row.split()[-2]} ") + 1 for row in rows} == {header.index("status")}
    assert header.index("rule") == rule.rindex(" ") + 1


def test_no_budgets() -> None:
    result = check(measured(), [])
    assert not result.failed and result.table() == "no budgets"
