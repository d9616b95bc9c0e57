"""The function-level call graph of compiled modules: what each function calls, makes a fun of or
applies, read with OTP's `beam_disasm` on the host (vm/tools/wasmblog_calls.erl).

One erl run reads every module not yet in the cache; results are cached by the beam's content
and the tool's, so a rebuilt or recompiled module is read again and nothing else is.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from pytest_wasmblog.bundle import toolchain
from pytest_wasmblog.bundle.cache import cache_root
from pytest_wasmblog.bundle.rebuild import VM_DIR, fingerprint
from pytest_wasmblog.bundle.toolchain import Toolchain

TOOL_SOURCE = VM_DIR / "tools" / "wasmblog_calls.erl"

FunctionKind = Literal["code", "stub", "placeholder"]
# (module, function, arity); arity None: applied or spawned with literal atoms, arity unknown.
Callee = tuple[str, str, int | None]


@dataclass(frozen=True)
class Function:
    name: str
    arity: int
    exported: bool
    # "stub": a NIF placeholder the rebuild turned into erlang:error({nif_not_available_in_wasm, _});
    # "placeholder": a body that only calls erlang:nif_error (a beam the rebuild did not touch).
    kind: FunctionKind
    calls: tuple[Callee, ...]


@dataclass(frozen=True)
class ModuleCalls:
    name: str
    functions: dict[tuple[str, int], Function]
    literal_atoms: frozenset[str] = frozenset()  # atoms inside the module's literals (a ~r sigil's struct)


class CallGraphReader:
    """Reads modules' call graphs, running the host tool only for beams the cache lacks."""

    def __init__(self, tools: Toolchain) -> None:
        self.tools = tools
        key = fingerprint([TOOL_SOURCE], tools.key)
        self.directory = cache_root() / "calls" / key
        self.read_count = 0  # modules the tool read in this process (cache misses)

    def read(self, beams: dict[str, Path]) -> dict[str, ModuleCalls]:
        """Module name -> its call graph, for every beam path given."""
        digests = {name: _digest(path) for name, path in beams.items()}
        missing = {name: path for name, path in beams.items() if not self._output(digests[name]).is_file()}
        if missing:
            self._run({path: self._output(digests[name]) for name, path in missing.items()})
        return {name: parse(name, self._output(digests[name]).read_text(encoding="utf-8")) for name in beams}

    def _output(self, digest: str) -> Path:
        return self.directory / f"{digest}.calls"

    def _run(self, jobs: dict[Path, Path]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tool_dir = self.directory / "_tool"
        if not (tool_dir / "wasmblog_calls.beam").is_file():
            tool_dir.mkdir(exist_ok=True)
            toolchain.run([self.tools.erlc, "-o", str(tool_dir), str(TOOL_SOURCE)])
        job_file = self.directory / f"_jobs-{os.getpid()}.config"
        entries = ",\n".join(f"{{{_string(str(beam))}, {_string(str(out))}}}" for beam, out in jobs.items())
        job_file.write_text(f"{{jobs, [{entries}]}}.\n")
        try:
            toolchain.run([self.tools.erl, "-noshell", "-pa", str(tool_dir), "-run", "wasmblog_calls", "main",
                           str(job_file)])
        finally:
            job_file.unlink(missing_ok=True)
        self.read_count += len(jobs)


_KINDS: dict[str, FunctionKind] = {"code": "code", "stub": "stub", "placeholder": "placeholder"}


def parse(module: str, text: str) -> ModuleCalls:
    """The tool's output for one module (see wasmblog_calls.erl for the format)."""
    functions: dict[tuple[str, int], Function] = {}
    current: tuple[str, int, bool, FunctionKind] | None = None
    calls: list[Callee] = []
    literal_atoms: set[str] = set()

    def close() -> None:
        if current is not None:
            name, arity, exported, kind = current
            functions[(name, arity)] = Function(name, arity, exported, kind, tuple(calls))

    for line in text.splitlines():
        fields = [unquote(f) if "%" in f else f for f in line.split("\t")]
        match fields:
            case ["F", name, arity, exported, kind] if kind in _KINDS:
                close()
                current, calls = (name, int(arity), exported == "1", _KINDS[kind]), []
            case ["C" | "M", m, f, arity]:
                calls.append((m, f, int(arity)))
            case ["A", m, f]:
                calls.append((m, f, None))
            case ["L", atom]:
                literal_atoms.add(atom)
            case _:
                raise ValueError(f"unexpected line in the call graph of {module}: {line!r}")
    close()
    return ModuleCalls(module, functions, frozenset(literal_atoms))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:24]


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def exported_functions(modules: Iterable[ModuleCalls]) -> list[tuple[str, str, int]]:
    """Every exported function, except the ones the compiler generates for each module."""
    generated = {("module_info", 0), ("module_info", 1), ("__info__", 1)}
    return sorted((m.name, f.name, f.arity) for m in modules for key, f in m.functions.items()
                  if f.exported and key not in generated)
