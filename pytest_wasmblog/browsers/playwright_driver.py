"""The one Playwright driver per thread that every Playwright backend shares.

The sync API allows a single running Playwright per thread, so Chromium, Firefox and WebKit
sessions (and the resolver's look-up of managed builds) all go through this slot.
"""

from __future__ import annotations

import threading

from playwright.sync_api import Playwright, sync_playwright

from ..errors import BrowserLaunchError
from .resolve import Probes, ResolvedBrowser, resolve_browser


class _DriverSlot(threading.local):
    playwright: Playwright | None = None
    users: int = 0


_driver = _DriverSlot()


def acquire_playwright() -> Playwright:
    """The thread's Playwright driver, started on first use.

    The sync API allows one running Playwright per thread, so every Playwright
    backend (Chromium now, Firefox later) shares it; release with release_playwright().
    """
    if _driver.playwright is None:
        try:
            _driver.playwright = sync_playwright().start()
        except Exception as exc:  # noqa: BLE001 - e.g. called inside a running asyncio loop
            raise BrowserLaunchError("playwright", None, f"the Playwright driver did not start: {exc}") from None
        _driver.users = 0
    _driver.users += 1
    return _driver.playwright


def release_playwright() -> None:
    """Drop one user; the last one stops the driver (its Node process would outlive pytest)."""
    if _driver.playwright is None:
        return
    _driver.users -= 1
    if _driver.users <= 0:
        pw, _driver.playwright, _driver.users = _driver.playwright, None, 0
        pw.stop()


def playwright_users() -> int:
    """How many sessions in this thread hold the shared driver (0 = not running)."""
    return _driver.users if _driver.playwright is not None else 0


def playwright_managed_executable(engine: str) -> str | None:
    """Path of Playwright's own build for `engine` if Playwright knows one, else None; starts the shared
    driver briefly if no session holds it (the sync API allows one per thread)."""
    try:
        pw = acquire_playwright()
    except Exception:  # noqa: BLE001 - e.g. inside a running asyncio loop: no managed build to offer
        return None
    try:
        return str(getattr(pw, engine).executable_path)
    except Exception:  # noqa: BLE001 - an engine Playwright does not know
        return None
    finally:
        release_playwright()


def default_probes() -> Probes:
    """The real environment, with Playwright's managed builds looked up through the driver."""
    return Probes(managed_executable=playwright_managed_executable)


def managed_probes(playwright: Playwright) -> Probes:
    """Probes whose managed-build look-up uses the driver already running."""
    return Probes(managed_executable=lambda engine: str(getattr(playwright, engine).executable_path))


def resolve_with_driver(engine: str, explicit_path: str | None, probes: Probes | None = None
                        ) -> tuple[Playwright, ResolvedBrowser]:
    """Resolve `engine` with the shared driver held; the caller owns one use of it on success."""
    playwright = acquire_playwright()
    try:
        return playwright, resolve_browser(engine, explicit_path, probes or managed_probes(playwright))
    except BaseException:
        release_playwright()
        raise
