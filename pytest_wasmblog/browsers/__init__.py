"""Browser backends behind one small interface (see base.py).

Only the interface and the resolver are imported here: backends import their
driver (Playwright, Selenium) lazily, so a missing driver fails only its engine.
"""

from __future__ import annotations

from .base import (
    ENGINES,
    KNOWN_CAPABILITIES,
    BrowserPage,
    BrowserSession,
    ConsoleMessage,
)
from .resolve import RESOLVERS, Probes, ResolvedBrowser, resolve_browser

__all__ = [
    "ENGINES",
    "KNOWN_CAPABILITIES",
    "RESOLVERS",
    "BrowserPage",
    "BrowserSession",
    "ConsoleMessage",
    "Probes",
    "ResolvedBrowser",
    "resolve_browser",
]
