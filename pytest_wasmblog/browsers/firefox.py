"""Firefox through Playwright: Playwright's own Firefox, or stock Firefox (ESR) over WebDriver BiDi.

Stock Firefox speaks BiDi, not Playwright's patched Juggler protocol, so the system browser is
launched with the `moz-firefox` channel. Playwright 1.64 works with Firefox ESR 153; 1.65 sends
a BiDi command (emulation.setMediaFeaturesOverride) ESR 153 lacks and every new context fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import metadata

from playwright.sync_api import Browser, BrowserContext, Playwright
from playwright.sync_api import Error as PwError

from ..errors import BrowserLaunchError
from .playwright_backend import PLAYWRIGHT_CAPABILITIES, PlaywrightSession
from .playwright_driver import resolve_with_driver
from .resolve import BACKEND_MANAGED, Probes

# Versions shown to work together for stock Firefox over BiDi (see docs/browsers.md).
WORKING_PLAYWRIGHT = ">=1.64,<1.65"
_BIDI_MISMATCH_MARKERS = ("unknown command", "setMediaFeaturesOverride", "not supported", "UnsupportedOperation")


def version_mismatch_help(playwright_version: str, detail: str) -> str:
    return (
        f"Playwright {playwright_version} cannot drive this Firefox over WebDriver BiDi ({detail.strip()[:300]}). "
        f"Stock Firefox ESR 153 works with playwright{WORKING_PLAYWRIGHT} (pip install 'playwright{WORKING_PLAYWRIGHT}'); "
        "or run `playwright install firefox` and use Playwright's own Firefox."
    )


def playwright_version() -> str:
    try:
        return metadata.version("playwright")
    except metadata.PackageNotFoundError:
        return "unknown"


class FirefoxSession(PlaywrightSession):
    engine = "firefox"
    capabilities = PLAYWRIGHT_CAPABILITIES

    def _launch(self, playwright: Playwright, headless: bool, timeout_ms: float) -> Browser:
        if self.resolved.backend == BACKEND_MANAGED:
            return playwright.firefox.launch(headless=headless, timeout=timeout_ms, args=list(self.extra_args),
                                             env=self._env())
        return playwright.firefox.launch(
            channel="moz-firefox", executable_path=self.resolved.executable, headless=headless, timeout=timeout_ms,
            args=list(self.extra_args), env=self._env(),
        )

    def _new_context(self) -> BrowserContext:
        try:
            return self.browser.new_context(**self.context_args)
        except PwError as exc:
            if any(marker in exc.message for marker in _BIDI_MISMATCH_MARKERS):
                raise BrowserLaunchError(
                    "firefox", self.resolved.executable, version_mismatch_help(playwright_version(), exc.message)
                ) from None
            raise


def launch_firefox(explicit_path: str | None = None, *, headless: bool = True, args: Sequence[str] = (),
                   env: Mapping[str, str] | None = None, probes: Probes | None = None,
                   launch_timeout_s: float = 60) -> FirefoxSession:
    playwright, resolved = resolve_with_driver("firefox", explicit_path, probes)
    session = FirefoxSession(playwright, resolved, headless=headless, launch_timeout_s=launch_timeout_s,
                             args=args, env=env)
    # A protocol mismatch shows on the first context; find it now, not in the first test.
    try:
        session.new_page().close()
    except BaseException:
        session.close()
        raise
    return session
