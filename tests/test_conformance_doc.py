"""docs/compatibility.md: generated from the suite and the known failures, and kept current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from missing import require_tools

from pytest_wasmblog.cli import main
from pytest_wasmblog.conformance import compat_doc
from pytest_wasmblog.conformance.known import KnownFailure
from pytest_wasmblog.conformance.suite import Example, Suite

DOC = Path(__file__).parent.parent / "docs" / "compatibility.md"


def example(example_id: str, module: str, klass: str = "compared", reason: str = "") -> Example:
    return Example(id=example_id, module=module, doc=example_id.split(" #")[0], number=1, line=1, source="",
                   klass=klass, reason=reason, vm_module="", vm_function="example_1", host=())


SUITE = Suite(Path("/nowhere"), "1.14.0", "25", ("Enum", "Float"), (
    example("Enum.map/2 #1", "Enum"), example("Enum.map/2 #2", "Enum"),
    example("Float.round/2 #1", "Float"), example("Float.round/2 #2", "Float"),
    example("Enum.x/1 #1", "Enum", "host_fails", "the host differs from the docs: expected 5, got 4"),
))


def test_rates_and_failures_come_from_the_known_failures() -> None:
    known = {"Float.round/2 #1": KnownFailure("Float.round/2 #1", "bitstrings of 1 bit | 11 bits"),
             "Enum.map/2 #2": KnownFailure("Enum.map/2 #2", "only here", ("webkit",))}
    text = compat_doc.render(SUITE, known, "measured: 9 s")
    assert "| chromium | 4 | 3 | 75.0% | 1 |" in text
    assert "| webkit | 4 | 2 | 50.0% | 2 |" in text
    assert "### Float\n\n| example | engines | why |\n| --- | --- | --- |\n" \
           "| `Float.round/2 #1` | all | bitstrings of 1 bit \\| 11 bits |" in text
    assert "| `Enum.map/2 #2` | webkit | only here |" in text
    assert "| `Enum.x/1 #1` | host_fails | the host differs from the docs: expected 5, got 4 |" in text
    assert compat_doc.current_times(text) == "measured: 9 s"


def test_nothing_failing_says_so() -> None:
    assert "Nothing: every example that passes on the host passes in the VM." in compat_doc.render(SUITE, {}, "")


def test_times_come_from_a_run_report(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"summary": {"engines": {"webkit": {"checked": 4, "seconds": 61.4},
                                                          "chromium": {"checked": 4, "seconds": 9.6}}}}))
    times = compat_doc.times_from_report(report)
    assert times.endswith("| chromium | 4 | 10 s |\n| webkit | 4 | 61 s |")


def test_the_committed_document_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    require_tools("elixir")
    code = main(["compatibility", str(DOC), "--check"])
    assert code == 0, capsys.readouterr().err
