"""What the plugin says when the site, the headers, the bundle or the browser are wrong."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from test_plugin_fixtures import run


def test_isolation_check_names_every_missing_header(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_wasmblog.isolation import IsolationError

        def test_check(isolation):
            report = isolation.check()
            assert report.cross_origin_isolated is False
            with pytest.raises(IsolationError) as caught:
                report.assert_isolated()
            message = str(caught.value)
            assert "/index.html: header Cross-Origin-Opener-Policy is missing" in message
            assert "/index.html: header Cross-Origin-Embedder-Policy is missing" in message
            assert "/AtomVM.wasm: header Cross-Origin-Embedder-Policy is missing" in message
        """
    )
    run(pytester, toolbox_site, "--wasm-isolation=none").assert_outcomes(passed=1)


@pytest.mark.parametrize("header", ["Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy"])
def test_one_missing_header_is_named_alone(pytester: pytest.Pytester, toolbox_site: Path, header: str) -> None:
    other = ({"Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy"} - {header}).pop()
    pytester.makepyfile(
        f"""
        import pytest
        from pytest_wasmblog.isolation import IsolationError

        def test_check(isolation):
            with pytest.raises(IsolationError) as caught:
                isolation.assert_isolated()
            assert "header {header} is missing" in str(caught.value)
            assert "{other}" not in str(caught.value).split("Fix:")[0]
        """
    )
    run(pytester, toolbox_site, f"--wasm-omit-header={header}").assert_outcomes(passed=1)


@pytest.mark.parametrize(("option", "named"), [
    ("--wasm-isolation=none", "Cross-Origin-Opener-Policy is missing"),
    ("--wasm-omit-header=Cross-Origin-Opener-Policy", "Cross-Origin-Opener-Policy is missing"),
    ("--wasm-omit-header=Cross-Origin-Embedder-Policy", "Cross-Origin-Embedder-Policy is missing"),
])
def test_booting_without_isolation_fails_fast_and_says_why(pytester: pytest.Pytester, toolbox_site: Path,
                                                           option: str, named: str) -> None:
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    result = run(pytester, toolbox_site, option, "--wasm-boot-timeout=120", "--durations=1")
    result.assert_outcomes(errors=1)
    pattern = ("*NotIsolatedError*is not cross-origin isolated*SharedArrayBuffer*"
               f"the server sent /index.html: header {named}*")
    result.stdout.fnmatch_lines([pattern])
    assert _setup_seconds(result) < 10


def _setup_seconds(result: pytest.RunResult) -> float:
    """The inner test's setup time, from --durations (where a failing boot spends its time)."""
    times = [float(m.group(1)) for line in result.stdout.lines
             if (m := re.match(r"\s*([0-9.]+)s setup\s", line))]
    assert times, result.stdout.lines[-12:]
    return times[0]


@pytest.mark.parametrize(("override", "path"), [(".wasm=application/octet-stream", "/AtomVM.wasm"),
                                                (".mjs=application/octet-stream", "/popcorn.mjs")])
def test_a_runtime_file_with_the_wrong_content_type_is_named_on_every_engine(
        pytester: pytest.Pytester, toolbox_site: Path, override: str, path: str) -> None:
    # Measured: a .wasm of another type still boots after a second download; a module script of
    # another type never runs. Either way the boot stops at once with the file and the type named.
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    result = run(pytester, toolbox_site, f"--wasm-mime-type={override}", "--wasm-browser=all",
                 "--wasm-boot-timeout=60", "--durations=3")
    result.assert_outcomes(errors=3)
    error_lines = [line for line in result.stdout.lines if line.startswith("E ")
                   and f"{path}: sent as 'application/octet-stream', needs" in line]
    assert len(error_lines) == 3, result.stdout.lines[-30:]
    result.stdout.fnmatch_lines(["*Fix: configure the host to send `Content-Type: application/wasm`*"])
    setups = [float(m.group(1)) for line in result.stdout.lines
              if (m := re.match(r"\s*([0-9.]+)s setup\s", line))]
    assert len(setups) == 3 and max(setups) < 15, result.stdout.lines[-12:]


def test_a_vm_abort_during_a_call_fails_that_call_at_once(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest
        from pytest_wasmblog.vm_errors import VMCrashError

        def test_abort(elixir, wasm_app):
            # Popcorn 0.3.3's VM aborts (segmentation fault) on a ~150 KB argument; the limit is off here.
            started = time.monotonic()
            with pytest.raises(VMCrashError, match="the VM died during the call") as caught:
                elixir.apply("Toolbox", "echo", ["x" * 150_000])
            assert time.monotonic() - started < 5
            assert "Aborted" in str(caught.value)
            assert not wasm_app.healthy()

        def test_the_next_test_gets_a_new_vm(elixir):
            assert elixir.apply("Toolbox", "add", [2, 3]) == 5
        """
    )
    run(pytester, toolbox_site, "--wasm-max-payload=0").assert_outcomes(passed=2)


def _copy_site(site: Path, target: Path) -> Path:
    shutil.copytree(site, target)
    return target


def test_truncated_bundle_is_refused_with_its_offset(pytester: pytest.Pytester, toolbox_site: Path, tmp_path: Path) -> None:
    site = _copy_site(toolbox_site, tmp_path / "site")
    bundle = site / "bundle.avm"
    data = bundle.read_bytes()
    bundle.write_bytes(data[: len(data) // 2])
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    result = run(pytester, site)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*BundleError: *bundle.avm: invalid .avm bundle, entry * at byte *"])


def test_corrupted_magic_is_refused(pytester: pytest.Pytester, toolbox_site: Path, tmp_path: Path) -> None:
    site = _copy_site(toolbox_site, tmp_path / "site")
    bundle = site / "bundle.avm"
    bundle.write_bytes(b"#!/usr/bin/env AtomXX" + bundle.read_bytes()[21:])
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    result = run(pytester, site)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*invalid .avm bundle, byte 0: bad magic*"])


def test_an_empty_bundle_is_refused_before_serving(pytester: pytest.Pytester, toolbox_site: Path,
                                                   tmp_path: Path) -> None:
    site = _copy_site(toolbox_site, tmp_path / "site")
    (site / "bundle.avm").write_bytes(b"")
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    result = run(pytester, site)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*BundleError: *bundle.avm: invalid .avm bundle*"])


def test_no_site_configured_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no site to serve: pass --wasm-site PATH*"])


def test_missing_browser_skips_outside_ci_and_fails_in_ci(
    pytester: pytest.Pytester, toolbox_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A browser the environment points at but that is not there: a skip on a laptop, an error in CI."""
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    monkeypatch.setenv("WASMBLOG_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    outside = run(pytester, toolbox_site, "-rs")
    outside.assert_outcomes(skipped=1)
    outside.stdout.fnmatch_lines(["*/nonexistent/chromium*"])
    monkeypatch.setenv("CI", "true")
    in_ci = run(pytester, toolbox_site)
    in_ci.assert_outcomes(errors=1)
    in_ci.stdout.fnmatch_lines(["*no chromium browser found*/nonexistent/chromium*", "*CI=true: a missing browser*"])


def test_a_browser_path_option_that_does_not_exist_is_a_usage_error(pytester: pytest.Pytester,
                                                                    toolbox_site: Path) -> None:
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    result = run(pytester, toolbox_site, "--wasm-chromium-path=/nonexistent/chromium")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --wasm-chromium-path: /nonexistent/chromium does not exist*"])


def test_after_repeated_boot_failures_the_rest_fail_at_once(pytester: pytest.Pytester, crash_on_start_site: Path) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_boots(fresh_wasm_app, n):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={crash_on_start_site}",
                                           "--wasm-max-boot-failures=2", "--durations=0", timeout=240)
    result.assert_outcomes(errors=6)
    output = result.stdout.str()
    # Counted on the error lines alone: the short summary repeats them (in full when CI=true).
    opened = [line for line in result.stdout.lines
              if line.startswith("E ") and "BootCircuitOpenError: chromium: the last 2 boots failed" in line]
    assert len(opened) == 4
    assert "The first of them:" in output
    # 2 real crashes, and 4 open-circuit errors that each quote the first crash
    assert output.count("VMCrashError: the VM stopped while booting") >= 6


@pytest.mark.parametrize("missing", ["bundle.avm", "AtomVM.wasm"])
def test_a_missing_runtime_file_is_named_within_seconds(pytester: pytest.Pytester, toolbox_site: Path,
                                                        tmp_path: Path, missing: str) -> None:
    site = tmp_path / "site"
    shutil.copytree(toolbox_site, site)
    (site / missing).unlink()
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={site}", "--durations=1",
                                           timeout=120)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*MissingSiteFileError: the server answered 404 for *{missing}*",
                                 "*Fix: the built site is incomplete*"])
    # Well before Popcorn's own 30 s init timeout.
    setup = [float(m.group(1)) for line in result.stdout.lines
             if (m := re.match(r"\s*([0-9.]+)s setup\s+\S*test_boot", line))]
    assert setup and setup[0] < 10, result.stdout.lines[-12:]


def test_bad_call_arguments_are_refused_before_they_reach_the_vm(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest
        from pytest_wasmblog.terms import TermEncodingError
        from pytest_wasmblog.vm_errors import PayloadTooLargeError

        def test_ten_megabytes(elixir, popcorn):
            started = time.monotonic()
            with pytest.raises(PayloadTooLargeError, match=r"10,000,\\d+ bytes of JSON, over the 50,000-byte limit"):
                elixir.apply("Toolbox", "echo", ["x" * 10_000_000])
            assert time.monotonic() - started < 2
            assert elixir.apply("Toolbox", "add", [1, 1]) == 2  # the VM never saw it

        def test_not_encodable(elixir):
            with pytest.raises(TermEncodingError, match=r"args\\[0\\]"):
                elixir.apply("Toolbox", "echo", [object()])

        def test_limit_is_an_option(elixir):
            assert elixir.apply("Toolbox", "echo", ["y" * 40_000]) == "y" * 40_000
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={toolbox_site}", timeout=120)
    result.assert_outcomes(passed=3)
    smaller = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={toolbox_site}",
                                            "--wasm-max-payload=30000", "-k", "limit", timeout=120)
    smaller.assert_outcomes(failed=1)
    smaller.stdout.fnmatch_lines(["*over the 30,000-byte limit*"])


def test_a_call_to_a_process_that_does_not_exist_fails_at_once(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest
        from pytest_wasmblog.vm_errors import VMCrashError

        def test_no_such_process(fresh_wasm_app):
            started = time.monotonic()
            with pytest.raises(VMCrashError, match="Popcorn reloaded the VM iframe"):
                fresh_wasm_app.call({"hello": 1}, process="no_such_process")
            assert time.monotonic() - started < 3
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={toolbox_site}", timeout=120)
    result.assert_outcomes(passed=1)
