"""An app's ExUnit tests as pytest items, on the host and in every engine's VM (pytester runs).

The app is tests/sites/shop (a GenServer cart, a protocol, errors) with planted test files: a
function whose result differs in the VM, a test that never returns, one that calls a module no
bundle has, and a file that does not compile. All inner runs share one copy of the site, so its
tests are compiled and its test bundle built once.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from pytest_wasmblog.browsers.base import ENGINES

SITES = Path(__file__).parent / "sites"
PLANTED = """
defmodule Shop.PlantedTest do
  use ExUnit.Case

  test "runs on the BEAM" do
    assert Shop.Platform.machine() == "BEAM"
  end

  @tag xfail_browser: [chromium: "not BEAM", firefox: "not BEAM", webkit: "not BEAM"]
  test "expects to differ" do
    assert Shop.Platform.machine() == "BEAM"
  end

  @tag timeout: 300
  test "never returns" do
    Process.sleep(:infinity)
  end

  test "after the hang" do
    assert 1 + 1 == 2
  end

  test "calls a module no bundle has" do
    {:ok, socket} = :gen_tcp.listen(0, [])
    :ok = :gen_tcp.close(socket)
  end

  test "after the crash" do
    assert String.upcase("ok") == "OK"
  end
end
"""
BROKEN = """
defmodule Shop.BrokenTest do
  use ExUnit.Case

  test "cannot compile" do
    assert undefined_helper(1)
  end
end
"""


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("exunit")
    site = root / "shop"
    shutil.copytree(SITES / "shop", site)
    shutil.copytree(SITES / "static", root / "static")
    (site / "test" / "planted_test.exs").write_text(PLANTED)
    (site / "test" / "broken_test.exs").write_text(BROKEN)
    return site


def run(pytester: pytest.Pytester, site: Path, *args: str) -> pytest.RunResult:
    # The site is the rootdir, so ids read as the issue shows them: test/cart_test.exs::Module::test ...[place].
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--rootdir={site}", "-o", "testpaths=", *args,
                                         timeout=300)


def test_each_test_and_doctest_is_an_item_per_place(pytester: pytest.Pytester, shop: Path) -> None:
    result = run(pytester, shop, str(shop / "test" / "cart_test.exs"), "--collect-only", "-q", "--wasm-browser=all")
    ids = [line for line in result.outlines if "::" in line]
    places = ("host", *ENGINES)
    for place in places:
        assert f"test/cart_test.exs::Shop.CartTest::test a cart process totals what was added[{place}]" in ids
        assert f"test/cart_test.exs::Shop.CartTest::doctest Shop.Cart.count_by_kind/1 (2)[{place}]" in ids
    tests = {re.sub(r"\[\w+\]$", "", i) for i in ids}
    assert len(ids) == len(tests) * len(places) and len(tests) == 8, ids  # 6 tests, 2 doctests


def test_a_file_that_does_not_compile_fails_its_collection_only(pytester: pytest.Pytester, shop: Path) -> None:
    result = run(pytester, shop, str(shop / "test"), "-k", "host and not never", "--continue-on-collection-errors")
    result.stdout.fnmatch_lines(["*ERROR collecting test/broken_test.exs*",
                                 "*test/broken_test.exs:6: *undefined function undefined_helper/1*"])
    outcomes = result.parseoutcomes()
    # The other files ran: the cart's 8 and the planted ones but the hang, on the host.
    assert outcomes.get("passed") == 8 + 5 and outcomes.get("errors") == 1, outcomes
    assert "Traceback" not in result.stdout.str()


def test_the_vm_runs_them_and_reports_divergences(pytester: pytest.Pytester, shop: Path) -> None:
    # One run for the three engines: each boots its own VM for the same test bundle.
    result = run(pytester, shop, str(shop / "test" / "cart_test.exs"), str(shop / "test" / "planted_test.exs"),
                 "--wasm-browser=all", "-rA")
    out = result.stdout.str()
    here = os.path.relpath(shop, pytester.path)  # the summary names files relative to the cwd
    assert f"PASSED {here}/test/planted_test.exs::Shop.PlantedTest::test runs on the BEAM[host]" in out
    assert out.count("** (ExUnit.TimeoutError) test timed out after 300ms") >= 1 + 2 * len(ENGINES)
    for engine in ENGINES:

        def summary(outcome: str, file: str, test: str, engine: str = engine) -> bool:
            return f"{outcome} {here}/test/{file}::{test}[{engine}]" in out

        # The cart's tests (GenServer, protocol dispatch, assert_raise, assert_receive, catch_*) pass in the VM.
        assert summary("PASSED", "cart_test.exs", "Shop.CartTest::test the Priced protocol raises for a type without "
                       "an implementation"), out
        # The planted divergence: passes on the host, fails in the VM with both outcomes and ExUnit's own text.
        result.stdout.fnmatch_lines([f"passes on host; in {engine}: Assertion with == failed", "", f"in {engine}:",
                                     "  1) test runs on the BEAM (Shop.PlantedTest)", "     test/planted_test.exs:5",
                                     "     Assertion with == failed",
                                     '     code:  assert Shop.Platform.machine() == "BEAM"',
                                     '     left:  "ATOM"', '     right: "BEAM"'])
        assert summary("XFAIL", "planted_test.exs", "Shop.PlantedTest::test expects to differ")
        # A test that never returns fails at its own timeout, and the next test runs.
        assert summary("FAILED", "planted_test.exs", "Shop.PlantedTest::test never returns")
        assert summary("PASSED", "planted_test.exs", "Shop.PlantedTest::test after the hang")
        # A module missing from the bundle: the VM dies, the failure names the module, a new VM runs the rest.
        assert re.search(rf"passes on host; in {engine}: the VM died running it: .*module gen_tcp cannot be resolved",
                         out)
        assert summary("PASSED", "planted_test.exs", "Shop.PlantedTest::test after the crash")
    # The cart's 8 in every place; of the planted 6, 5 pass on the host and 2 in each VM.
    engines = len(ENGINES)
    assert result.parseoutcomes() == {"passed": 8 * (1 + engines) + 5 + 2 * engines, "failed": 1 + 3 * engines,
                                      "xfailed": engines}


def test_k_lf_and_xdist_select_and_split_them(pytester: pytest.Pytester, shop: Path) -> None:
    cart = str(shop / "test" / "cart_test.exs")
    picked = run(pytester, shop, cart, "--wasm-browser=all", "-k", "protocol and webkit", "--collect-only", "-q")
    picked.stdout.fnmatch_lines(["test/cart_test.exs::Shop.CartTest::test the Priced protocol dispatches on the "
                                 "struct[[]webkit[]]", "*2/32 tests collected (30 deselected)*"])
    tagged = run(pytester, shop, cart, "--wasm-browser=chromium", "-k", "slow_path")  # an ExUnit @tag is a keyword
    assert tagged.parseoutcomes() == {"passed": 2, "deselected": 14}

    planted = str(shop / "test" / "planted_test.exs")
    first = pytester.runpytest_subprocess(f"--rootdir={shop}", "-o", "testpaths=", planted, "-k", "host",
                                          "--wasm-browser=chromium", timeout=300)
    assert first.parseoutcomes()["failed"] == 1  # the hang
    again = pytester.runpytest_subprocess(f"--rootdir={shop}", "-o", "testpaths=", planted, "-k", "host", "--lf",
                                          "--wasm-browser=chromium", timeout=300)
    again.stdout.fnmatch_lines(["*run-last-failure: rerun previous 1 failure*"])
    assert again.parseoutcomes() == {"failed": 1, "deselected": 6 + 5}  # -k, then --lf

    split = run(pytester, shop, cart, "--wasm-browser=chromium", "-n", "2")
    assert split.parseoutcomes() == {"passed": 16}
