"""A missing tool or browser skips a test on a developer's machine and fails it in CI."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{what} (with CI=true a missing tool or browser is a failure, not a skip)")
    pytest.skip(what)


def require_tools(*tools: str) -> None:
    absent = [tool for tool in tools if shutil.which(tool) is None]
    if absent:
        missing(f"not on PATH: {', '.join(absent)} (Debian packages erlang/elixir)")
