"""Why a module is (or is not) in a built bundle, from `build-report.json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_wasmblog.errors import WasmblogError


def explain(report_path: Path, module: str) -> list[str]:
    if not report_path.is_file():
        raise WasmblogError(f"{report_path} not found: build the site first (`wasmblog build SITE`)")
    report = json.loads(report_path.read_text())
    unused = report.get("unused", {})
    # A packed module's parent may itself be left out as unused: the chain walks both.
    modules = {**unused, **report["modules"]}
    prefix: list[str] = []
    if module in unused:
        prefix = [f"{module} is left out: no recorded run loaded it ([bundle] used_modules). It is reachable by:"]
    elif module not in modules:
        wanted = report.get("dropped", {}).get(module)
        if wanted:
            return [f"{module} is left out by the drop list; wanted by {', '.join(wanted[:8])}"]
        return [f"{module} is not in the bundle and nothing reachable calls it"]
    return prefix + import_chain(modules, module)


def import_chain(modules: dict[str, dict[str, Any]], module: str) -> list[str]:
    """`module <- parent (why)` lines from a module up to the root that pulled it in."""
    chain: list[str] = []
    current: str | None = module
    while current is not None and current in modules and len(chain) < 100:
        entry = modules[current]
        detail = f": {entry['detail']}" if entry.get("detail") else ""
        if entry["parent"] is None:
            chain.append(f"{current} ({entry['reason']})")
        else:
            chain.append(f"{current} <- {entry['parent']} ({entry['reason']}{detail})")
        current = entry["parent"]
    return chain
