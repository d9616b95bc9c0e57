"""Which functions vm/overrides/ gives an Erlang body, read from the override files' exports."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pytest_wasmblog.bundle.rebuild import OVERRIDES_DIR

_EXPORT = re.compile(r"-export\(\s*\[(?P<names>[^\]]*)\]\s*\)", re.DOTALL)
_NAME = re.compile(r"'?(?P<name>[^'/\s,]+)'?\s*/\s*(?P<arity>\d+)")


@cache
def overridden(directory: Path = OVERRIDES_DIR) -> frozenset[tuple[str, str, int]]:
    """(module, function, arity) of every function an override exports."""
    found: set[tuple[str, str, int]] = set()
    for path in sorted(directory.glob("*.erl")):
        for export in _EXPORT.finditer(path.read_text()):
            found.update((path.stem, m["name"], int(m["arity"])) for m in _NAME.finditer(export["names"]))
    return frozenset(found)
