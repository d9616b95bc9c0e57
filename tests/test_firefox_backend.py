"""Firefox over WebDriver BiDi: a Playwright/Firefox protocol mismatch becomes a message that says
which versions work, instead of a protocol error in every test."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from pytest_wasmblog.browsers.firefox import (
    WORKING_PLAYWRIGHT,
    FirefoxSession,
    version_mismatch_help,
)
from pytest_wasmblog.browsers.resolve import ResolvedBrowser
from pytest_wasmblog.errors import BrowserLaunchError


class RefusingBrowser:
    def __init__(self, message: str) -> None:
        self.message = message

    def new_context(self) -> None:
        raise PlaywrightError(self.message)


def session_with(browser: RefusingBrowser) -> FirefoxSession:
    session = FirefoxSession.__new__(FirefoxSession)  # no launch: only the context step is under test
    session.resolved = ResolvedBrowser("firefox", "system+playwright", "/usr/bin/firefox-esr", "test")
    session.browser = browser  # type: ignore[assignment]  # a stand-in browser for this unit test
    return session


def test_bidi_mismatch_names_the_working_versions() -> None:
    refused = "Protocol error (emulation.setMediaFeaturesOverride): unknown command"
    with pytest.raises(BrowserLaunchError) as caught:
        session_with(RefusingBrowser(refused))._new_context()
    message = str(caught.value)
    assert f"playwright{WORKING_PLAYWRIGHT}" in message
    assert "setMediaFeaturesOverride" in message
    assert "/usr/bin/firefox-esr" in message


def test_other_context_errors_pass_through() -> None:
    with pytest.raises(PlaywrightError, match="Target page, context or browser has been closed"):
        session_with(RefusingBrowser("Target page, context or browser has been closed"))._new_context()


def test_help_text_names_the_installed_playwright() -> None:
    text = version_mismatch_help("1.65.0", "unknown command")
    assert text.startswith("Playwright 1.65.0 cannot drive this Firefox")
    assert "playwright install firefox" in text
