"""The conformance suite's host half: examples extracted from docs chunks, compiled, run, classified."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from missing import require_tools

from pytest_wasmblog.bundle.toolchain import find_toolchain
from pytest_wasmblog.conformance import suite


@pytest.fixture(scope="module")
def sample(sample_ebin: Path) -> suite.Suite:
    return suite.extract(["ConformanceSample"], log=lambda _: None, code_paths=[sample_ebin])


def test_examples_are_named_after_their_function_and_number(sample: suite.Suite) -> None:
    assert [e.id for e in sample.examples] == [
        "ConformanceSample #1", "ConformanceSample #2", "ConformanceSample #3",
        "ConformanceSample.double/1 #1", "ConformanceSample.double/1 #2", "ConformanceSample.double/1 #3",
        "ConformanceSample.double/1 #4",
        "ConformanceSample.vary/1 #1", "ConformanceSample.vary/1 #2", "ConformanceSample.vary/1 #3",
        "ConformanceSample.vary/1 #4", "ConformanceSample.vary/1 #5", "ConformanceSample.vary/1 #6",
    ]


def test_adjacent_prompts_share_bindings_and_each_shown_result_is_observed(sample: suite.Suite) -> None:
    shared = sample.by_id["ConformanceSample #2"]
    assert shared.klass == "compared"
    assert shared.host == (("value", '["i","7"]'), ("value", '["i","12"]'), ("returned",))
    assert "iex> x + 1" in shared.source and "12" in shared.source


def test_numbered_prompts_and_continuation_lines(sample: suite.Suite) -> None:
    assert sample.by_id["ConformanceSample #3"].host == (("value", '["i","10"]'), ("returned",))


def test_exceptions_inspect_forms_and_fences(sample: suite.Suite) -> None:
    raised = sample.by_id["ConformanceSample.double/1 #2"]
    assert raised.klass == "compared"
    assert raised.host[0] == ("raise", "Elixir.ArithmeticError", "bad argument in arithmetic expression")
    mapset = sample.by_id["ConformanceSample.double/1 #3"]
    assert mapset.klass == "compared" and mapset.host[0][0] == "value"
    fenced = sample.by_id["ConformanceSample.double/1 #4"]
    assert fenced.host == (("value", '["i","8"]'), ("returned",))


@pytest.mark.parametrize(("example", "klass", "reason"), [
    ("ConformanceSample.vary/1 #1", "host_fails", "expected 5, got 4"),
    ("ConformanceSample.vary/1 #2", "does_not_compile", "undefined function h/1"),
    ("ConformanceSample.vary/1 #3", "prints", "output"),
    ("ConformanceSample.vary/1 #4", "compared", ""),
    ("ConformanceSample.vary/1 #5", "random", "differs between two runs"),
    ("ConformanceSample.vary/1 #6", "compared", ""),
])
def test_examples_are_classified(sample: suite.Suite, example: str, klass: str, reason: str) -> None:
    found = sample.by_id[example]
    assert (found.klass, reason in found.reason) == (klass, True), found.reason


def test_printed_output_is_an_observation(sample: suite.Suite) -> None:
    assert ("output", "hello\n") in sample.by_id["ConformanceSample.vary/1 #3"].host


def test_examples_are_grouped_as_exunit_groups_them() -> None:
    """The same number of examples per module as ExUnit's own doctest extraction finds."""
    require_tools("elixir")
    modules = ("Enum", "String", "Kernel", "Keyword", "Date", "Access")
    ours = suite.extract(modules, log=lambda _: None)
    script = 'for m <- System.argv(), do: IO.puts("#{m} #{length(ExUnit.DocTest.__doctests__(Module.concat([m]), []))}")'
    elixir = str(Path(find_toolchain().elixirc).with_name("elixir"))
    output = subprocess.run([elixir, "-e", script, "--", *modules], check=True, capture_output=True, text=True).stdout
    exunit = {name: int(n) for name, n in (line.split() for line in output.splitlines() if line)}
    mine = {m: sum(1 for e in ours.examples if e.module == m) for m in modules}
    assert mine == exunit


def test_the_whole_suite_extracts_the_issue_s_modules() -> None:
    require_tools("elixir")
    whole = suite.extract(log=lambda _: None)
    counts = whole.counts()
    assert set(whole.modules) == set(suite.MODULES) and len(suite.MODULES) == 32
    assert len(whole.examples) > 1500
    # Nearly every documented example works on the host; those that do not are classified, not dropped.
    assert counts["compared"] > 0.9 * len(whole.examples)
    assert sum(counts.values()) == len(whole.examples)
    assert all(e.reason for e in whole.examples if not e.checked)


def test_a_module_name_that_is_not_an_alias_is_refused() -> None:
    with pytest.raises(suite.ConformanceBuildError, match="not Elixir module names: lists"):
        suite.extract(["lists"], log=lambda _: None)
