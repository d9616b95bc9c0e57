"""Precompressed copies of a built site's files, as static hosts serve them.

nginx (`gzip_static`, `brotli_static`), Caddy (`precompressed`) and the plugin's server send
`name.br` / `name.gz` when the browser accepts it, so the build can afford the slowest, smallest
settings a CDN would never use on the fly: brotli quality 11 and gzip level 9.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import brotli  # type: ignore[import-untyped]  # a declared dependency without type hints

from pytest_wasmblog.http_rules import COMPRESSIBLE_SUFFIXES


def encode(data: bytes) -> dict[str, bytes]:
    """The `.gz` and `.br` bodies of `data`; mtime 0 makes equal inputs give equal bytes."""
    return {".gz": gzip.compress(data, compresslevel=9, mtime=0), ".br": cast(bytes, brotli.compress(data, quality=11))}


def precompress_tree(root: Path, exclude: Iterable[str] = ()) -> list[Path]:
    """Write the siblings of every compressible file under `root` that they make smaller."""
    skipped = set(exclude)
    written: list[Path] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if relative in skipped or path.suffix.lower() not in COMPRESSIBLE_SUFFIXES:
            continue
        data = path.read_bytes()
        for suffix, body in encode(data).items():
            sibling = path.with_name(path.name + suffix)
            if len(body) < len(data):  # a host sends the smaller one; a larger copy would only mislead
                sibling.write_bytes(body)
                written.append(sibling)
            else:
                sibling.unlink(missing_ok=True)
    return written
