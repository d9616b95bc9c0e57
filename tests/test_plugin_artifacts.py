"""What a failing browser test leaves behind (pytester, real Chromium and the toolbox bundle)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

TESTS = """
import pytest

def test_fails_after_vm_output(elixir, wasm_app):
    elixir.apply("Toolbox", "say", ["the vm said this"])
    wasm_app.evaluate("async () => { console.error('page complains'); }")
    assert False, "the test's own failure"

def test_passes(elixir):
    assert elixir.apply("Toolbox", "add", [1, 2]) == 3

def test_not_a_browser_test():
    assert False
"""


def run(pytester: pytest.Pytester, site: Path, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={site}", *args, timeout=240)


def folders(root: Path) -> dict[str, Path]:
    return {p.name: p for p in root.iterdir()} if root.is_dir() else {}


def test_a_failure_leaves_screenshot_console_vm_output_and_requests(pytester: pytest.Pytester,
                                                                    toolbox_site: Path) -> None:
    pytester.makepyfile(test_art=TESTS)
    result = run(pytester, toolbox_site, "--junitxml=junit.xml")
    result.assert_outcomes(passed=1, failed=2)
    kept = folders(pytester.path / "test-results" / "wasmblog")
    assert list(kept) == ["test_art.py-test_fails_after_vm_output-chromium"]  # nothing for passing tests
    folder = kept["test_art.py-test_fails_after_vm_output-chromium"]
    assert (folder / "page1.png").read_bytes().startswith(b"\x89PNG")
    assert "the vm said this" in (folder / "page1-vm.txt").read_text()
    assert "page complains" in (folder / "page1-console.txt").read_text()
    # The shared VM booted in this test's setup: its page, runtime and bundle requests are this test's.
    assert '"path": "/bundle.avm"' in (folder / "requests.json").read_text()
    result.stdout.fnmatch_lines(["*wasmblog artifacts*", "*page1.png: screenshot*", "*page1-vm.txt: VM stdout*"])
    junit = (pytester.path / "junit.xml").read_text()
    assert "wasmblog artifacts" in junit and "page1-vm.txt" in junit
    case = next(c for c in ET.parse(pytester.path / "junit.xml").getroot().iter("testcase")
                if c.get("name") == "test_fails_after_vm_output[chromium]")
    assert any(p.get("name") == "wasm_artifacts" for p in case.iter("property"))


def test_always_keeps_passing_tests_and_never_keeps_nothing(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(test_art=TESTS)
    run(pytester, toolbox_site, "--wasm-artifacts=always", "--wasm-output=always").assert_outcomes(passed=1, failed=2)
    assert set(folders(pytester.path / "always")) == {"test_art.py-test_fails_after_vm_output-chromium",
                                                      "test_art.py-test_passes-chromium"}
    run(pytester, toolbox_site, "--wasm-artifacts=never", "--wasm-output=never").assert_outcomes(passed=1, failed=2)
    assert folders(pytester.path / "never") == {}


def test_a_rerun_replaces_the_failed_attempts_artifacts(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(test_flaky="""
        import os

        def test_flaky(elixir):
            if not os.path.exists("attempted"):
                open("attempted", "w").close()
                assert False, "first attempt"
    """)
    result = run(pytester, toolbox_site, "--reruns", "1")
    assert result.parseoutcomes() == {"passed": 1, "rerun": 1}
    assert folders(pytester.path / "test-results" / "wasmblog") == {}  # the passing attempt left nothing


def test_a_boot_that_fails_in_setup_leaves_artifacts_too(pytester: pytest.Pytester, crash_on_start_site: Path) -> None:
    pytester.makepyfile(test_boot="""
        def test_needs_the_app(wasm_app):
            pass
    """)
    result = run(pytester, crash_on_start_site)
    result.assert_outcomes(errors=1)
    folder = pytester.path / "test-results" / "wasmblog" / "test_boot.py-test_needs_the_app-chromium"
    assert "CRASH REPORT" in (folder / "page1-vm.txt").read_text() or "MatchError" in (folder / "page1-vm.txt").read_text()
    result.stdout.fnmatch_lines(["*wasmblog artifacts*"])


def test_wasm_snapshot_writes_references_then_fails_on_a_change_with_the_numbers(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    page = "<!doctype html><style>body{{margin:0}} #box{{width:200px;height:100px;background:{}}}</style><div id=box></div>"
    (site / "index.html").write_text(page.format("rgb(0,128,0)"))
    pytester.makepyfile(test_look="""
        def test_box(wasm_browser, wasm_server, wasm_snapshot):
            with wasm_browser.new_page() as page:
                page.goto(wasm_server.url)
                wasm_snapshot(page, "box", "#box")
    """)
    run(pytester, site, "--wasm-update-snapshots").assert_outcomes(passed=1)
    assert (pytester.path / "__snapshots__" / "box.chromium.png").is_file()
    run(pytester, site).assert_outcomes(passed=1)  # unchanged page: matches

    (site / "index.html").write_text(page.format("rgb(0,0,255)"))
    result = run(pytester, site)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*100.00 % of pixels*differ by more than 16/255*"])
    out = pytester.path / "test-results" / "wasmblog" / "test_look.py-test_box-chromium"
    assert (out / "box.chromium.actual.png").is_file() and (out / "box.chromium.diff.png").is_file()


def test_with_wasm_trace_a_failure_keeps_this_tests_playwright_trace(pytester: pytest.Pytester,
                                                                     toolbox_site: Path) -> None:
    pytester.makepyfile(test_traced="""
        def test_first_passes(elixir):
            assert elixir.apply("Toolbox", "add", [1, 2]) == 3

        def test_then_fails(elixir, wasm_app):
            wasm_app.evaluate("async () => { document.title = 'traced'; }")
            assert False
    """)
    result = run(pytester, toolbox_site, "--wasm-trace", "--wasm-browser=chromium", "--wasm-browser=firefox")
    result.assert_outcomes(passed=2, failed=2)
    for engine in ("chromium", "firefox"):
        folder = pytester.path / "test-results" / "wasmblog" / f"test_traced.py-test_then_fails-{engine}"
        with zipfile.ZipFile(folder / "page1-trace.zip") as trace:
            assert any(name.endswith(".trace") for name in trace.namelist())
    result.stdout.fnmatch_lines(["*page1-trace.zip: Playwright trace*"])
    assert len(folders(pytester.path / "test-results" / "wasmblog")) == 2  # passing tests keep nothing
