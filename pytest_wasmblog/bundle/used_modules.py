"""The modules a test run loaded, as an editable list the build packs instead of the whole static
closure.

The static closure is an upper bound: it follows every call a module could make. A run of the
site's own suite shows what is loaded; the file written from it is plain text (one module per
line, `#` comments) so a user can add a module the suite does not reach, or remove one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from pytest_wasmblog.atomic import write_atomically
from pytest_wasmblog.errors import WasmblogError


class UsedModulesError(WasmblogError):
    pass


def read(path: Path) -> frozenset[str]:
    modules: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        name = line.split("#", 1)[0].strip()
        if not name:
            continue
        if any(c.isspace() for c in name) or "/" in name:
            raise UsedModulesError(f"{path}:{number}: {name!r} is not a module name; write one module per line, "
                                   "like `Elixir.Enum` or `lists`, and `#` before comments")
        modules.add(name)
    return frozenset(modules)


def render(loaded: Mapping[str, set[str]], when: datetime) -> str:
    """One module per line with the engines that loaded it, most useful for review."""
    engines = sorted(loaded)
    everything = sorted(set().union(*loaded.values())) if loaded else []
    lines = [
        f"# Modules loaded by a test run on {', '.join(engines) or 'no engine'} ({when:%Y-%m-%d}),",
        "# written by `pytest --wasm-record-modules`. `wasmblog build` packs only these (with the app's",
        "# own modules and `keep`), leaving out the rest of the static closure. Add a module the tests do",
        "# not reach; record again after a full build (`wasmblog build SITE --all-modules`).",
    ]
    for module in everything:
        seen_by = [engine for engine in engines if module in loaded[engine]]
        note = "" if len(seen_by) == len(engines) else f"  # only {', '.join(seen_by)}"
        lines.append(module + note)
    return "\n".join(lines) + "\n"


def write(path: Path, loaded: Mapping[str, set[str]], when: datetime) -> Path:
    return write_atomically(path, render(loaded, when).encode())
