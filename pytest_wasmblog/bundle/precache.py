"""The service worker's precache list, written into the worker script at build time.

A browser only installs a new service worker when the worker script's bytes change, so the
list of files and their revisions goes into the script itself: a changed bundle makes a new
version, and the next online visit installs it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pytest_wasmblog.errors import WasmblogError

PLACEHOLDER = "self.__WASMBLOG_PRECACHE__"
# Never precached: build records, source maps and the compressed copies a server picks itself.
ALWAYS_EXCLUDED = ("build-report.json", "*.map", "*.br", "*.gz")


class PrecacheError(WasmblogError):
    pass


@dataclass(frozen=True)
class PrecacheManifest:
    version: str  # changes whenever any precached file changes
    files: dict[str, str]  # URL relative to the worker's scope -> revision

    def to_json(self) -> dict[str, object]:
        return {"version": self.version, "files": [{"url": u, "revision": r} for u, r in self.files.items()]}


def manifest(site: Path, worker: str, exclude: tuple[str, ...] = ()) -> PrecacheManifest:
    """The files to precache; the version also covers the worker's own code, so a changed worker
    starts a fresh cache too."""
    patterns = (*ALWAYS_EXCLUDED, *exclude)
    files: dict[str, str] = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        url = path.relative_to(site).as_posix()
        if url == worker or any(fnmatch.fnmatch(url, pattern) for pattern in patterns):
            continue
        files[url] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    worker_code = (site / worker).read_bytes() if (site / worker).is_file() else b""
    version = hashlib.sha256(json.dumps(files, sort_keys=True).encode() + worker_code).hexdigest()[:16]
    return PrecacheManifest(version, files)


def inject(site: Path, worker: str, exclude: tuple[str, ...] = ()) -> PrecacheManifest:
    """Replace the placeholder in `site/worker` with the manifest of the other files in `site`."""
    script = site / worker
    if not script.is_file():
        raise PrecacheError(f"[site] service_worker = {worker!r}, but {worker} is not in the static folder")
    source = script.read_text(encoding="utf-8")
    if PLACEHOLDER not in source:
        raise PrecacheError(
            f"{worker} has no {PLACEHOLDER}: the build replaces that expression with the precache list "
            f"(write e.g. `const PRECACHE = {PLACEHOLDER};`)"
        )
    result = manifest(site, worker, exclude)
    script.write_text(source.replace(PLACEHOLDER, json.dumps(result.to_json())), encoding="utf-8")
    return result
