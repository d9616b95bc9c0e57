"""Playwright's own WebKit (after `playwright install webkit`), with SharedArrayBuffer on."""

from __future__ import annotations

from playwright.sync_api import Browser, Playwright

from .playwright_backend import PLAYWRIGHT_CAPABILITIES, PlaywrightSession
from .webkit_flags import SAB_ENV


class PlaywrightWebKitSession(PlaywrightSession):
    engine = "webkit"
    capabilities = PLAYWRIGHT_CAPABILITIES

    def _launch(self, playwright: Playwright, headless: bool, timeout_ms: float) -> Browser:
        # Playwright's Linux WebKit is built on the GTK port, which keeps SharedArrayBuffer off.
        return playwright.webkit.launch(headless=headless, timeout=timeout_ms, args=list(self.extra_args),
                                        env=self._env(SAB_ENV))
