"""`--wasm-record-modules PATH`: which bundle modules the run's VMs loaded, written as the list
`wasmblog build` packs ([bundle] used_modules).

Each app is asked (`{"bridge": "loaded"}`) just before its page closes, so modules loaded by any
test on any engine count; a VM that died meanwhile has nothing to add, and its replacement is
asked in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pytest_wasmblog.app import PopcornApp
from pytest_wasmblog.bundle import used_modules
from pytest_wasmblog.stats import RunStats

OPTION = "--wasm-record-modules"


def add_option(parser: pytest.Parser) -> None:
    parser.getgroup("wasmblog").addoption(
        OPTION, metavar="PATH",
        help="write the modules the run's VMs loaded, per engine, to PATH: the list [bundle] used_modules "
        "reads (needs test_bridge = true; record after `wasmblog build SITE --all-modules`)")


def recorder(stats: RunStats, engine: str) -> Callable[[PopcornApp], None]:
    def record(app: PopcornApp) -> None:
        try:
            result = app.call({"bridge": "loaded"}, timeout_s=3)
        except Exception:  # noqa: BLE001 - a dead VM has loaded nothing it can still report
            return
        reply = result.data
        if result.ok and isinstance(reply, dict) and reply.get("ok") and isinstance(reply.get("value"), list):
            stats.loaded_modules.setdefault(engine, set()).update(str(name) for name in reply["value"])

    return record


def write(path: Path | None, stats: RunStats, failed: bool) -> str | None:
    """Write the list to `path` (Settings.record_modules) at the end of the run; the line to show, if any."""
    if path is None:
        return None
    if failed:
        return (f"{OPTION}: {path} not written: the run failed, and a failing test may not have loaded "
                "what it needs. Fix the failures and record again.")
    if not stats.loaded_modules:
        return (f"{OPTION}: {path} not written: no VM answered {{\"bridge\": \"loaded\"}}; the bundle needs "
                "PytestWasmblog.Bridge (test_bridge = true in wasmblog.toml)")
    used_modules.write(path, stats.loaded_modules, datetime.now(UTC))
    counts = ", ".join(f"{engine} {len(names)}" for engine, names in sorted(stats.loaded_modules.items()))
    total = len(set().union(*stats.loaded_modules.values()))
    return f"{OPTION}: {total} modules loaded ({counts}) written to {path}"
