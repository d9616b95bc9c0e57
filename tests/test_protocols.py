"""Which packed modules are protocols and implementations, and consolidating them with Elixir itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pytest_wasmblog.bundle import beam, protocols, sources
from pytest_wasmblog.bundle.closure import ModuleSource
from pytest_wasmblog.bundle.toolchain import find_toolchain


def _module(name: str, *exports: tuple[str, int]) -> ModuleSource:
    return ModuleSource(name, "app", beam.BeamInfo(name, [name], [], list(exports), []), f"/nowhere/{name}.beam")


PROTOCOL = ("__protocol__", 1)
IMPL = ("__impl__", 1)


def test_an_implementation_belongs_to_the_longest_protocol_name_it_starts_with() -> None:
    modules = {m.name: m for m in [
        _module("Elixir.A", PROTOCOL), _module("Elixir.A.B", PROTOCOL),
        _module("Elixir.A.List", IMPL), _module("Elixir.A.B.Map", IMPL), _module("Elixir.A.B.My.Struct", IMPL),
        _module("Elixir.A.Helper", ("run", 0)),  # not an implementation
    ]}
    assert protocols.implementations(modules, modules) == {
        "Elixir.A.B": ["Elixir.Map", "Elixir.My.Struct"], "Elixir.A": ["Elixir.List"]}
    assert protocols.implementations(["Elixir.A.List"], modules) == {}  # no protocol packed: nothing to do


def test_consolidated_protocols_dispatch_through_the_packed_implementations_only(tmp_path: Path) -> None:
    tools = find_toolchain()
    library = sources.library_modules(tools)
    packed = ["Elixir.String.Chars", "Elixir.String.Chars.Atom", "Elixir.String.Chars.Integer"]
    out = protocols.consolidate(tools, packed, library, library)
    assert set(out) == {"Elixir.String.Chars"}
    check = (f'{{:module, _}} = :code.load_abs(~c"{out["Elixir.String.Chars"].with_suffix("")}");'
             'true = Protocol.consolidated?(String.Chars);'
             'IO.puts(String.Chars.impl_for(:a) == String.Chars.Atom);'
             'IO.puts(inspect(String.Chars.impl_for(1.5)))')
    elixir = str(Path(tools.elixirc).with_name("elixir"))
    done = subprocess.run([elixir, "-e", check], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    # Float's implementation was not packed: the consolidated protocol has no entry for it.
    assert done.stdout.split() == ["true", "nil"]


@pytest.fixture(autouse=True)
def _isolated_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WASMBLOG_CACHE", str(tmp_path / "cache"))
