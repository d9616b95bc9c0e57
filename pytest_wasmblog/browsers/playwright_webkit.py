"""Playwright's own WebKit (after `playwright install webkit`), with SharedArrayBuffer on."""

from __future__ import annotations

import os

from playwright.sync_api import Browser, Playwright

from .playwright_backend import PlaywrightSession
from .webkit import PLAYWRIGHT_WEBKIT_CAPABILITIES, SAB_ENV


class PlaywrightWebKitSession(PlaywrightSession):
    engine = "webkit"
    capabilities = PLAYWRIGHT_WEBKIT_CAPABILITIES

    def _launch(self, playwright: Playwright, headless: bool, timeout_ms: float) -> Browser:
        # Playwright's Linux WebKit is built on the GTK port, which keeps SharedArrayBuffer off.
        return playwright.webkit.launch(headless=headless, timeout=timeout_ms, env={**os.environ, **SAB_ENV})
