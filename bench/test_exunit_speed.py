"""ExUnit tests in the VM: 200 tests of one module, on the host and on each engine (run by hand).

    python -m pytest bench/test_exunit_speed.py -s -p no:cacheprovider

The app is tests/sites/shop with a generated 200-test module. Each engine's share is the wall time
of its items (browser launch, VM boot, the batches); the tests' own time is what the VM's clock says.
The first inner run builds the test bundle; the measured run reuses it. Numbers: docs/performance.md.
"""

from __future__ import annotations

import collections
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SITES = Path(__file__).resolve().parent.parent / "tests" / "sites"
TESTS = 200
MODULE = """
defmodule Shop.ManyTest do
  use ExUnit.Case, async: true

  for i <- 1..{tests} do
    test "book #{{i}}" do
      book = %Shop.Book{{title: "T#{{unquote(i)}}", pages: unquote(i)}}
      assert Shop.Priced.cents(book) == 500 + 2 * unquote(i)
      assert %{{Shop.Book => 1}} = Shop.Cart.count_by_kind([book])
    end
  end
end
"""


def test_200_exunit_tests_per_engine(pytester: pytest.Pytester, tmp_path: Path) -> None:
    site = tmp_path / "shop"
    shutil.copytree(SITES / "shop", site)
    shutil.copytree(SITES / "static", tmp_path / "static")
    (site / "test" / "many_test.exs").write_text(MODULE.format(tests=TESTS))
    many = str(site / "test" / "many_test.exs")
    args = ("-p", "no:cacheprovider", f"--rootdir={site}", "-o", "testpaths=", many, "--wasm-browser=all")
    pytester.runpytest_subprocess(*args, "-k", "chromium", timeout=1800)  # builds the bundle
    report = tmp_path / "report.xml"
    result = pytester.runpytest_subprocess(*args, f"--junitxml={report}", timeout=1800)
    result.assert_outcomes(passed=TESTS * 4)
    wall: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    for case in ET.parse(report).iter("testcase"):
        place = re.sub(r".*\[(\w+)\]$", r"\1", case.get("name", ""))
        wall[place] += float(case.get("time", 0))
        own[place] += sum(int(p.get("value", 0)) for p in case.iter("property") if p.get("name") == "exunit_time_us")
    for place in ("host", "chromium", "firefox", "webkit"):
        print(f"\n{place}: {TESTS} tests, items' wall time {wall[place]:.2f} s, tests' own time {own[place] / 1e6:.3f} s")
    assert all(wall[engine] > 0 for engine in ("chromium", "firefox", "webkit"))
