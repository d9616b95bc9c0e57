"""Protocol consolidation for a bundle (vm/tools/consolidate_protocols.exs), cached.

Debian's Elixir and `elixirc` leave protocols unconsolidated: dispatch builds the implementation's
module name at run time and calls it, expecting `undef` when there is none. In this VM a call to a
module in no pack is not a catchable `undef` (docs/bundle.md), so a type without an implementation
would stop the VM instead of raising Protocol.UndefinedError. A consolidated protocol dispatches
through a fixed table of the implementations that were packed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection, Mapping
from pathlib import Path

from pytest_wasmblog.bundle import toolchain
from pytest_wasmblog.bundle.cache import cache_root
from pytest_wasmblog.bundle.closure import ModuleSource
from pytest_wasmblog.bundle.rebuild import VM_DIR, fingerprint

TOOL = VM_DIR / "tools" / "consolidate_protocols.exs"


def implementations(packed: Collection[str], sources: Mapping[str, ModuleSource]) -> dict[str, list[str]]:
    """Each packed protocol and the types of its packed implementations (`Elixir.String.Chars` ->
    [`Elixir.Atom`, ...]); an implementation belongs to the longest protocol name it starts with."""
    protocols = sorted((n for n in packed if sources[n].info.exports_function("__protocol__", 1)), key=len,
                       reverse=True)
    found: dict[str, list[str]] = {p: [] for p in protocols}
    for name in sorted(packed):
        if not sources[name].info.exports_function("__impl__", 1):
            continue
        owner = next((p for p in protocols if name.startswith(p + ".")), None)
        if owner is not None:
            found[owner].append("Elixir." + name[len(owner) + 1:])
    return found


def consolidate(tools: toolchain.Toolchain, packed: Collection[str], sources: Mapping[str, ModuleSource],
                originals: Mapping[str, ModuleSource]) -> dict[str, Path]:
    """The consolidated beam of every packed protocol. `originals` hold the protocols as the Elixir
    compiler wrote them (consolidation reads their Elixir debug info, which a rebuild does not keep)."""
    table = implementations(packed, sources)
    if not table:
        return {}
    specs = [f"{p}={','.join(types)}" for p, types in sorted(table.items())]
    beams = [Path(originals[p].path) for p in table]
    # Consolidation asks each struct's implementation for its target: they must load on the host too.
    impls = [name for name in packed if sources[name].info.exports_function("__impl__", 1)]
    loadable = [Path((originals.get(name) or sources[name]).path) for name in impls]
    key = fingerprint([*beams, *loadable, TOOL], "\n".join([tools.key, *specs]))
    out = cache_root() / "protocols" / key
    if not (out / ".complete").is_file():
        work = out.with_name(f"{key}.partial-{os.getpid()}")
        shutil.rmtree(work, ignore_errors=True)
        folders = sorted({str(beam.parent) for beam in [*beams, *loadable]})
        elixir = str(Path(tools.elixirc).with_name("elixir"))
        toolchain.run([elixir, *(arg for folder in folders for arg in ("-pa", folder)), str(TOOL), str(work), *specs])
        (work / ".complete").write_text(key)
        try:
            work.rename(out)
        except OSError:
            if not (out / ".complete").is_file():
                raise
            shutil.rmtree(work, ignore_errors=True)
    return {p: out / f"{p}.beam" for p in table}
