"""Rebuild Debian's OTP and Elixir beams for the VM, cached on disk.

The cache key covers the toolchain versions, the rebuild tool, the overrides and the VM's NIF
list, so a second build pays nothing and a changed shim never serves a stale module.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

from pytest_wasmblog.bundle import toolchain
from pytest_wasmblog.bundle.cache import cache_root
from pytest_wasmblog.bundle.closure import ModuleSource
from pytest_wasmblog.bundle.toolchain import Toolchain

VM_DIR = Path(str(resources.files("pytest_wasmblog") / "vm"))
# The page of a generated test site (conformance, ExUnit): it boots Popcorn and nothing else.
HARNESS_PAGE = Path(str(resources.files("pytest_wasmblog") / "harness"))
# Elixir the VM halves of the conformance and ExUnit suites share (output capture, the batch loop).
HARNESS_SOURCES = VM_DIR / "harness"
TOOL_SOURCE = VM_DIR / "tools" / "wasmblog_beams.erl"
OVERRIDES_DIR = VM_DIR / "overrides"
SHIMS_DIR = VM_DIR / "shims"


def fingerprint(paths: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def builder_key() -> str:
    """Changes whenever the bundle builder or the VM code it packs does: part of the key of every
    cached bundle the plugin builds itself (conformance, ExUnit), so an upgrade rebuilds them."""
    package = Path(__file__).parent
    return fingerprint([*package.glob("*.py"), *(p for p in VM_DIR.rglob("*") if p.is_file())])


class BeamRebuilder:
    def __init__(self, tools: Toolchain, native: frozenset[str]) -> None:
        self.tools = tools
        self.native = native
        key = fingerprint([TOOL_SOURCE, *OVERRIDES_DIR.glob("*.erl")], "\n".join(sorted(native)))
        self.directory = cache_root() / "beams" / f"{tools.key}-{key}"
        self.rebuilt_count = 0

    def output(self, module: str) -> Path:
        return self.directory / f"{module}.beam"

    def rebuild(self, modules: list[ModuleSource]) -> dict[str, Path]:
        """Paths of rebuilt beams; only modules not in the cache are compiled."""
        missing = [m for m in modules if not self.output(m.name).is_file()]
        if missing:
            self._compile(missing)
        return {m.name: self.output(m.name) for m in modules}

    def _compile(self, modules: list[ModuleSource]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tool_dir = self.directory / "_tool"
        if not (tool_dir / "wasmblog_beams.beam").is_file():
            tool_dir.mkdir(exist_ok=True)
            toolchain.run([self.tools.erlc, "-o", str(tool_dir), str(TOOL_SOURCE)])
        job_file = self.directory / f"_jobs-{os.getpid()}.config"
        staging = self.directory / f"_staging-{os.getpid()}"
        jobs = ",\n".join(
            f"{{{_atom(m.name)}, {_string(m.path)}, {_string(str(staging / (m.name + '.beam')))}}}" for m in modules
        )
        job_file.write_text(
            f"{{nifs, [{', '.join(_string(n) for n in sorted(self.native))}]}}.\n"
            f"{{overrides_dir, {_string(str(OVERRIDES_DIR))}}}.\n"
            f"{{workers, {os.cpu_count() or 1}}}.\n"
            f"{{jobs, [{jobs}]}}.\n"
        )
        try:
            toolchain.run([self.tools.erl, "-noshell", "-pa", str(tool_dir), "-pa", str(self.tools.elixir_ebin),
                           "-run", "wasmblog_beams", "main", str(job_file)])
            # Move into place one by one so a concurrent build never reads a half-written beam.
            for m in modules:
                os.replace(staging / f"{m.name}.beam", self.output(m.name))
        finally:
            job_file.unlink(missing_ok=True)
            if staging.is_dir():
                for leftover in staging.iterdir():
                    leftover.unlink()
                staging.rmdir()
        self.rebuilt_count += len(modules)


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _atom(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
