"""Markdown tables of boot phases and call latency from a `--wasm-report` JSON (for docs/performance.md).

    python bench/report_tables.py out/report.json
"""

from __future__ import annotations

import sys

from pytest_wasmblog.perf.boot_phases import PHASE_NAMES
from pytest_wasmblog.perf.report import read_report

ENGINES = ("chromium", "firefox", "webkit")


def main(path: str) -> None:
    medians = {(m["engine"], m["name"]): m["summary"]["median"] for m in read_report(path)["metrics"]}
    engines = [e for e in ENGINES if any(k[0] == e for k in medians)]
    print("| phase | " + " | ".join(f"{e} cold / warm" for e in engines) + " |")
    print("| --- |" + " --- |" * len(engines))
    for phase in PHASE_NAMES:
        cells = [" / ".join(_ms(medians.get((e, f"{kind}.{phase}"))) for kind in ("boot", "boot_warm")) for e in engines]
        print(f"| {phase} | " + " | ".join(cells) + " |")
    calls = sorted({name for (_, name) in medians if name.startswith("call.")})
    print("\n| call (median) | " + " | ".join(engines) + " |")
    print("| --- |" + " --- |" * len(engines))
    for name in calls:
        print(f"| {name} | " + " | ".join(f"{medians[(e, name)]:.3f} ms" if (e, name) in medians else "-"
                                          for e in engines) + " |")


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


if __name__ == "__main__":
    main(sys.argv[1])
