"""What each asset of a built site weighs raw, gzip and brotli: what a CDN (and the plugin's server)
would send, so size budgets are about real transfers.

A precompressed sibling (`AtomVM.wasm.br`) is what a static host sends when it exists; otherwise the
file is compressed the way the server does on the fly. Types a CDN does not compress count raw.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..http_rules import COMPRESSIBLE_SUFFIXES, compress_body

ENCODINGS: tuple[tuple[str, str], ...] = (("gzip", ".gz"), ("br", ".br"))
NOT_SERVED = ("build-report.json",)  # build records, not part of the site a browser loads


@dataclass(frozen=True)
class AssetSize:
    path: str  # relative to the site, POSIX
    raw: int
    gzip: int
    br: int


def site_sizes(site: Path, encoded: bool = True) -> list[AssetSize]:
    """`encoded=False` only lists the files (their compressed sizes are then the raw ones)."""
    sizes = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        relative = path.relative_to(site).as_posix()
        if relative in NOT_SERVED or path.suffix in (".gz", ".br", ".map"):
            continue
        data = path.read_bytes()
        if not encoded:
            sizes.append(AssetSize(relative, len(data), len(data), len(data)))
            continue
        encoded_sizes = {name: _encoded_size(path, data, name, suffix) for name, suffix in ENCODINGS}
        sizes.append(AssetSize(relative, len(data), encoded_sizes["gzip"], encoded_sizes["br"]))
    return sizes


# (path, Accept-Encoding or None) -> body bytes the host sent
SentBytes = Callable[[str, str | None], int]


def served_paths(site: Path | None, page: str, runtime: tuple[str, ...]) -> list[str]:
    """What a first visit downloads from a host: the built site's files when the build is at hand,
    else the page and the runtime every Popcorn site has."""
    if site is None:
        return [page.lstrip("/"), *runtime]
    return [asset.path for asset in site_sizes(site, encoded=False)]


def host_sizes(paths: list[str], sent: SentBytes) -> list[AssetSize]:
    """What a host really sends for each path when asked for no coding, gzip only and brotli only: a
    host that does not compress a type sends it raw whatever was asked."""
    return [AssetSize(path, sent(path, None), sent(path, "gzip"), sent(path, "br")) for path in paths]


def bundle_module_sizes(site: Path) -> dict[str, tuple[str, int]]:
    """module -> (origin, packed bytes), from the build report a `wasmblog build` wrote (empty if none)."""
    report = site / "build-report.json"
    if not report.is_file():
        return {}
    modules = json.loads(report.read_text())["modules"]
    return {name: (str(entry["origin"]), int(entry["bytes"])) for name, entry in modules.items()}


def _encoded_size(path: Path, data: bytes, encoding: str, suffix: str) -> int:
    sibling = path.with_name(path.name + suffix)
    if sibling.is_file():
        return os.path.getsize(sibling)
    if path.suffix.lower() not in COMPRESSIBLE_SUFFIXES:
        return len(data)
    return len(compress_body(data, encoding))
