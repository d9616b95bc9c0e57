"""In Chromium: a test that calls what the VM cannot run sees an error naming the function and why,
and no fix suggests `keep` for a module that does not exist or cannot run (tests/sites/cannot_run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_plugin_fixtures import run


def test_errors_name_what_cannot_run(pytester: pytest.Pytester, cannot_run_build: tuple[Path, list[str]]) -> None:
    dist, _ = cannot_run_build
    pytester.makepyfile(
        """
        import pytest
        from pytest_wasmblog.terms import Atom
        from pytest_wasmblog.vm_errors import ElixirError, VMCrashError

        def no_keep(fix, module):
            assert f"add {module} to" not in fix and "to `keep` in" not in fix, fix

        def test_a_file(elixir):
            with pytest.raises(VMCrashError) as caught:
                elixir.apply("Reach.Files", "read", ["/etc/hosts"])
            fix = caught.value.fix
            assert fix.startswith(":file cannot run in this VM: a browser has no file system"), fix
            assert "Reach.Files.read/1 calls :file.read_file/1 (through File.read/1)" in fix
            no_keep(fix, "file")

        def test_a_port(elixir):
            with pytest.raises(ElixirError) as caught:
                elixir.apply("Reach.Shell", "open", ["ls"])
            assert caught.value.cannot_run == (
                "Reach.Shell.open/1 calls :erlang.open_port/2, which this VM cannot run: "
                "a browser cannot start programs or open ports")
            assert "Cannot run in this VM: Reach.Shell.open/1" in str(caught.value)

        def test_code_evaluated_at_run_time(elixir):
            with pytest.raises(VMCrashError) as caught:
                elixir.apply("Reach.Eval", "eval", ["1 + 2"])
            fix = caught.value.fix
            assert "Reach.Eval.eval/1 calls Code.eval_string/1" in fix
            assert "the Erlang and Elixir compilers are never in a bundle" in fix
            no_keep(fix, "Elixir.Code")

        def test_a_nif_this_vm_lacks(elixir):
            with pytest.raises(ElixirError) as caught:
                elixir.apply("Reach.Misc", "count", [Atom("no_table")])
            assert caught.value.message.startswith(
                ":ets.select_count/2 is not available in this VM: BEAM implements it in C (a NIF)")

        def test_a_module_of_the_vm(elixir):
            with pytest.raises(VMCrashError) as caught:
                elixir.apply("Reach.Misc", "arg", [Atom("home")])
            fix = caught.value.fix
            assert fix.startswith(":init is part of the BEAM runtime") and ":init.get_argument/1" in fix
            no_keep(fix, "init")

        def test_a_module_that_does_not_exist(elixir):
            with pytest.raises(VMCrashError) as caught:
                elixir.apply("Reach.Misc", "ghost", [1])
            fix = caught.value.fix
            assert fix.startswith("module :no_such_module_anywhere does not exist"), fix
            no_keep(fix, "no_such_module_anywhere")

        def test_pure_functions_still_answer(elixir):
            assert elixir.apply("Reach.Pure", "shout", ["hi"]) == "HI!"
        """
    )
    run(pytester, dist).assert_outcomes(passed=7)
