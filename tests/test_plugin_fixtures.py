"""The plugin's fixtures, run the way a user runs them: an inner pytest against a real bundle in
real Chromium (pytester, in a subprocess so each run has its own browser and server)."""

from __future__ import annotations

from pathlib import Path

import pytest


def run(pytester: pytest.Pytester, site: Path, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={site}", *args, timeout=180)


def test_fixtures_call_elixir_and_see_vm_output(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        from pytest_wasmblog.terms import Atom

        def test_terms_round_trip(elixir):
            value = {"list": [1, 2.5, "x"], "none": None}
            assert elixir.apply("Toolbox", "echo", [value]) == value
            assert elixir.apply("Toolbox", "echo", [(Atom("ok"), "ok")]) == (Atom("ok"), "ok")
            assert elixir.apply("Toolbox", "echo", [{1: "one"}]) == {1: "one"}
            assert elixir.apply("Toolbox", "add", [40, 2]) == 42

        def test_raw_popcorn_call(popcorn):
            result = popcorn.call({"bridge": "ping"})
            assert result.ok and result.data == {"ok": True, "value": "pong"}
            assert result.duration_ms > 0

        def test_stdout(elixir, popcorn):
            elixir.apply("Toolbox", "say", ["hello from the vm"])
            assert "hello from the vm" in popcorn.stdout

        def test_shared_vm_is_reused(wasm_app, popcorn, elixir):
            assert popcorn is wasm_app and elixir.app is wasm_app

        def test_fresh_vm_is_another_page(fresh_wasm_app, wasm_app):
            assert fresh_wasm_app is not wasm_app
            assert fresh_wasm_app.call({"bridge": "ping"}).ok
            assert 0 < fresh_wasm_app.boot_ms

        def test_isolated(isolation):
            report = isolation.assert_isolated()
            assert report.headers["/AtomVM.wasm"]["content-type"] == "application/wasm"
        """
    )
    result = run(pytester, toolbox_site)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*wasmblog*", "chromium: chromium *, isolated", "*boot to app ready: median *"])


def test_elixir_exceptions_come_back_as_elixir_error(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_wasmblog.vm_errors import ElixirError

        def test_raise(elixir):
            with pytest.raises(ElixirError) as caught:
                elixir.apply("Toolbox", "fail", ["boom"])
            error = caught.value
            assert (error.kind, error.exception, error.message) == ("error", "ArgumentError", "boom")
            assert any(frame[0] == "Elixir.Toolbox" and frame[1] == "fail" for frame in error.stacktrace)
            assert "** (ArgumentError) boom" in str(error)

        def test_throw_and_exit(elixir):
            with pytest.raises(ElixirError) as thrown:
                elixir.apply("Toolbox", "throw_it", [7])
            assert thrown.value.kind == "throw"
            with pytest.raises(ElixirError) as exited:
                elixir.apply("Toolbox", "exit_with", ["bye"])
            assert exited.value.kind == "exit"

        def test_not_allowed(elixir):
            with pytest.raises(ElixirError) as caught:
                elixir.apply("String", "upcase", ["x"])
            assert caught.value.kind == "not_allowed" and "String" in caught.value.message

        def test_vm_still_answers_after_errors(elixir):
            assert elixir.apply("Toolbox", "echo", ["still here"]) == "still here"
        """
    )
    run(pytester, toolbox_site).assert_outcomes(passed=4)


def test_a_call_that_never_answers_times_out_with_a_clear_error(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest
        from pytest_wasmblog.elixir import ElixirBridge
        from pytest_wasmblog.vm_errors import CallTimeoutError

        def test_hang(fresh_wasm_app):
            started = time.monotonic()
            with pytest.raises(CallTimeoutError) as caught:
                ElixirBridge(fresh_wasm_app).apply("Toolbox", "hang", [])
            assert "got no answer within 1.5 s" in str(caught.value)
            assert "promise_resolve" in str(caught.value)
            assert time.monotonic() - started < 10
        """
    )
    run(pytester, toolbox_site, "--wasm-call-timeout=1.5").assert_outcomes(passed=1)


def test_a_crashing_start_module_fails_fast_with_the_vm_output(pytester: pytest.Pytester, crash_on_start_site: Path) -> None:
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    result = run(pytester, crash_on_start_site, "--wasm-boot-timeout=120")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*VMCrashError: the VM stopped while booting*CRASH REPORT*CrashOnStart*badmatch*"])
    # Within seconds, not after the 120 s boot timeout (or Popcorn's own 30 s init timeout).
    assert result.duration < 30


def test_a_start_module_that_returns_is_named_as_the_cause(pytester: pytest.Pytester, tmp_path: Path) -> None:
    from pytest_wasmblog.bundle.build import build_site

    site = tmp_path / "returns"
    (site / "lib").mkdir(parents=True)
    (site / "wasmblog.toml").write_text(
        '[bundle]\nstart_module = "Returns"\ntest_bridge = false\n[site]\nstatic = "static"\n')
    (site / "lib" / "returns.ex").write_text("defmodule Returns do\n  def start, do: :done\nend\n")
    (site / "static").mkdir()
    (site / "static" / "index.html").write_text((Path(__file__).parent / "sites" / "static" / "index.html").read_text())
    dist = build_site(site, log=lambda _: None).dist
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    result = run(pytester, dist)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*Return value: done*", "*start/0 returned, and the VM stops when it does*"])
