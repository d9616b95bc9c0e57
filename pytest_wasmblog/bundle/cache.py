"""Where build caches live: $WASMBLOG_CACHE, else the user's cache directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def cache_root() -> Path:
    configured = os.environ.get("WASMBLOG_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pytest-wasmblog"


def work_folder(final: Path) -> Path:
    """A work folder of this process only, beside `final`: xdist workers may build the same thing at once."""
    return final.with_name(f"{final.name}.partial-{os.getpid()}")


def publish(work: Path, final: Path) -> None:
    """Rename the finished work folder into place; if another process got there first, keep theirs."""
    try:
        work.rename(final)
    except OSError:
        if not final.is_dir():
            raise
        shutil.rmtree(work, ignore_errors=True)
