"""`--wasm-record-modules`: the modules the run's VMs loaded, per engine, as the build's list."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_plugin_fixtures import run

from pytest_wasmblog.bundle.used_modules import read


def test_the_modules_every_vm_loaded_are_written_per_engine(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    target = pytester.path / "modules.txt"
    pytester.makepyfile(
        """
        def test_shared(elixir):
            assert elixir.apply("Toolbox", "add", [1, 2]) == 3

        def test_fresh(fresh_wasm_app):
            # Only this VM formats an exception: its modules count too.
            reply = fresh_wasm_app.call({"bridge": "apply", "module": "Toolbox", "function": "fail", "args": ["x"]})
            assert reply.data["exception"] == "Elixir.ArgumentError"
        """
    )
    result = run(pytester, toolbox_site, f"--wasm-record-modules={target}", "--wasm-browser=chromium",
                 "--wasm-browser=firefox")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([f"*--wasm-record-modules: * modules loaded (chromium *, firefox *) written to {target}"])
    loaded = read(target)
    assert {"Elixir.Toolbox", "Elixir.PytestWasmblog.Bridge", "wasmblog_start"} <= loaded
    assert "Elixir.ArgumentError" in loaded
    assert "unicode_util" not in loaded  # in the static closure, but nothing here calls it
    assert target.read_text().startswith("# Modules loaded by a test run on chromium, firefox")


def test_a_failed_run_writes_nothing(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    target = pytester.path / "modules.txt"
    pytester.makepyfile("def test_fails(elixir):\n    assert elixir.apply('Toolbox', 'add', [1, 2]) == 4\n")
    result = run(pytester, toolbox_site, f"--wasm-record-modules={target}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*--wasm-record-modules: * not written: the run failed*"])
    assert not target.exists()
