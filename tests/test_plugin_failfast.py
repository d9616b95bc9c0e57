"""Faults whose cause the probe sees early fail the boot within seconds on every engine, not after
the boot timeout; the ones it cannot tell from a slow boot still wait, and say how far Popcorn got.

Each test runs an inner pytest against a copy of the toolbox build whose page gets Popcorn wrong,
with a boot timeout of 60 s, so a failure in under 5 s can only be the early check."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from test_plugin_fixtures import run

from pytest_wasmblog.browsers.base import ENGINES

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>a page that gets Popcorn wrong</title></head>
<body>
{body}
</body>
</html>
"""
IMPORT = 'import { Popcorn } from "./popcorn.mjs";'
FAST_S = 5.0  # the requirement: such a page fails in under 5 s on every engine


def _module(code: str) -> str:
    return f'<script type="module">\n{IMPORT}\n{code}\n</script>'


def site_with_page(toolbox_site: Path, tmp_path: Path, body: str) -> Path:
    site = tmp_path / "site"
    shutil.copytree(toolbox_site, site)
    for built in site.glob("index.html*"):  # the page and its precompressed copies
        built.unlink()
    (site / "index.html").write_text(PAGE.format(body=body))
    return site


# The browser and the server start in a test of their own, so test_boot's setup is the boot alone
# (Firefox takes about 3 s to launch).
INNER_TESTS = """
def test_browser(wasm_browser, wasm_server):
    pass

def test_boot(wasm_app):
    pass
"""


def boot_fails(pytester: pytest.Pytester, site: Path, engine: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(INNER_TESTS)
    result = run(pytester, site, f"--wasm-browser={engine}", "--durations=0", "-vv", *args)
    result.assert_outcomes(passed=1, errors=1)
    return result


def setup_seconds(result: pytest.RunResult, engine: str = "") -> float:
    """test_boot's setup time (on `engine`, or the only one), from --durations: where a failing boot
    spends its time."""
    test = rf"test_boot\[{engine}\]" if engine else r"test_boot\b"
    times = [float(m.group(1)) for line in result.stdout.lines
             if (m := re.match(rf"\s*([0-9.]+)s setup\s+\S*::{test}", line))]
    assert times, result.stdout.lines[-15:]
    return times[0]


def error_report(result: pytest.RunResult, engine: str) -> pytest.LineMatcher:
    """The lines of test_boot[engine]'s error report."""
    lines = result.stdout.lines
    starts = [i for i, line in enumerate(lines) if re.match(r"_+ ERROR at setup of test_boot\[", line)]
    start = next((i for i in starts if f"test_boot[{engine}]" in lines[i]), None)
    assert start is not None, lines[-30:]
    following = [i for i in starts if i > start]
    end = following[0] if following else next(
        (i for i in range(start, len(lines)) if lines[i].startswith("=") and "short test summary" in lines[i]),
        len(lines))
    return pytest.LineMatcher(lines[start:end])


def fails_fast(pytester: pytest.Pytester, site: Path, lines: Callable[[str], list[str]] | list[str],
               engines: Sequence[str] = ENGINES) -> None:
    """One inner run on `engines`: each engine's boot fails in under FAST_S with its own `lines`.
    One run for all: a run per engine cost each scenario two more interpreter starts and servers."""
    pytester.makepyfile(INNER_TESTS)
    browsers = "all" if tuple(engines) == tuple(ENGINES) else ",".join(engines)
    result = run(pytester, site, f"--wasm-browser={browsers}", "--durations=0", "-vv", "--wasm-boot-timeout=60")
    result.assert_outcomes(passed=len(engines), errors=len(engines))
    for engine in engines:
        error_report(result, engine).fnmatch_lines(lines(engine) if callable(lines) else lines)
        assert setup_seconds(result, engine) < FAST_S, engine


STEP_1 = ["*Fix: *as the README's step 1 shows:",
          f"*      {IMPORT}",
          "*      window.popcorn = await Popcorn.init({ onStdout: console.log, onStderr: console.warn });"]


def test_a_page_that_never_sets_window_popcorn_fails_within_5_s(pytester: pytest.Pytester, toolbox_site: Path,
                                                                 tmp_path: Path) -> None:
    body = _module("const popcorn = await Popcorn.init({ onStdout: console.log, onStderr: console.warn });")
    fails_fast(pytester, site_with_page(toolbox_site, tmp_path, body),
               ["*PopcornNotExposedError: the app at * announced it was ready (* s after navigation), but 1 s later "
                "the page had not set window.popcorn (it is undefined)", *STEP_1])


def test_window_popcorn_set_to_the_promise_fails_at_boot(pytester: pytest.Pytester, toolbox_site: Path,
                                                         tmp_path: Path) -> None:
    # It used to pass the boot and fail the first call with "window.popcorn.call is not a function".
    body = _module("window.popcorn = Popcorn.init({ onStdout: console.log, onStderr: console.warn });")
    fails_fast(pytester, site_with_page(toolbox_site, tmp_path, body),
               ["*PopcornNotExposedError: *window.popcorn is a Promise: the page assigned Popcorn.init() without "
                "awaiting it", *STEP_1], engines=["chromium"])


def test_a_page_without_a_script_fails_within_5_s(pytester: pytest.Pytester, toolbox_site: Path,
                                                  tmp_path: Path) -> None:
    site = site_with_page(toolbox_site, tmp_path, "<p>Posts are rendered here.</p>")
    fails_fast(pytester, site, ["*NoPageScriptError: * has no script (besides the plugin's probe), so nothing "
                                "calls Popcorn.init()", *STEP_1])


def test_a_page_whose_script_is_missing_names_it_within_5_s(pytester: pytest.Pytester, toolbox_site: Path,
                                                            tmp_path: Path) -> None:
    site = site_with_page(toolbox_site, tmp_path, '<script type="module" src="./app.js"></script>')
    fails_fast(pytester, site, ["*MissingSiteFileError: the server answered 404 for /app.js while *",
                                "*Fix: the built site is incomplete*or correct the path the page asks for (/app.js: *"])


def test_a_misspelt_import_is_named_within_5_s(pytester: pytest.Pytester, toolbox_site: Path, tmp_path: Path) -> None:
    body = ('<script type="module">\nimport { Popcorn } from "./popcorn.js";\n'
            'window.popcorn = await Popcorn.init({});\n</script>')
    fails_fast(pytester, site_with_page(toolbox_site, tmp_path, body),
               ["*MissingSiteFileError: the server answered 404 for /popcorn.js while *"], engines=["chromium"])


# Measured: Chromium and Firefox report init()'s rejection as a page error; WebKit reports none
# (a rejected top-level await), and there the VM iframe Popcorn removed again gives it away.
INIT_FAILED = {"chromium": "*VMCrashError: the page threw while booting *container.appendChild is not a function*",
               "firefox": "*VMCrashError: the page threw while booting *container.appendChild is not a function*",
               "webkit": "*PopcornInitError: Popcorn's VM iframe is not in the document of *: Popcorn.init() failed "
                         "and removed it*"}


def test_popcorn_init_rejecting_fails_within_5_s(pytester: pytest.Pytester, toolbox_site: Path,
                                                 tmp_path: Path) -> None:
    # A selector where Popcorn wants an element: init() throws while mounting its iframe.
    body = _module('window.popcorn = await Popcorn.init({ container: "#vm" });')
    fails_fast(pytester, site_with_page(toolbox_site, tmp_path, body), lambda engine: [INIT_FAILED[engine]])


def test_no_bundle_at_either_path_fails_within_5_s(pytester: pytest.Pytester, toolbox_site: Path,
                                                   tmp_path: Path) -> None:
    # Popcorn's init() rejects with bundle_not_found: WebKit used to wait for the whole boot timeout.
    site = site_with_page(toolbox_site, tmp_path, _module(
        "window.popcorn = await Popcorn.init({ onStdout: console.log, onStderr: console.warn });"))
    for bundle in site.glob("bundle.avm*"):
        bundle.unlink()
    fails_fast(pytester, site, ["*MissingSiteFileError: the server answered 404 for /assets/bundle.avm, "
                                "/bundle.avm while *"])


def test_a_call_whose_receiver_dies_or_drops_it_fails_at_once(pytester: pytest.Pytester, receiver_site: Path) -> None:
    # The VM rejects a call's promise that nobody can answer any more (noproc), and Popcorn reloads.
    pytester.makepyfile(
        """
        import time
        import pytest
        from pytest_wasmblog.vm_errors import VMCrashError

        def test_ping(fresh_wasm_app):
            result = fresh_wasm_app.call("ping")
            assert result.data == "pong"
            # A receiver of its own does not say when Elixir had the call: the VM's legs are one.
            assert list(result.legs) == ["page_to_iframe", "vm_and_reply"]

        @pytest.mark.parametrize("request_", ["crash", "exit", "drop"])
        def test_unanswered(fresh_wasm_app, request_):
            started = time.monotonic()
            with pytest.raises(VMCrashError, match="Popcorn reloaded the VM iframe") as caught:
                fresh_wasm_app.call(request_)
            assert time.monotonic() - started < 3
            assert "receiver crashes, returns or drops the call without answering" in caught.value.fix
        """
    )
    run(pytester, receiver_site).assert_outcomes(passed=4)


def test_a_start_module_that_never_announces_waits_for_the_timeout_and_says_the_vm_runs(
        pytester: pytest.Pytester, silent_start_site: Path) -> None:
    # Nothing tells "never announces" from "still starting": the VM runs and is quiet either way.
    result = boot_fails(pytester, silent_start_site, "chromium", "--wasm-boot-timeout=3")
    timed_out = ("*BootTimeoutError: the app at * was not ready after 3 s: the VM runs (Popcorn's iframe sends its "
                 "heartbeat) but the app never sent popcorn_app_ready")
    result.stdout.fnmatch_lines([timed_out, "*Fix: the start module must register a process and announce it*"])
    assert setup_seconds(result) >= 3


def test_a_page_whose_script_never_starts_popcorn_waits_and_says_so(pytester: pytest.Pytester, toolbox_site: Path,
                                                                    tmp_path: Path) -> None:
    # Its script ran, so it could still start Popcorn later: only the boot timeout ends the wait.
    site = site_with_page(toolbox_site, tmp_path, '<script>console.log("analytics only");</script>')
    result = boot_fails(pytester, site, "chromium", "--wasm-boot-timeout=3")
    timed_out = "*BootTimeoutError: the app at * was not ready after 3 s: no VM iframe appeared: the page did not call*"
    result.stdout.fnmatch_lines([timed_out, *STEP_1])
    assert setup_seconds(result) >= 3
