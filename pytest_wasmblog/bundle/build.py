"""Build a Popcorn site: compile the app, close over the modules it needs, pack and validate
`bundle.avm`, and lay out `dist/` with the page and the pinned runtime."""

from __future__ import annotations

import dataclasses
import gzip
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pytest_wasmblog.atomic import write_atomically
from pytest_wasmblog.bundle import (
    avm,
    beam,
    closure,
    compression,
    config,
    findings,
    precache,
    protocols,
    runtime,
    sources,
    toolchain,
    used_modules,
    wasm_sections,
)
from pytest_wasmblog.bundle.compile_app import (
    compile_app,
    compile_app_env,
    compile_boot_wrapper,
    compile_shims,
)
from pytest_wasmblog.bundle.rebuild import BeamRebuilder
from pytest_wasmblog.errors import WasmblogError

REPORT_NAME = "build-report.json"
BOOT_MODULE = "wasmblog_start"


class BuildError(WasmblogError):
    pass


@dataclass
class BuildResult:
    dist: Path
    bundle: Path
    modules: int
    raw_bytes: int
    gzip_bytes: int
    seconds: float
    rebuilt: int
    closure: closure.Closure
    origins: dict[str, str]
    sizes: dict[str, int]
    notes: list[str] = field(default_factory=list)
    precache: precache.PrecacheManifest | None = None
    unused_sizes: dict[str, int] = field(default_factory=dict)  # left out: loaded by no recorded run
    unused_origins: dict[str, str] = field(default_factory=dict)
    runtime_wasm: dict[str, int] = field(default_factory=dict)  # "npm" and "served" bytes of AtomVM.wasm
    cannot_run: findings.CannotRun = field(default_factory=findings.CannotRun)

    def summary(self) -> str:
        by_origin: dict[str, int] = {}
        for origin in self.origins.values():
            by_origin[origin] = by_origin.get(origin, 0) + 1
        origins = ", ".join(f"{n} {o}" for o, n in sorted(by_origin.items()))
        lines = [
            f"bundle: {self.bundle}",
            f"  modules: {self.modules} ({origins})",
            f"  size: {self.raw_bytes / 1e6:.2f} MB raw, {self.gzip_bytes / 1e6:.2f} MB gzip",
            f"  built in {self.seconds:.1f} s ({self.rebuilt} library modules recompiled, the rest cached)",
        ]
        if self.unused_sizes:
            lines.append(f"  left out, loaded by no recorded run: {len(self.unused_sizes)} modules, "
                         f"{sum(self.unused_sizes.values()) / 1e6:.2f} MB raw")
        if self.runtime_wasm:
            lines.append(f"  AtomVM.wasm: {self.runtime_wasm['served'] / 1e6:.2f} MB served "
                         f"({self.runtime_wasm['npm'] / 1e6:.2f} MB in the npm package)")
        if self.closure.unresolved:
            lines.append(f"  calls the VM cannot answer (unreachable unless a test proves otherwise): "
                         f"{len(self.closure.unresolved)}; see {REPORT_NAME}")
        lines.extend(self.cannot_run.summary_lines(REPORT_NAME))
        if self.precache is not None:
            lines.append(f"  service worker precache: version {self.precache.version}, {len(self.precache.files)} files")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def build_site(site: Path, log: Callable[[str], None] = print, *, all_modules: bool = False,
               wasm_debug: str | None = None) -> BuildResult:
    """`all_modules` packs the whole static closure even when a used-modules list is configured
    (to record a new one); `wasm_debug` overrides [site] wasm_debug."""
    started = time.monotonic()
    cfg = config.load(site)
    if wasm_debug is not None:
        if wasm_debug not in config.WASM_DEBUG_MODES:
            raise BuildError(f"--wasm-debug must be one of {', '.join(config.WASM_DEBUG_MODES)}, not {wasm_debug!r}")
        cfg = dataclasses.replace(cfg, wasm_debug=wasm_debug)
    tools = toolchain.find_toolchain()
    notes = [] if tools.tested else [f"Erlang/OTP {tools.otp_version} is supported but untested; OTP 25 is tested"]
    popcorn = runtime.fetch_runtime()
    native = runtime.native_functions(popcorn.wasm)

    app = sources.scan(compile_app(tools, list(cfg.sources), cfg.test_bridge, list(cfg.inputs)), "app")
    if cfg.start_module_atom not in app:
        raise BuildError(f"start module {cfg.start_module} ({cfg.start_module_atom}) is not defined in "
                         f"{', '.join(map(str, cfg.sources))}")
    if not app[cfg.start_module_atom].info.exports_function("start", 0):
        raise BuildError(f"start module {cfg.start_module} does not export start/0, which the VM calls to boot")
    shims = sources.scan(compile_shims(tools), "shim")
    boot = sources.scan(compile_boot_wrapper(tools, cfg.start_module_atom), "shim")
    shims.update(boot)
    shims.update(sources.scan(compile_app_env(tools, sources.app_files(tools, cfg.libraries)), "shim"))
    library = sources.library_modules(tools, cfg.libraries)
    rebuilder = BeamRebuilder(tools, native)
    policy = closure.Policy(keep=cfg.keep, drop=cfg.drop, allow=config.RUNTIME_ALLOWED)
    roots = [BOOT_MODULE, *sorted(app)]

    # Rebuilt modules can call what the originals did not (overrides), so iterate to a fixpoint.
    rebuilt: dict[str, closure.ModuleSource] = {}
    while True:
        available = sources.layered(library, rebuilt, shims, app)
        result = closure.compute(available, roots, native, policy)
        pending = [library[n] for n in result.modules if n in library and n not in rebuilt
                   and n not in shims and n not in app]
        if not pending:
            break
        for name, path in rebuilder.rebuild(pending).items():
            info = beam.parse(path.read_bytes())
            rebuilt[name] = closure.ModuleSource(name, library[name].origin, info, str(path))

    # Over the whole closure, before used_modules cuts it: the question is what the code can reach.
    cannot_run = findings.find(tools, available, sorted(app), sorted(result.modules), native)
    if cfg.used_modules is not None and not all_modules:
        used = used_modules.read(cfg.used_modules)
        result = closure.restrict(result, used, policy)
        stale = sorted(used - set(result.modules) - set(result.unused))
        if stale:
            notes.append(f"{len(stale)} modules in {cfg.used_modules.name} are not reachable any more "
                         f"(e.g. {', '.join(stale[:3])}); record the list again")
    # Protocols dispatch through a table of the implementations packed (protocols.py).
    consolidated = protocols.consolidate(tools, list(result.modules), available, sources.layered(library, app))
    packed = {**available, **{name: dataclasses.replace(available[name], path=str(path))
                              for name, path in consolidated.items()}}
    entries, sizes = _entries(result, packed, BOOT_MODULE)
    unused_sizes = {name: len(beam.prepare_for_vm(Path(available[name].path).read_bytes())) for name in result.unused}
    data = avm.write(entries)
    avm.validate(data, source="bundle.avm (just built)")
    dist, precached, wasm_sizes = _write_dist(cfg, popcorn, data)
    origins: dict[str, str] = {name: available[name].origin for name in result.modules}
    build = BuildResult(
        dist=dist, bundle=dist / "bundle.avm", modules=len(entries), raw_bytes=len(data),
        gzip_bytes=len(gzip.compress(data, 9)), seconds=time.monotonic() - started,
        rebuilt=rebuilder.rebuilt_count, closure=result, origins=origins, sizes=sizes, notes=notes,
        precache=precached, unused_sizes=unused_sizes,
        unused_origins={name: available[name].origin for name in result.unused}, runtime_wasm=wasm_sizes,
        cannot_run=cannot_run,
    )
    _write_report(build, tools)
    log(build.summary())
    return build


def _entries(result: closure.Closure, available: dict[str, closure.ModuleSource], start: str
             ) -> tuple[list[avm.Entry], dict[str, int]]:
    ordered = [start, *sorted(n for n in result.modules if n != start)]
    entries: list[avm.Entry] = []
    sizes: dict[str, int] = {}
    for name in ordered:
        prepared = beam.prepare_for_vm(Path(available[name].path).read_bytes())
        flags = avm.Flag.BEAM | (avm.Flag.START if name == start else 0)
        entries.append(avm.Entry(f"{name}.beam", flags, prepared))
        sizes[name] = len(prepared)
    return entries, sizes


def _write_dist(cfg: config.SiteConfig, popcorn: runtime.PopcornRuntime, bundle: bytes
                ) -> tuple[Path, precache.PrecacheManifest | None, dict[str, int]]:
    """Lay out dist/ beside the old one, then swap, so a server never sees half a site."""
    final = cfg.dist
    staging = final.with_name(final.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    if cfg.static is not None:
        shutil.copytree(cfg.static, staging)
    else:
        staging.mkdir(parents=True)
    for path in popcorn.files():
        if path == popcorn.wasm:
            continue
        shutil.copy2(path, staging / path.name)
    # A copy for the site: the npm package in the cache is never modified.
    original = popcorn.wasm.read_bytes()
    served = production_wasm(original, cfg.wasm_debug)
    (staging / popcorn.wasm.name).write_bytes(served)
    (staging / "bundle.avm").write_bytes(bundle)
    precached = None
    if cfg.service_worker is not None:
        precached = precache.inject(staging, cfg.service_worker, cfg.precache_exclude)
    if cfg.precompress:
        compression.precompress_tree(staging, exclude=(REPORT_NAME,))
    old = final.with_name(final.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final, precached, {"npm": len(original), "served": len(served)}


def production_wasm(original: bytes, wasm_debug: str) -> bytes:
    """AtomVM.wasm as the site serves it: custom sections (DWARF, names) are for debuggers only."""
    if wasm_debug == "keep":
        return original
    stripped = wasm_sections.strip(original, keep=("name",) if wasm_debug == "names" else (), source="AtomVM.wasm")
    wasm_sections.sections(stripped, source="AtomVM.wasm (stripped)")  # re-read whole: a bad cut fails the build
    return stripped


def _module_entry(size: int, origin: str, reason: closure.Reason) -> dict[str, object]:
    return {"bytes": size, "origin": origin, "reason": reason.kind, "parent": reason.parent, "detail": reason.detail}


def _write_report(build: BuildResult, tools: toolchain.Toolchain) -> None:
    report = {
        "bundle": {"modules": build.modules, "raw_bytes": build.raw_bytes, "gzip_bytes": build.gzip_bytes},
        "toolchain": {"otp": tools.otp_version, "elixir": tools.elixir_version},
        "runtime": {"package": runtime.PACKAGE, "version": runtime.VERSION},
        "build_seconds": round(build.seconds, 3),
        "modules": {name: _module_entry(build.sizes[name], build.origins[name], reason)
                    for name, reason in sorted(build.closure.modules.items())},
        "unresolved_calls": {mfa: sorted(callers) for mfa, callers in sorted(build.closure.unresolved.items())},
        "dropped": {name: sorted(w) for name, w in sorted(build.closure.dropped.items())},
        "precache": build.precache.to_json() if build.precache else None,
        "unused": {name: _module_entry(build.unused_sizes[name], build.unused_origins[name], reason)
                   for name, reason in sorted(build.closure.unused.items())},
        "runtime_wasm": build.runtime_wasm,
        "cannot_run": [f.to_json() for f in build.cannot_run.findings],
        "cannot_run_search": build.cannot_run.stats(),
    }
    write_atomically(build.dist / REPORT_NAME, json.dumps(report, indent=1).encode())
