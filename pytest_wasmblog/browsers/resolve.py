"""Find the browser executable to drive, and say how it was found.

Order for each engine: an explicit path (never silently ignored), Playwright's own
managed build when installed, then the system browser on PATH. One resolver per
engine in `RESOLVERS`, so Firefox and WebKit add a function, not a branch.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..errors import BrowserNotFoundError

CHROMIUM_ENV = "WASMBLOG_CHROMIUM"
CHROMIUM_OPTION = "--wasm-chromium-path"
CHROMIUM_SYSTEM_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

BACKEND_MANAGED = "playwright-managed"
BACKEND_SYSTEM_PLAYWRIGHT = "system+playwright"
BACKEND_SYSTEM_WEBDRIVER = "system+webdriver"


@dataclass(frozen=True)
class ResolvedBrowser:
    engine: str
    backend: str
    executable: str | None  # None: let Playwright launch its managed build
    how_found: str


def playwright_managed_executable(engine: str) -> str | None:
    """Path of Playwright's own build for `engine` if it is on disk, else None.

    Goes through the shared driver (the sync API allows one per thread), starting
    it briefly if no session holds it.
    """
    try:
        from .chromium import acquire_playwright, release_playwright
    except ImportError:  # Playwright is not installed: there is no managed build either
        return None
    try:
        pw = acquire_playwright()
    except Exception:  # e.g. inside a running asyncio loop
        return None
    try:
        return str(getattr(pw, engine).executable_path)
    except Exception:  # an engine Playwright does not know
        return None
    finally:
        release_playwright()


@dataclass(frozen=True)
class Probes:
    """What a resolver may look at; replaced in tests."""

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    which: Callable[[str], str | None] = shutil.which
    # engine -> the path Playwright would launch (existing or not), or None
    managed_executable: Callable[[str], str | None] = playwright_managed_executable


Resolver = Callable[[str | None, Probes], ResolvedBrowser]


def _is_executable_file(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _explicit(engine: str, path: str, source: str, probes: Probes) -> ResolvedBrowser:
    """An explicit path must work: falling back would test another browser than asked."""
    candidate = os.path.expanduser(path)
    if os.sep not in candidate:  # a bare name: look it up on PATH like a shell would
        found = probes.which(candidate)
        candidate = found or candidate
    if not _is_executable_file(candidate):
        why = "does not exist" if not os.path.exists(candidate) else "is not an executable file"
        raise BrowserNotFoundError(
            engine, [f"{source}: {path}"], f"the path given by {source} {why}: {path!r}"
        )
    return ResolvedBrowser(engine, BACKEND_SYSTEM_PLAYWRIGHT, os.path.abspath(candidate), f"{source}={path}")


def resolve_chromium(explicit_path: str | None, probes: Probes) -> ResolvedBrowser:
    if explicit_path:
        return _explicit("chromium", explicit_path, CHROMIUM_OPTION, probes)
    env_path = probes.env.get(CHROMIUM_ENV)
    if env_path:
        return _explicit("chromium", env_path, CHROMIUM_ENV, probes)

    looked = [f"{CHROMIUM_OPTION} / {CHROMIUM_ENV}: not set"]
    managed = probes.managed_executable("chromium")
    if managed and os.path.isfile(managed):
        # Playwright knows its own build best: launch it without executable_path.
        return ResolvedBrowser("chromium", BACKEND_MANAGED, None, f"Playwright's managed build at {managed}")
    looked.append(f"Playwright's managed build: {managed or 'Playwright driver unavailable'} (not installed)")

    for name in CHROMIUM_SYSTEM_NAMES:
        found = probes.which(name)
        if found and _is_executable_file(found):
            return ResolvedBrowser("chromium", BACKEND_SYSTEM_PLAYWRIGHT, found, f"`{name}` on PATH")
    looked.append(f"PATH ({probes.env.get('PATH', '')}): {', '.join(CHROMIUM_SYSTEM_NAMES)}")
    raise BrowserNotFoundError("chromium", looked)


RESOLVERS: dict[str, Resolver] = {"chromium": resolve_chromium}


def resolve_browser(engine: str, explicit_path: str | None = None, probes: Probes | None = None) -> ResolvedBrowser:
    """Find the executable for `engine`; raises BrowserNotFoundError naming where it looked."""
    resolver = RESOLVERS.get(engine)
    if resolver is None:
        raise BrowserNotFoundError(
            engine, [], f"no resolver for engine {engine!r} (known: {', '.join(sorted(RESOLVERS))})"
        )
    return resolver(explicit_path, probes if probes is not None else Probes())
