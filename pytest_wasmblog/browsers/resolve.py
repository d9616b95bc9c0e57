"""Find the browser executable to drive, and say how it was found.

Order for each engine: an explicit path (never silently ignored), Playwright's own
managed build when installed, then the system browser on PATH. One resolver per
engine in `RESOLVERS`, so Firefox and WebKit add a function, not a branch.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..errors import BrowserNotFoundError

CHROMIUM_ENV = "WASMBLOG_CHROMIUM"
CHROMIUM_OPTION = "--wasm-chromium-path"
CHROMIUM_SYSTEM_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FIREFOX_SYSTEM_NAMES: tuple[str, ...] = ("firefox-esr", "firefox")
WEBKIT_MINIBROWSER_GLOBS: tuple[str, ...] = (
    "/usr/lib/*/webkit2gtk-4.1/MiniBrowser",
    "/usr/lib/*/webkit2gtk-4.0/MiniBrowser",
    "/usr/lib/*/webkitgtk-6.0/MiniBrowser",
    "/usr/libexec/webkit2gtk-4.*/MiniBrowser",
)
WEBKIT_DRIVER_ENV = "WASMBLOG_WEBKIT_DRIVER"
# engine -> (pytest option, environment variable) naming an explicit executable
EXPLICIT_SOURCES: dict[str, tuple[str, str]] = {
    "chromium": (CHROMIUM_OPTION, CHROMIUM_ENV),
    "firefox": ("--wasm-firefox-path", "WASMBLOG_FIREFOX"),
    "webkit": ("--wasm-webkit-path", "WASMBLOG_WEBKIT"),
}

BACKEND_MANAGED = "playwright-managed"
BACKEND_SYSTEM_PLAYWRIGHT = "system+playwright"
BACKEND_SYSTEM_WEBDRIVER = "system+webdriver"


@dataclass(frozen=True)
class ResolvedBrowser:
    engine: str
    backend: str
    executable: str | None  # None: let Playwright launch its managed build
    how_found: str
    driver: str | None = None  # the WebDriver server, for backends driven over WebDriver


def no_managed_build(engine: str) -> str | None:
    """The default look-up of Playwright's own builds: none (playwright_driver.default_probes() asks
    the driver, which needs Playwright running)."""
    return None


@dataclass(frozen=True)
class Probes:
    """What a resolver may look at; replaced in tests."""

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    which: Callable[[str], str | None] = shutil.which
    # engine -> the path Playwright would launch (existing or not), or None
    managed_executable: Callable[[str], str | None] = no_managed_build
    glob: Callable[[str], list[str]] = glob.glob


Resolver = Callable[[str | None, Probes], ResolvedBrowser]


def _is_executable_file(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _explicit(engine: str, path: str, source: str, probes: Probes, backend: str) -> ResolvedBrowser:
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
    return ResolvedBrowser(engine, backend, os.path.abspath(candidate), f"{source}={path}")


def _explicit_or_env(engine: str, explicit_path: str | None, probes: Probes, backend: str) -> ResolvedBrowser | None:
    option, env = EXPLICIT_SOURCES[engine]
    if explicit_path:
        return _explicit(engine, explicit_path, option, probes, backend)
    env_path = probes.env.get(env)
    if env_path:
        return _explicit(engine, env_path, env, probes, backend)
    return None


def _managed(engine: str, probes: Probes, looked: list[str]) -> ResolvedBrowser | None:
    managed = probes.managed_executable(engine)
    if managed and os.path.isfile(managed):
        # Playwright knows its own build best: launch it without executable_path.
        return ResolvedBrowser(engine, BACKEND_MANAGED, None, f"Playwright's managed build at {managed}")
    looked.append(f"Playwright's managed build: {managed or 'Playwright driver unavailable'} (not installed)")
    return None


def _on_path(engine: str, names: tuple[str, ...], probes: Probes, looked: list[str]) -> ResolvedBrowser | None:
    for name in names:
        found = probes.which(name)
        if found and _is_executable_file(found):
            return ResolvedBrowser(engine, BACKEND_SYSTEM_PLAYWRIGHT, found, f"`{name}` on PATH")
    looked.append(f"PATH ({probes.env.get('PATH', '')}): {', '.join(names)}")
    return None


def _not_set(engine: str) -> str:
    option, env = EXPLICIT_SOURCES[engine]
    return f"{option} / {env}: not set"


def _resolve_playwright_engine(engine: str, system_names: tuple[str, ...], explicit_path: str | None,
                               probes: Probes) -> ResolvedBrowser:
    looked = [_not_set(engine)]
    found = (
        _explicit_or_env(engine, explicit_path, probes, BACKEND_SYSTEM_PLAYWRIGHT)
        or _managed(engine, probes, looked)
        or _on_path(engine, system_names, probes, looked)
    )
    if found is None:
        raise BrowserNotFoundError(engine, looked)
    return found


def resolve_chromium(explicit_path: str | None, probes: Probes) -> ResolvedBrowser:
    return _resolve_playwright_engine("chromium", CHROMIUM_SYSTEM_NAMES, explicit_path, probes)


def resolve_firefox(explicit_path: str | None, probes: Probes) -> ResolvedBrowser:
    """Stock Firefox goes through Playwright's `moz-firefox` channel (WebDriver BiDi)."""
    return _resolve_playwright_engine("firefox", FIREFOX_SYSTEM_NAMES, explicit_path, probes)


def resolve_webkit(explicit_path: str | None, probes: Probes) -> ResolvedBrowser:
    """Playwright's WebKit if installed, else WebKitGTK's MiniBrowser driven by WebKitWebDriver."""
    looked = [_not_set("webkit")]
    explicit = _explicit_or_env("webkit", explicit_path, probes, BACKEND_SYSTEM_WEBDRIVER)
    if explicit is None:
        managed = _managed("webkit", probes, looked)
        if managed is not None:
            return managed
        candidates = [path for pattern in WEBKIT_MINIBROWSER_GLOBS for path in sorted(probes.glob(pattern))]
        browser = next((c for c in candidates if _is_executable_file(c)), None)
        looked.append(f"WebKitGTK MiniBrowser: {', '.join(WEBKIT_MINIBROWSER_GLOBS)}"
                      + ("" if browser else " (none found: apt-get install webkit2gtk-driver)"))
        if browser is None:
            raise BrowserNotFoundError("webkit", looked)
        explicit = ResolvedBrowser("webkit", BACKEND_SYSTEM_WEBDRIVER, browser, f"WebKitGTK at {browser}")
    driver = probes.env.get(WEBKIT_DRIVER_ENV) or probes.which("WebKitWebDriver")
    if not driver or not _is_executable_file(driver):
        looked.append(f"{WEBKIT_DRIVER_ENV} / WebKitWebDriver on PATH: not found (apt-get install webkit2gtk-driver)")
        raise BrowserNotFoundError("webkit", looked, f"found {explicit.executable} but no WebKitWebDriver to drive it")
    return dataclasses.replace(explicit, driver=driver)


RESOLVERS: dict[str, Resolver] = {
    "chromium": resolve_chromium,
    "firefox": resolve_firefox,
    "webkit": resolve_webkit,
}


def resolve_browser(engine: str, explicit_path: str | None = None, probes: Probes | None = None) -> ResolvedBrowser:
    """Find the executable for `engine`; raises BrowserNotFoundError naming where it looked."""
    resolver = RESOLVERS.get(engine)
    if resolver is None:
        raise BrowserNotFoundError(
            engine, [], f"no resolver for engine {engine!r} (known: {', '.join(sorted(RESOLVERS))})"
        )
    return resolver(explicit_path, probes if probes is not None else Probes())
