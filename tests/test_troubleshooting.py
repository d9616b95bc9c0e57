"""The README's troubleshooting section is generated from the plugin's real error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_wasmblog import troubleshooting
from pytest_wasmblog.cli import main
from pytest_wasmblog.errors import WasmblogError

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_section_is_what_the_errors_say_now() -> None:
    text = README.read_text()
    assert troubleshooting.replace_section(text, troubleshooting.render()) == text, (
        "README.md's troubleshooting section is stale: run `python -m pytest_wasmblog troubleshooting README.md`")


@pytest.mark.parametrize("fault", troubleshooting.FAULTS, ids=lambda fault: fault.symptom)
def test_every_fault_is_one_of_the_plugins_errors_and_says_what_to_do(fault: troubleshooting.Fault) -> None:
    error = fault.produce()
    assert isinstance(error, WasmblogError), f"{type(error).__name__}: {error}"
    text = troubleshooting.message(error).lower()
    assert any(word in text for word in ("fix", "pass ", "rebuild", "known profiles", "use ")), text


def test_run_specific_values_become_placeholders() -> None:
    text = troubleshooting.message(ValueError("cannot serve /tmp/tmpab_12 on 127.0.0.1:43123: free port 43123 "
                                              "or use port 0"))
    assert text == "cannot serve SITE on 127.0.0.1:PORT: free port PORT or use port 0"


def test_a_readme_without_markers_is_refused_with_the_markers_to_add() -> None:
    with pytest.raises(WasmblogError, match="no troubleshooting markers"):
        troubleshooting.replace_section("# A README\n", "section")


def test_the_command_checks_and_rewrites_only_the_section(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{troubleshooting.BEGIN}\nold text\n{troubleshooting.END}\n\n## After\n")
    assert main(["troubleshooting", str(readme), "--check"]) == 1
    assert "old text" in readme.read_text()
    assert main(["troubleshooting", str(readme)]) == 0
    rewritten = readme.read_text()
    assert rewritten.startswith("# Title\n\n") and rewritten.endswith("\n\n## After\n")
    assert "**A 10 MB payload** (`PayloadTooLargeError`)" in rewritten and "old text" not in rewritten
    assert main(["troubleshooting", str(readme), "--check"]) == 0
