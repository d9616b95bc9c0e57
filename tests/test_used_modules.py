"""The editable list of modules a recorded run loaded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pytest_wasmblog.bundle.used_modules import UsedModulesError, read, render, write

WHEN = datetime(2026, 11, 26, tzinfo=UTC)


def test_render_lists_each_module_once_and_notes_engine_only_ones() -> None:
    text = render({"chromium": {"Elixir.Enum", "lists"}, "webkit": {"Elixir.Enum", "maps"}}, WHEN)
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines == ["Elixir.Enum", "lists  # only chromium", "maps  # only webkit"]
    assert "chromium, webkit (2026-11-26)" in text


def test_what_is_written_reads_back_and_comments_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "modules.txt", {"firefox": {"Elixir.Enum", "lists"}, "chromium": {"lists"}}, WHEN)
    assert read(path) == frozenset({"Elixir.Enum", "lists"})
    path.write_text(path.read_text() + "\n   # a note\nElixir.Extra   # added by hand\n\n")
    assert read(path) == frozenset({"Elixir.Enum", "lists", "Elixir.Extra"})


@pytest.mark.parametrize("line", ["Elixir.Enum lists", "lib/enum.ex"])
def test_a_line_that_is_not_a_module_name_is_refused_with_its_line_number(tmp_path: Path, line: str) -> None:
    path = tmp_path / "modules.txt"
    path.write_text(f"# header\nlists\n{line}\n")
    with pytest.raises(UsedModulesError, match=r"modules.txt:3: .* is not a module name; write one module per line"):
        read(path)
