"""The Popcorn runtime: npm `@swmansion/popcorn`, pinned, fetched with npm and never modified."""

from __future__ import annotations

import json
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pytest_wasmblog.bundle import toolchain
from pytest_wasmblog.bundle.cache import cache_root
from pytest_wasmblog.errors import WasmblogError

PACKAGE = "@swmansion/popcorn"
VERSION = "0.3.3"
# Files the page needs at run time (the rest of dist/ is bundler plugins and typings).
RUNTIME_FILES = (
    "AtomVM.mjs",
    "AtomVM.wasm",
    "popcorn.mjs",
    "iframe.mjs",
    "bridge.mjs",
    "types.mjs",
    "errors.mjs",
    "index.mjs",
)
_NIF_NAME = re.compile(rb"([a-z][a-z0-9_]*):([a-z_][a-zA-Z0-9_]*|[-+*/<>=!:]+)/([0-9]{1,2})(?![0-9])")
# Platform NIFs whose names the wasm stores without their module prefix.
_EMSCRIPTEN_NIFS = (
    "run_script/1", "run_script/2", "run_script_tracked/1", "get_tracked/2",
    "promise_resolve/1", "promise_resolve/2", "promise_reject/1", "promise_reject/2",
)


class RuntimeFetchError(WasmblogError):
    pass


@dataclass(frozen=True)
class PopcornRuntime:
    dist: Path
    version: str

    @property
    def wasm(self) -> Path:
        return self.dist / "AtomVM.wasm"

    def files(self) -> list[Path]:
        return [self.dist / name for name in RUNTIME_FILES]


def fetch_runtime(version: str = VERSION) -> PopcornRuntime:
    """The pinned package from the npm registry, cached by version."""
    target = cache_root() / "npm" / f"popcorn-{version}"
    dist = target / "package" / "dist"
    if not all((dist / name).is_file() for name in RUNTIME_FILES):
        npm = toolchain.which("npm")
        with tempfile.TemporaryDirectory() as scratch:
            toolchain.run([npm, "pack", f"{PACKAGE}@{version}", "--silent", "--pack-destination", scratch])
            tarballs = list(Path(scratch).glob("*.tgz"))
            if len(tarballs) != 1:
                raise RuntimeFetchError(f"`npm pack {PACKAGE}@{version}` produced no tarball in {scratch}")
            unpack = Path(scratch) / "unpacked"
            with tarfile.open(tarballs[0]) as archive:
                archive.extractall(unpack, filter="data")
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(unpack), str(target))
    found = json.loads((target / "package" / "package.json").read_text())["version"]
    if found != version:
        raise RuntimeFetchError(f"{PACKAGE} in {target} is {found}, expected {version}; delete that folder")
    missing = [name for name in RUNTIME_FILES if not (dist / name).is_file()]
    if missing:
        raise RuntimeFetchError(f"{PACKAGE}@{version} lacks {', '.join(missing)} in {dist}")
    return PopcornRuntime(dist, found)


def native_functions(wasm: Path) -> frozenset[str]:
    """`module:function/arity` names the VM implements natively (NIFs and BIFs), read from the wasm."""
    data = wasm.read_bytes()
    names = {f"{m.decode()}:{f.decode()}/{a.decode()}" for m, f, a in _NIF_NAME.findall(data)}
    names.update(f"emscripten:{fa}" for fa in _EMSCRIPTEN_NIFS)
    return frozenset(names)
