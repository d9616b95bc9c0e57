"""Comparing an example's VM observations with the host's, and saying how they differ."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from pytest_wasmblog.conformance import known
from pytest_wasmblog.conformance.compare import compare, describe, render, shape
from pytest_wasmblog.conformance.suite import Example
from pytest_wasmblog.conformance.vm_runner import VMResult


def value(canonical: object) -> tuple[str, str]:
    return ("value", json.dumps(canonical, separators=(",", ":")))


def example(klass: str, host: tuple[tuple[str, ...], ...]) -> Example:
    return Example(id="Enum.map/2 #1", module="Enum", doc="Enum.map/2", number=1, line=1, source="iex> ...",
                   klass=klass, reason="", vm_module="Elixir.WasmblogConformance.Examples.Enum",
                   vm_function="example_1", host=host)


def float_bits(number: float) -> str:
    return str(int.from_bytes(struct.pack(">d", number), "big"))


@pytest.mark.parametrize(("canonical", "text"), [
    (["i", "123456789012345678901234567890"], "123456789012345678901234567890"),
    (["f", float_bits(0.1)], "0.1"),
    (["f", float_bits(-0.0)], "-0.0"),
    (["a", "ok"], ":ok"), (["a", "nil"], "nil"), (["a", "Elixir.Enum"], "Enum"),
    (["a", "with space"], ':"with space"'),
    (["s", "é\n"], '"é\\n"'),
    (["l", [["i", "1"], ["i", "2"]]], "[1, 2]"),
    (["l", [["i", "1"]], ["i", "2"]], "[1 | 2]"),
    (["t", [["a", "ok"], ["s", "x"]]], '{:ok, "x"}'),
    (["m", [[["a", "a"], ["i", "1"]]]], "%{:a => 1}"),
    (["fun", "Elixir.Enum", "map", "2"], "&Enum.map/2"),
    (["fun", "1"], "#Function<arity 1>"),
    (["pid"], "#Pid<>"),
    (["big", "9000", "12345"], "(a value of 9000 bytes of canonical JSON, crc32 12345)"),
])
def test_render_writes_terms_in_elixir_notation(canonical: list[object], text: str) -> None:
    assert render(canonical) == text


def test_equal_observations_pass_and_a_difference_names_both_sides() -> None:
    host = (value(["l", [["i", "2"], ["i", "4"]]]), ("returned",))
    assert compare(example("compared", host), VMResult(host)).passed
    verdict = compare(example("compared", host), VMResult((value(["l", [["i", "2"]]]), ("returned",))))
    assert not verdict.passed
    assert verdict.detail == "result 1 differs:\n  host: [2, 4]\n  VM:   [2]"


def test_an_exception_is_a_result_with_module_and_message() -> None:
    host = (("raise", "Elixir.ArgumentError", "bad"), ("returned",))
    verdict = compare(example("compared", host), VMResult((("raise", "Elixir.ArgumentError", "worse"), ("returned",))))
    assert not verdict.passed
    assert "** (ArgumentError) bad" in verdict.detail and "** (ArgumentError) worse" in verdict.detail


def test_a_missing_observation_and_a_crash_are_failures() -> None:
    host = (value(["i", "1"]), value(["i", "2"]), ("returned",))
    short = compare(example("compared", host), VMResult((value(["i", "1"]), ("timeout", "5000"))))
    assert "result 2 differs" in short.detail and "still running after 5000 ms" in short.detail
    crashed = compare(example("compared", host), VMResult(crash="Aborted(segmentation fault)"))
    assert crashed == crashed.__class__(False, "the VM died running it: Aborted(segmentation fault)")


def test_varying_examples_are_compared_by_shape() -> None:
    host = (value(["t", [["a", "ok"], ["i", "17"], ["s", "a"]]]), ("returned",))
    same_shape = (value(["t", [["a", "ok"], ["i", "99"], ["s", "zz"]]]), ("returned",))
    other_atom = (value(["t", [["a", "error"], ["i", "99"], ["s", "zz"]]]), ("returned",))
    assert compare(example("random", host), VMResult(same_shape)).passed
    assert not compare(example("random", host), VMResult(other_atom)).passed
    assert not compare(example("compared", host), VMResult(same_shape)).passed
    assert shape(("raise", "Elixir.KeyError", "key 3 not found")) == shape(("raise", "Elixir.KeyError", "key 4"))


def test_describe_each_ending() -> None:
    assert describe(("uncaught", "error", "Elixir.KeyError", "key :a not found")) == \
        "uncaught error: KeyError key :a not found"
    assert describe(("uncaught", "throw", '["a","x"]', "")) == "uncaught throw: :x"
    assert describe(("died", '["a","killed"]')) == "the example's process died: :killed"
    assert describe(("output", "hi\n")) == "printed 'hi\\n'"
    assert describe(None) == "(nothing)"


@pytest.mark.parametrize(("text", "problem"), [
    ('["Enum.map/2 #1"]\nengines = ["webkit"]\n', "needs reason"),
    ('["Enum.map/2 #1"]\nreason = "x"\nengines = ["safari"]\n', "engines must list some of"),
    ('["Enum.map/2 #1"]\nreason = "x"\nstrict = "yes"\n', "strict must be true or false"),
    ('["Enum.map/2 #1"]\nreason = "x"\nwhy = "y"\n', "unknown keys why"),
    ('["Enum.map/2 #1"\n', "not valid TOML"),
])
def test_known_failures_are_checked(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "known.toml"
    path.write_text(text)
    with pytest.raises(known.KnownFailuresError, match=problem):
        known.load(path)


def test_known_failures_apply_to_their_engines(tmp_path: Path) -> None:
    path = tmp_path / "known.toml"
    path.write_text('["Float.round/2 #1"]\nreason = "bitstrings"\nengines = ["webkit"]\nstrict = false\n')
    entry = known.load(path)["Float.round/2 #1"]
    assert (entry.applies_to("webkit"), entry.applies_to("chromium"), entry.strict) == (True, False, False)
    assert known.load(tmp_path / "absent.toml") == {}
