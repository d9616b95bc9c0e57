"""One report-header line per engine, without launching it: how it resolves and its version."""

from __future__ import annotations

import subprocess

from ..errors import BrowserNotFoundError
from .playwright_driver import default_probes
from .resolve import BACKEND_MANAGED, resolve_browser


def header_line(engine: str, explicit_path: str | None) -> str:
    try:
        resolved = resolve_browser(engine, explicit_path, default_probes())
    except BrowserNotFoundError as exc:
        return f"  {engine}: NOT FOUND ({str(exc).splitlines()[0]})"
    version = executable_version(resolved.executable) if resolved.executable else "Playwright's build"
    return (f"  {engine}: {resolved.backend}, {version or 'version known at launch'}, {resolved.how_found}; "
            "cross-origin isolation: see the wasmblog summary"
            + (" (managed)" if resolved.backend == BACKEND_MANAGED else ""))


def executable_version(executable: str) -> str | None:
    """`chromium --version` and `firefox --version` answer at once; MiniBrowser does not."""
    if executable.endswith("MiniBrowser"):
        return None
    try:
        done = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=10,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = done.stdout.strip().splitlines()
    return text[0].split(" built on ")[0] if done.returncode == 0 and text else None
