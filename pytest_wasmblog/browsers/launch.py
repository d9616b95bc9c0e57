"""Launch any engine by name; each backend's driver is imported only when its engine is used."""

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
