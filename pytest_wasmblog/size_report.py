"""`wasmblog size SITE`: what a built site weighs, per asset and per bundle module, and why each
large module is in the bundle.

Asset sizes are what a static host sends (precompressed siblings when the build wrote them);
module sizes come from the build report, which records each module's packed bytes, its origin
and the edge that pulled it in.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pytest_wasmblog.atomic import write_atomically
from pytest_wasmblog.bundle.build import REPORT_NAME
from pytest_wasmblog.bundle.why import import_chain
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.perf.sizes import AssetSize, site_sizes
from pytest_wasmblog.treemap import Tile, save_png
from pytest_wasmblog.units import human_size

ORIGIN_NAMES = {"app": "app", "elixir": "Elixir", "otp": "OTP", "shim": "shims"}
RUNTIME_FILES = ("AtomVM.wasm", "AtomVM.mjs")
LARGE_MODULE_BYTES = 10_000  # modules at least this big get their import chain in the report


class SizeReportError(WasmblogError):
    pass


@dataclass(frozen=True)
class ModuleSize:
    name: str
    bytes: int
    origin: str
    chain: list[str] = field(default_factory=list)  # empty for small modules


@dataclass(frozen=True)
class SizeReport:
    site: str
    assets: list[AssetSize]
    modules: list[ModuleSize]  # largest first
    unused: list[ModuleSize]  # reachable modules left out: no recorded run loaded them
    runtime_wasm: dict[str, int]

    def total(self, encoding: str) -> int:
        return sum(getattr(asset, encoding) for asset in self.assets)

    def by_origin(self) -> dict[str, dict[str, int]]:
        groups: dict[str, dict[str, int]] = {}
        for module in self.modules:
            group = groups.setdefault(ORIGIN_NAMES.get(module.origin, module.origin), {"modules": 0, "bytes": 0})
            group["modules"] += 1
            group["bytes"] += module.bytes
        return dict(sorted(groups.items(), key=lambda item: -item[1]["bytes"]))

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "totals": {"raw": self.total("raw"), "gzip": self.total("gzip"), "br": self.total("br")},
            "assets": [asdict(asset) for asset in self.assets],
            "bundle": {"modules": len(self.modules), "bytes": sum(m.bytes for m in self.modules),
                       "by_origin": self.by_origin(), "module_sizes": [asdict(m) for m in self.modules]},
            "left_out_unused": {"modules": len(self.unused), "bytes": sum(m.bytes for m in self.unused),
                                "module_sizes": [asdict(m) for m in self.unused]},
            "runtime_wasm": self.runtime_wasm,
        }

    def text(self, largest: int = 15) -> str:
        totals = (f"{self.site}: {human_size(self.total('raw'))} raw, {human_size(self.total('gzip'))} gzip, "
                  f"{human_size(self.total('br'))} brotli")
        lines = [totals, "", f"{'asset':<24}{'raw':>10}{'gzip':>10}{'brotli':>10}"]
        for asset in sorted(self.assets, key=lambda a: -a.raw):
            lines.append(f"{asset.path:<24}{human_size(asset.raw):>10}{human_size(asset.gzip):>10}"
                         f"{human_size(asset.br):>10}")
        if self.runtime_wasm.get("npm", 0) > self.runtime_wasm.get("served", 0):
            lines.append(f"AtomVM.wasm is {human_size(self.runtime_wasm['served'])} of the npm package's "
                         f"{human_size(self.runtime_wasm['npm'])} (debug sections stripped)")
        lines += ["", f"bundle: {len(self.modules)} modules, {human_size(sum(m.bytes for m in self.modules))}"]
        for origin, group in self.by_origin().items():
            lines.append(f"  {origin:<8}{group['modules']:>4} modules {human_size(group['bytes']):>10}")
        if self.unused:
            lines.append(f"  left out (loaded by no recorded run): {len(self.unused)} modules, "
                         f"{human_size(sum(m.bytes for m in self.unused))}")
        lines += ["", "largest modules and why they are in:"]
        for module in self.modules[:largest]:
            # "X <- Parent (call: f/1)" steps, shown as "Parent (call: f/1)" links.
            why = " <- ".join(step.split(" <- ", 1)[1] for step in module.chain if " <- " in step) or "(root)"
            lines.append(f"  {human_size(module.bytes):>9}  {module.name} <- {why}")
        return "\n".join(lines)

    def tiles(self) -> list[Tile]:
        """The site as one picture: runtime and page files, and the bundle split into its modules."""
        tiles = [Tile(m.name.removeprefix("Elixir."), m.bytes, f"bundle: {ORIGIN_NAMES.get(m.origin, m.origin)}")
                 for m in self.modules]
        for asset in self.assets:
            if asset.path.endswith(".avm"):
                continue
            group = "runtime" if asset.path in RUNTIME_FILES else "page"
            tiles.append(Tile(asset.path, asset.raw, group))
        return tiles


def dist_of(site: Path) -> Path:
    """A site folder (with wasmblog.toml and dist/) or the built folder itself."""
    if (site / REPORT_NAME).is_file():
        return site
    if (site / "dist" / REPORT_NAME).is_file():
        return site / "dist"
    raise SizeReportError(f"{site} has no {REPORT_NAME} (nor dist/{REPORT_NAME}): build it first "
                          f"(`wasmblog build {site}`)")


def measure(site: Path) -> SizeReport:
    dist = dist_of(site)
    build = json.loads((dist / REPORT_NAME).read_text())
    graph = {**build.get("unused", {}), **build["modules"]}  # a packed module's parent may be left out
    modules = _modules(build["modules"], graph)
    unused = _modules(build.get("unused", {}), graph)
    return SizeReport(str(site), site_sizes(dist), modules, unused, dict(build.get("runtime_wasm", {})))


def _modules(entries: dict[str, dict[str, Any]], graph: dict[str, dict[str, Any]]) -> list[ModuleSize]:
    found = [ModuleSize(name, int(entry["bytes"]), str(entry["origin"]),
                        import_chain(graph, name) if int(entry["bytes"]) >= LARGE_MODULE_BYTES else [])
             for name, entry in entries.items()]
    return sorted(found, key=lambda m: (-m.bytes, m.name))


def write_json(report: SizeReport, path: Path) -> Path:
    return write_atomically(path, json.dumps(report.to_json(), indent=1).encode())


def write_treemap(report: SizeReport, path: Path) -> Path:
    title = f"{report.site}: {human_size(report.total('br'))} brotli on the wire; areas are raw bytes"
    return save_png(report.tiles(), path, title)
