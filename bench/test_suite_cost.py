"""Suite cost: 100 Elixir-call tests on the reused VM vs the same tests booting a fresh VM each
(run by hand; each inner run is a real pytest run on one engine).

    python -m pytest bench/test_suite_cost.py -s -p no:cacheprovider [-k chromium]

The plugin's default (`elixir`, `popcorn`, `wasm_app`) is the reused VM.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

EXAMPLE_DIST = Path(__file__).resolve().parent.parent / "example_site" / "dist"
TESTS = 100

REUSED = """
import pytest

@pytest.mark.parametrize("n", range({tests}))
def test_call(elixir, n):
    assert elixir.apply("Blog.Slug", "slugify", [f"Post number {{n}}"]) == f"post-number-{{n}}"
"""

FRESH = """
import pytest
from pytest_wasmblog.elixir import ElixirBridge

@pytest.mark.parametrize("n", range({tests}))
def test_call(fresh_wasm_app, n):
    assert ElixirBridge(fresh_wasm_app).apply("Blog.Slug", "slugify", [f"Post number {{n}}"]) == f"post-number-{{n}}"
"""


def _run(pytester: pytest.Pytester, source: str, engine: str) -> float:
    pytester.makepyfile(test_bench=source.format(tests=TESTS))
    started = time.monotonic()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={EXAMPLE_DIST}",
                                           f"--wasm-browser={engine}", "-q", timeout=1800)
    elapsed = time.monotonic() - started
    result.assert_outcomes(passed=TESTS)
    return elapsed


@pytest.mark.parametrize("engine", ["chromium", "firefox", "webkit"])
def test_reused_vm_against_a_fresh_vm_per_test(pytester: pytest.Pytester, engine: str) -> None:
    reused = _run(pytester, REUSED, engine)
    fresh = _run(pytester, FRESH, engine)
    print(f"\n{engine}: {TESTS} tests, reused VM {reused:.1f} s, fresh VM per test {fresh:.1f} s, "
          f"ratio {fresh / reused:.1f}x")
    assert reused < fresh
