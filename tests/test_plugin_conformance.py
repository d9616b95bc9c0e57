"""`pytest --wasm-conformance` run the way a user runs it (pytester, in a subprocess), on a documented
module of this repository's own (tests/conformance_sample) so every outcome is known in advance:
examples that pass, the host's classes, and one that kills the VM in the browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

KILLER = "ConformanceSample.vary/1 #6"  # calls :erl_eval, which no bundle holds


def run(pytester: pytest.Pytester, ebin: Path, known: str, *args: str) -> pytest.RunResult:
    (pytester.path / "known.toml").write_text(known)
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--wasm-conformance", "--wasm-conformance-modules=ConformanceSample",
        f"--wasm-conformance-ebin={ebin}", "--wasm-conformance-known=known.toml",
        "--wasm-conformance-report=report.json", "-m", "wasm_conformance", "-rA", *args, timeout=600)


def test_examples_run_on_the_host_and_in_the_vm(pytester: pytest.Pytester, sample_ebin: Path) -> None:
    result = run(pytester, sample_ebin, f'["{KILLER}"]\nreason = "erl_eval is not in any bundle"\n')
    # 13 examples x (host, chromium): 11 pass on the host, 2 are classified (skips) in each place, and the
    # example that kills the VM is the one known failure; the examples after it ran on a new VM.
    result.assert_outcomes(passed=21, skipped=4, xfailed=1)
    result.stdout.fnmatch_lines([
        "*wasmblog conformance*",
        "*: 13 examples from 1 modules",
        ("  host: 11 pass (9 compared exactly, 1 with their output, 1 by shape as they vary); 1 fail on the host; "
        "1 are not valid code outside IEx"),
        "  chromium: 10 of 11 pass in the VM (90.9%); 1 known failures, 0 new; * s",
    ])
    result.stdout.fnmatch_lines(["PASSED conformance::ConformanceSample.double/1 #2[[]chromium[]]"])
    result.stdout.fnmatch_lines(["SKIPPED [[]2[]] *: host_fails on the host: *expected 5, got 4"])
    result.stdout.fnmatch_lines([f"XFAIL conformance::{KILLER}[[]chromium[]] - erl_eval is not in any bundle"])
    report = json.loads((pytester.path / "report.json").read_text())
    assert report["summary"]["engines"]["chromium"] | {"seconds": 0} == {
        "checked": 11, "passed": 10, "failed_known": 1, "failed_new": 0, "rate": 0.9091, "seconds": 0}
    killed = next(e for e in report["examples"] if e["id"] == KILLER)["engines"]["chromium"]
    assert (killed["vm"], killed["pytest"]) == ("failed", "xfailed")
    assert "the VM died running it" in killed["detail"] and "erl_eval cannot be resolved" in killed["detail"]


def test_an_unexpected_difference_fails_with_both_sides_and_the_example(pytester: pytest.Pytester,
                                                                        sample_ebin: Path) -> None:
    result = run(pytester, sample_ebin, "", "-k", "vary and chromium")
    result.assert_outcomes(passed=3, skipped=2, failed=1)
    result.stdout.fnmatch_lines([
        f"*{KILLER} on chromium: the VM died running it: Warning: module erl_eval cannot be resolved*",
        "*the example, from the docs of ConformanceSample.vary/1:",
        "*iex> ConformanceSample.eval(1)",
        "*chromium: 3 of 4 pass in the VM (75.0%); 0 known failures, 1 new*",
    ])


def test_a_fixed_known_failure_fails_the_run(pytester: pytest.Pytester, sample_ebin: Path) -> None:
    """Known failures are strict: one that passes must leave the list (and docs/compatibility.md)."""
    known = '["ConformanceSample.double/1 #1"]\nreason = "listed by mistake"\n'
    result = run(pytester, sample_ebin, known, "-k", "double and chromium")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*XPASS(strict)*listed by mistake*"])


def test_bad_options_are_usage_errors(pytester: pytest.Pytester, tmp_path: Path) -> None:
    result = pytester.runpytest_subprocess("--wasm-conformance", "--wasm-conformance-modules=lists", timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--wasm-conformance-modules takes Elixir module names like Enum,Map, not 'lists'*"])
    result = pytester.runpytest_subprocess("--wasm-conformance", f"--wasm-conformance-ebin={tmp_path / 'nope'}",
                                           timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--wasm-conformance-ebin: no such folder: *nope*"])
