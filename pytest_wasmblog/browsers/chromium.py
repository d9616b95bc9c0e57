"""Chromium through Playwright's sync API (managed build or the system's Chromium)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from playwright.sync_api import Browser, Playwright

from .base import CAP_CDP
from .playwright_backend import PLAYWRIGHT_CAPABILITIES, PlaywrightPage, PlaywrightSession
from .playwright_driver import playwright_users, resolve_with_driver
from .resolve import Probes

__all__ = ["ChromiumPage", "ChromiumSession", "launch_chromium", "playwright_users"]

# Without the networking flags Chromium keeps dialling hosts a closed network refuses;
# --no-sandbox because CI containers often run as root.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

CHROMIUM_CAPABILITIES: frozenset[str] = PLAYWRIGHT_CAPABILITIES | {CAP_CDP}

ChromiumPage = PlaywrightPage


class ChromiumSession(PlaywrightSession):
    engine = "chromium"
    capabilities = CHROMIUM_CAPABILITIES

    def _launch(self, playwright: Playwright, headless: bool, timeout_ms: float) -> Browser:
        return playwright.chromium.launch(
            executable_path=self.resolved.executable,
            headless=headless,
            args=[*CHROMIUM_ARGS, *self.extra_args],
            env=self._env(),
            timeout=timeout_ms,
        )


def launch_chromium(explicit_path: str | None = None, *, headless: bool = True,
                    args: Sequence[str] = (), env: Mapping[str, str] | None = None, probes: Probes | None = None,
                    launch_timeout_s: float = 60) -> ChromiumSession:
    """Resolve and launch Chromium, using the shared Playwright driver for both steps."""
    playwright, resolved = resolve_with_driver("chromium", explicit_path, probes)
    return ChromiumSession(playwright, resolved, headless=headless, args=args, env=env,
                           launch_timeout_s=launch_timeout_s)
