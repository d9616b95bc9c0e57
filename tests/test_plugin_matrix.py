"""The browser matrix as a user sees it: parametrization and ids, markers, missing engines, xdist,
and no helper process left behind."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_plugin_fixtures import run

ENGINE_ONLY = """
import pytest

def test_engine(wasm_engine):
    assert wasm_engine in ("chromium", "firefox", "webkit")

@pytest.mark.parametrize("n", [1, 2])
def test_with_params(wasm_engine, n):
    assert n in (1, 2)

def test_without_engine():
    pass
"""


def test_one_run_covers_the_matrix_and_ids_name_the_engine(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(ENGINE_ONLY)
    result = run(pytester, toolbox_site, "--wasm-browser=all", "-v")
    result.assert_outcomes(passed=10)
    result.stdout.fnmatch_lines([
        "*::test_engine[[]chromium[]] PASSED*",
        "*::test_engine[[]firefox[]] PASSED*",
        "*::test_engine[[]webkit[]] PASSED*",
        "*::test_with_params[[]webkit-2[]] PASSED*",
    ])
    # Engine by engine, so each browser is launched once: no engine comes back after another.
    engines = [m.group(1) for line in result.stdout.lines
               if (m := re.search(r"::test_\w+\[(chromium|firefox|webkit)[-\]]", line))]
    assert len(engines) == 9
    assert engines == sorted(engines, key=("chromium", "firefox", "webkit").index)


def test_repeated_option_picks_engines(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(ENGINE_ONLY)
    result = run(pytester, toolbox_site, "--wasm-browser=webkit", "--wasm-browser=chromium", "-v")
    result.assert_outcomes(passed=7)
    assert not any("firefox" in line for line in result.stdout.lines if "PASSED" in line)


def test_markers_select_and_expect_per_engine(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.skip_browser("webkit", reason="no offline API over WebDriver")
        def test_skipped_on_webkit(wasm_engine):
            assert wasm_engine != "webkit"

        @pytest.mark.only_browser("firefox")
        def test_only_firefox(wasm_engine):
            assert wasm_engine == "firefox"

        @pytest.mark.xfail_browser(chromium="a known Chromium difference")
        def test_fails_on_chromium(wasm_engine):
            assert wasm_engine != "chromium"
        """
    )
    result = run(pytester, toolbox_site, "--wasm-browser=all", "-rsx")
    # 2 + 1 passed; skipped: webkit once, chromium and webkit for only_browser; xfailed on chromium.
    result.assert_outcomes(passed=5, skipped=3, xfailed=1)
    result.stdout.fnmatch_lines(["*no offline API over WebDriver*", "*chromium: a known Chromium difference*"])


def test_xfail_browser_is_strict(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.xfail_browser(firefox="was broken")
        def test_fixed_meanwhile(wasm_engine):
            pass
        """
    )
    result = run(pytester, toolbox_site, "--wasm-browser=firefox")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*XPASS(strict)*firefox: was broken*"])


def test_marker_with_an_unknown_engine_is_a_usage_error(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.skip_browser("safari")
        def test_x(wasm_engine):
            pass
        """
    )
    result = run(pytester, toolbox_site)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*skip_browser names 'safari'; engines are chromium, firefox, webkit*"])


@pytest.mark.parametrize("engine", ["firefox", "webkit"])
def test_a_missing_engine_skips_outside_ci_and_fails_in_ci(
    pytester: pytest.Pytester, toolbox_site: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    monkeypatch.setenv(f"WASMBLOG_{engine.upper()}", f"/nonexistent/{engine}")  # the environment's choice, gone
    monkeypatch.delenv("CI", raising=False)
    outside = run(pytester, toolbox_site, f"--wasm-browser={engine}", "-rs")
    outside.assert_outcomes(skipped=1)
    outside.stdout.fnmatch_lines([f"*no {engine} browser found*/nonexistent/{engine}*"])
    monkeypatch.setenv("CI", "true")
    in_ci = run(pytester, toolbox_site, f"--wasm-browser={engine}")
    in_ci.assert_outcomes(errors=1)
    in_ci.stdout.fnmatch_lines([f"*no {engine} browser found*", "*CI=true: a missing browser or capability is an error*"])


def test_explicit_path_beats_auto_detection_in_the_header(pytester: pytest.Pytester, toolbox_site: Path,
                                                          tmp_path: Path) -> None:
    # A copy of the system Chromium under another name: found only if the explicit path wins.
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("no system Chromium to copy")
    alias = tmp_path / "my-chromium"
    alias.symlink_to(chromium)
    pytester.makepyfile("def test_x(wasm_browser):\n    assert wasm_browser.engine == 'chromium'\n")
    result = run(pytester, toolbox_site, f"--wasm-chromium-path={alias}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*chromium: system+playwright, Chromium *, --wasm-chromium-path={alias}*"])


def test_results_are_the_same_serially_and_on_two_workers(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import os
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_call(elixir, wasm_engine, n):
            assert elixir.apply("Toolbox", "add", [n, 1]) == n + 1
            print("worker", os.environ.get("PYTEST_XDIST_WORKER", "main"))

        @pytest.mark.xfail_browser(webkit="kept to check that markers survive xdist")
        def test_marked(wasm_engine):
            assert wasm_engine != "webkit"
        """
    )
    serial = run(pytester, toolbox_site, "--wasm-browser=all")
    serial.assert_outcomes(passed=14, xfailed=1)
    parallel = run(pytester, toolbox_site, "--wasm-browser=all", "-n", "2", "-v")
    parallel.assert_outcomes(passed=14, xfailed=1)
    assert any("[gw0]" in line for line in parallel.stdout.lines)
    assert any("[gw1]" in line for line in parallel.stdout.lines)
    # The controller merged both workers' measurements into one summary.
    parallel.stdout.fnmatch_lines(["*wasmblog*", "chromium: *, isolated", "firefox: *, isolated", "webkit: *, isolated"])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"  # a zombie waits only for the init process to reap it


@pytest.mark.parametrize(("engine", "browser_process"), [("chromium", "chrom"), ("firefox", "firefox"),
                                                         ("webkit", "WebKitWebDriver")])
def test_an_interrupted_run_leaves_no_helper_process(pytester: pytest.Pytester, toolbox_site: Path, tmp_path: Path,
                                                    engine: str, browser_process: str) -> None:
    pids_file = tmp_path / "pids"
    pytester.makepyfile(
        f"""
        import os, time
        from pathlib import Path

        def test_hold(wasm_app, wasm_browser):
            Path({str(pids_file)!r}).write_text("holding")
            time.sleep(120)
        """
    )
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--wasm-site={toolbox_site}",
               f"--wasm-browser={engine}", str(pytester.path)]
    process = subprocess.Popen(command, cwd=pytester.path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while not pids_file.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert pids_file.exists(), "the inner test never started"
    # Every process the run started, while it holds its browser: browsers, drivers, Xvfb, Playwright's
    # node (its descendants only: other runs on the machine start browsers too).
    helpers = [pid for pid in _descendants(process.pid) if _command(pid)]
    assert any(browser_process in _command(pid) for pid in helpers), [_command(pid)[:80] for pid in helpers]
    process.send_signal(signal.SIGINT)
    process.wait(60)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [(_command(pid), pid) for pid in helpers if _alive(pid)] == []


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().split(")")[-1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found |= frontier
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_a_missing_capability_skips_outside_ci_and_fails_in_ci(
    pytester: pytest.Pytester, toolbox_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        """
        def test_needs_cdp(wasm_require, wasm_browser):
            wasm_require("cdp")
            assert wasm_browser.has("cdp")
        """
    )
    monkeypatch.delenv("CI", raising=False)
    outside = run(pytester, toolbox_site, "--wasm-browser=chromium", "--wasm-browser=firefox", "-rs")
    outside.assert_outcomes(passed=1, skipped=1)
    outside.stdout.fnmatch_lines(["*firefox * has no 'cdp' capability*"])
    monkeypatch.setenv("CI", "true")
    in_ci = run(pytester, toolbox_site, "--wasm-browser=firefox")
    in_ci.assert_outcomes(failed=1)
    in_ci.stdout.fnmatch_lines(["*has no 'cdp' capability*CI=true*"])
