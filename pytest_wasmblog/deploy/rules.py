"""What every deploy target must say about one built site: its isolation headers, which files are
pages, service workers or content-hashed, and the comments that explain the choices. The HTTP facts
themselves (header values, content types, compressible suffixes) live in `http_rules`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pytest_wasmblog.bundle.build import REPORT_NAME
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.http_rules import COEP, COOP, CORP, HTML_SUFFIXES, ISOLATION_MODES, MIME_TYPES, isolation_headers

CACHE_CONTROL = "Cache-Control"
CONTENT_TYPE = "Content-Type"
NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
# name.<8+ hex>.ext: the only names that change whenever their content does.
HASHED_STEM = r"\.[0-9a-fA-F]{8,}\.[A-Za-z0-9]+"  # unanchored; the same syntax in PCRE, RE2 and Go
HASHED_NAME = re.compile(HASHED_STEM + "$")
PRECOMPRESSED = (".br", ".gz")
NOT_SERVED = (REPORT_NAME,)  # the build's record, not part of the site
OMITTABLE = (COOP, COEP, CORP, CACHE_CONTROL, CONTENT_TYPE)
DEFAULT_WORKER = "sw.js"
CACHE_NOTE = ("Caching: only files whose names carry a content hash (name.<8+ hex>.ext) are cached for a year; "
              "this build's asset names are not versioned, so every other file is revalidated (no-cache, by "
              "ETag/Last-Modified).")
# Characters a path cannot carry into every server's config syntax unescaped.
_UNQUOTABLE = re.compile(r'["$\\{}\x00-\x1f]')


class DeployError(WasmblogError):
    """A deploy configuration cannot be made (bad site folder, target, option)."""


class NotBuiltError(DeployError):
    """The folder is not a built site (no index.html)."""


@dataclass(frozen=True)
class SitePolicy:
    """The headers and file classes one target's config encodes."""

    site: Path  # the built folder (absolute)
    isolation: str
    headers: dict[str, str]  # isolation headers actually sent (after omit_headers)
    omitted: tuple[str, ...]  # canonical names left out on purpose
    workers: tuple[str, ...]  # service worker scripts, relative to the site root
    cache_control: bool  # False: Cache-Control omitted
    content_types: bool  # False: Content-Type omitted (the host's own guesses apply)

    def isolation_comments(self) -> list[str]:
        """One-line explanations of isolation headers that are absent."""
        lines = []
        if self.isolation == "none":
            lines.append('Isolation "none": no COOP/COEP/CORP headers, so the page is not cross-origin isolated '
                         "and Emscripten pthreads (SharedArrayBuffer) cannot start.")
        lines += [f"Deliberately broken: {name} is left out (omit_headers)." for name in self.omitted]
        return lines

    def hashed_files(self) -> list[str]:
        return [name for name in served_files(self.site) if is_hashed(name)]


def built_folder(site: Path) -> Path:
    """The folder holding index.html: `site` itself or its dist/, with errors saying what to run."""
    if not site.exists():
        raise DeployError(f"{site}: no such folder. Pass the built site folder (the one with index.html) "
                          "or the site folder that holds dist/")
    if not site.is_dir():
        raise DeployError(f"{site} is a file, not a folder. Pass the built site folder (the one with index.html) "
                          "or the site folder that holds dist/")
    for folder in (site, site / "dist"):
        if (folder / "index.html").is_file():
            return folder.resolve()
    source = site.parent if site.name == "dist" else site
    if (source / "wasmblog.toml").is_file():
        raise NotBuiltError(f"{site} has no index.html (nor dist/index.html): the site is not built. "
                            f"Run `wasmblog build {source}` first, then pass {source} or its dist/ folder")
    raise NotBuiltError(f"{site} has no index.html (nor dist/index.html), so it is not a built site: pass the "
                        "folder that holds index.html, or run `wasmblog build SITE` first on the site folder "
                        "(the one with wasmblog.toml)")


def policy(site: Path, isolation: str = "require-corp", service_worker: str = DEFAULT_WORKER,
           omit_headers: tuple[str, ...] = ()) -> SitePolicy:
    if isolation not in ISOLATION_MODES:
        raise DeployError(f"unknown isolation mode {isolation!r}: use one of {', '.join(ISOLATION_MODES)}")
    folder = built_folder(site)
    check_path(folder, "site folder")
    by_name = {name.lower(): name for name in OMITTABLE}
    unknown = [name for name in omit_headers if name.lower() not in by_name]
    if unknown:
        raise DeployError(f"cannot omit {', '.join(unknown)}: omit_headers takes {', '.join(OMITTABLE)}")
    omitted = tuple(dict.fromkeys(by_name[name.lower()] for name in omit_headers))
    headers = {k: v for k, v in isolation_headers(isolation).items() if k not in omitted}
    return SitePolicy(folder, isolation, headers, omitted, service_workers(folder, service_worker),
                      CACHE_CONTROL not in omitted, CONTENT_TYPE not in omitted)


def check_path(path: Path, what: str) -> None:
    if _UNQUOTABLE.search(str(path)):
        raise DeployError(f'the {what} {str(path)!r} contains a character server configs cannot quote '
                          '(", $, \\, {, } or a control character): move or rename it')


def served_files(site: Path) -> list[str]:
    """Paths of the site's files as URLs see them, without precompressed copies and build records."""
    names = (p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    return sorted(n for n in names if not n.endswith(PRECOMPRESSED) and n not in NOT_SERVED)


def is_hashed(name: str) -> bool:
    return HASHED_NAME.search(name) is not None


def service_workers(site: Path, named: str = DEFAULT_WORKER) -> tuple[str, ...]:
    """`named` plus any root script the build wrote its precache manifest into (that is the worker)."""
    found = [named.lstrip("/")]
    try:
        report = json.loads((site / REPORT_NAME).read_text())
        version = (report.get("precache") or {}).get("version")
    except (OSError, ValueError, AttributeError):
        version = None
    if isinstance(version, str) and version:
        marker = f'"version": "{version}"'
        for script in sorted(site.glob("*.js")):
            # Small files only: a worker is a few KB; this keeps the look cheap.
            if script.stat().st_size < 1_000_000 and marker in script.read_text(errors="replace"):
                found.append(script.name)
    return tuple(dict.fromkeys(found))


def content_types() -> dict[str, list[str]]:
    """Content-Type -> the suffixes (without dots) served with it, from MIME_TYPES."""
    groups: dict[str, list[str]] = {}
    for suffix, mime in MIME_TYPES.items():
        groups.setdefault(mime, []).append(suffix.lstrip("."))
    return groups


def page_suffixes() -> list[str]:
    return [suffix.lstrip(".") for suffix in HTML_SUFFIXES]
