"""Launch any engine by name; each backend's driver is imported only when its engine is used."""

from __future__ import annotations

from .base import BrowserSession


def launch(engine: str, explicit_path: str | None = None, *, headless: bool = True) -> BrowserSession:
    if engine == "chromium":
        from .chromium import launch_chromium

        return launch_chromium(explicit_path, headless=headless)
    if engine == "firefox":
        from .firefox import launch_firefox

        return launch_firefox(explicit_path, headless=headless)
    if engine == "webkit":
        from .webkit import launch_webkit

        return launch_webkit(explicit_path, headless=headless)
    raise ValueError(f"unknown engine {engine!r}: use chromium, firefox or webkit")
