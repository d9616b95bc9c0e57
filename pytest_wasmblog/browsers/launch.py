"""Launch any engine by name, or connect to it elsewhere; each backend's driver is imported only when
its engine is used."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .base import BrowserSession


def launch(engine: str, explicit_path: str | None = None, *, headless: bool = True, args: Sequence[str] = (),
           env: Mapping[str, str] | None = None) -> BrowserSession:
    """`args`: extra command-line arguments for the browser; `env`: variables added to its environment."""
    if engine == "chromium":
        from .chromium import launch_chromium

        return launch_chromium(explicit_path, headless=headless, args=args, env=env)
    if engine == "firefox":
        from .firefox import launch_firefox

        return launch_firefox(explicit_path, headless=headless, args=args, env=env)
    if engine == "webkit":
        from .webkit import launch_webkit

        return launch_webkit(explicit_path, headless=headless, args=args, env=env)
    raise ValueError(f"unknown engine {engine!r}: use chromium, firefox or webkit")


def connect_remote(engine: str, url: str, *, accept_insecure_certs: bool = False,
                   timeout_s: float = 60) -> BrowserSession:
    """The engine's browser elsewhere: a Playwright server (ws://, wss://) or a WebDriver remote end such
    as Selenium Grid (http://, https://). `accept_insecure_certs`: the test server's certificate is the
    run's own."""
    if url.startswith(("ws://", "wss://")):
        from .remote_playwright import connect_playwright_server

        return connect_playwright_server(engine, url, ignore_https_errors=accept_insecure_certs,
                                         connect_timeout_s=timeout_s)
    from .remote_webdriver import RemoteWebDriverSession

    return RemoteWebDriverSession(engine, url, accept_insecure_certs=accept_insecure_certs, session_timeout_s=timeout_s)
