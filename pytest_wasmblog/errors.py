"""Error types of pytest-wasmblog: each message names the cause and the fix."""

from __future__ import annotations

from collections.abc import Sequence


class WasmblogError(Exception):
    """Base of every error this plugin raises on purpose."""


class SiteNotFoundError(WasmblogError):
    """The directory to serve does not exist (or is not a directory)."""

    def __init__(self, path: str, hint: str = "") -> None:
        self.path = path
        msg = (
            f"site directory not found: {path!r}. "
            "Build the site first or point the plugin at the directory that holds index.html"
        )
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


_BROWSER_FIXES = {
    "chromium": "pass --wasm-chromium-path=/path/to/chromium or set WASMBLOG_CHROMIUM, install one "
    "(`apt-get install chromium`), or run `playwright install chromium`.",
    "firefox": "pass --wasm-firefox-path=/path/to/firefox or set WASMBLOG_FIREFOX, install Firefox ESR "
    "(`apt-get install firefox-esr`), or run `playwright install firefox`.",
    "webkit": "install WebKitGTK's MiniBrowser and driver (`apt-get install webkit2gtk-driver xvfb`), pass "
    "--wasm-webkit-path=/path/to/MiniBrowser or set WASMBLOG_WEBKIT (and WASMBLOG_WEBKIT_DRIVER for the "
    "driver), or run `playwright install webkit`.",
}


class BrowserNotFoundError(WasmblogError):
    """No usable browser executable was found; lists where we looked."""

    def __init__(self, engine: str, looked: Sequence[str], detail: str = "") -> None:
        self.engine = engine
        self.looked = list(looked)
        where = "\n".join(f"  - {item}" for item in self.looked) or "  (nowhere)"
        msg = f"no {engine} browser found"
        if detail:
            msg += f": {detail}"
        msg += f"\nLooked at:\n{where}\nFix: {_BROWSER_FIXES.get(engine, f'install {engine} or point the plugin at it.')}"
        super().__init__(msg)


class BrowserLaunchError(WasmblogError):
    """The browser executable exists but could not be started or driven."""

    def __init__(self, engine: str, executable: str | None, cause: str) -> None:
        self.engine = engine
        self.executable = executable
        exe = executable or "Playwright's managed build"
        super().__init__(
            f"could not launch {engine} ({exe}): {cause}\n"
            "Fix: check that the executable runs on its own (`<path> --headless --version`), "
            "that the Playwright version matches (playwright>=1.64,<1.65), "
            f"or point at another browser with --wasm-{engine}-path / WASMBLOG_{engine.upper()}."
        )


class RemoteBrowserError(BrowserLaunchError):
    """A browser elsewhere (a Playwright server, a Selenium Grid) could not be reached, gave no session, or
    lost it; the message says where and what to do."""

    def __init__(self, engine: str, url: str, cause: str, fix: str) -> None:
        self.engine = engine
        self.executable = None
        self.url = url
        WasmblogError.__init__(self, f"remote {engine} at {url}: {cause}\nFix: {fix}")


class ServerError(WasmblogError):
    """The static site server could not start (e.g. the port is taken)."""


class JavaScriptError(WasmblogError):
    """A JS exception thrown by code evaluated in the page; carries the JS stack."""

    def __init__(self, message: str, stack: str = "") -> None:
        self.js_message = message
        self.stack = stack
        if stack.startswith(message):  # V8 stacks start with "Name: message"
            text = f"JavaScript error: {stack}"
        else:
            text = f"JavaScript error: {message}" + (f"\n{stack}" if stack else "")
        super().__init__(text)


class EvaluateTimeoutError(JavaScriptError):
    """Code evaluated in the page did not settle within its timeout."""

    def __init__(self, timeout_s: float, detail: str = "") -> None:
        self.timeout_s = timeout_s
        message = (
            f"evaluate timed out after {timeout_s:g} s"
            + (f" ({detail})" if detail else "")
            + ": the page's promise never settled. Raise timeout_s if the page is just slow, "
            "or look at the console messages for a crash"
        )
        self.js_message = message
        self.stack = ""
        WasmblogError.__init__(self, message)


class NavigationError(WasmblogError):
    """The browser could not load a URL (refused, timed out, page crashed)."""

    def __init__(self, url: str, cause: str) -> None:
        self.url = url
        super().__init__(
            f"could not load {url}: {cause}\n"
            "Fix: check that the site server is running and serves this path; "
            "raise the navigation timeout if the site is just slow"
        )


class PayloadError(WasmblogError):
    """A request body one of the server's receivers cannot accept: what it was, where in its JSON
    the problem is, and the fix."""

    def __init__(self, what: str, problem: str, fix: str, json_path: str = "") -> None:
        self.problem = problem
        self.fix = fix
        self.json_path = json_path
        where = f"{json_path}: " if json_path else ""
        super().__init__(f"bad {what}: {where}{problem}\nFix: {fix}")
