"""What cannot run in the browser VM, and the fixes the plugin gives when the VM dies on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_wasmblog import missing_module, site_report
from pytest_wasmblog.bundle.cannot_run import classify_call, classify_module
from pytest_wasmblog.bundle.known_modules import host_modules
from pytest_wasmblog.cannot_run_hint import hint
from pytest_wasmblog.vm_errors import (
    ElixirError,
    vm_died_during_call,
    vm_stopped_while_booting,
)

NATIVE = frozenset({"erlang:open_port/2", "erlang:port_to_list/1", "erlang:error/1", "file:get_cwd/0", "lists:reverse/1"})


@pytest.mark.parametrize(("call", "kind"), [
    (("erlang", "open_port", 2), "ports"),  # a NIF of the VM, for its own drivers: still a port
    (("erlang", "port_close", 1), "ports"),
    (("os", "cmd", 1), "ports"),
    (("file", "read_file", 1), "files"),
    (("filelib", "wildcard", 1), "files"),
    (("gen_tcp", "connect", 3), "network"),
    (("inet", "getaddr", 2), "network"),
    (("httpc", "request", 1), "network"),
    (("rpc", "call", 4), "distribution"),
    (("erlang", "monitor_node", 2), "distribution"),
    (("init", "get_argument", 1), "vm"),
    (("erts_internal", "map_next", 3), "vm"),
    (("erlang", "phash", 2), "vm"),  # neither a NIF nor in the erlang shim
    (("Elixir.Code", "eval_string", 1), "compiler"),
    (("Elixir.Module", "create", 3), "compiler"),
    (("erl_eval", "exprs", 2), "compiler"),
    (("compile", "forms", 2), "compiler"),
])
def test_calls_that_cannot_run(call: tuple[str, str, int], kind: str) -> None:
    assert classify_call(*call, NATIVE, frozenset({("apply", 3)})) == kind


@pytest.mark.parametrize("call", [
    ("erlang", "error", 1), ("erlang", "apply", 3), ("erlang", "port_to_list", 1), ("file", "get_cwd", 0),
    ("file", "native_name_encoding", 0), ("inet", "ntoa", 1), ("Elixir.Code", "ensure_loaded?", 1),
    ("Elixir.Module", "concat", 1), ("lists", "reverse", 1), ("Elixir.Enum", "map", 2),
])
def test_calls_that_can_run(call: tuple[str, str, int]) -> None:
    assert classify_call(*call, NATIVE, frozenset({("apply", 3)})) is None


@pytest.mark.parametrize(("module", "kind"), [
    ("gen_tcp", "cannot_run"), ("filelib", "cannot_run"), ("compile", "cannot_run"), ("net_kernel", "cannot_run"),
    ("init", "vm"), ("erts_internal", "vm"), ("prim_file", "vm"), ("erlang", "vm"),
    ("file", "mixed"), ("Elixir.Code", "mixed"), ("rand", "ordinary"), ("Elixir.Macro", "ordinary"),
])
def test_module_classes(module: str, kind: str) -> None:
    assert classify_module(module).kind == kind


# What the cannot_run test site's build writes (tests/sites/cannot_run), trimmed.
REPORT = site_report.SiteReport.from_json({
    "modules": {"Elixir.Reach.Files": {"origin": "app"}, "Elixir.File": {"origin": "elixir"}},
    "unused": {"rand": {"origin": "otp"}},
    "dropped": {"Elixir.Macro": ["Elixir.Exception"], "file": ["Elixir.File"], "Elixir.Code": ["Elixir.Reach.Eval"]},
    "cannot_run": [
        {"function": "Elixir.Reach.Files:read/1", "target": "file:read_file/1", "via": ["Elixir.File:read/1"],
         "kind": "files", "reason": "files: a browser has no file system"},
        {"function": "Elixir.Reach.Eval:eval/1", "target": "Elixir.Code:eval_string/1", "via": [],
         "kind": "compiler", "reason": "code compiled at run time: the Erlang and Elixir compilers are never in a bundle"},
        {"function": "Elixir.Reach.Misc:arg/1", "target": "init:get_argument/1", "via": [], "kind": "vm",
         "reason": "VM internals: it is part of the BEAM runtime system, which this VM does not provide"},
        {"function": "Elixir.Reach.Shell:close/1", "target": "erlang:port_close/1", "via": [], "kind": "ports",
         "reason": "ports and OS processes: a browser cannot start programs or open ports"},
    ],
})


def _call_fix(module: str, report: site_report.SiteReport | None, called: str | None = None) -> str:
    return vm_died_during_call("{...}", f"Warning: module {module} cannot be resolved.", [], [], report, called).fix


def test_a_module_that_cannot_run_is_never_suggested_for_keep() -> None:
    fix = _call_fix("file", REPORT, "Elixir.Reach.Files:read/1")
    assert fix.startswith(":file cannot run in this VM: a browser has no file system")
    assert "Reach.Files.read/1 calls :file.read_file/1 (through File.read/1)" in fix
    assert "do not add :file to `keep`" in fix
    code = _call_fix("Elixir.Code", REPORT, "Elixir.Reach.Eval:eval/1")
    assert "the Erlang and Elixir compilers are never in a bundle" in code and "add Elixir.Code" not in code
    assert "add gen_tcp" not in _call_fix("gen_tcp", None)


def test_a_module_of_the_vm_names_the_missing_function() -> None:
    fix = _call_fix("init", REPORT, "Elixir.Reach.Misc:arg/1")
    assert fix.startswith(":init is part of the BEAM runtime, which this VM provides only in part: "
                          "it has no :init.get_argument/1")
    assert "keep" not in fix
    assert "keep" not in _call_fix("erts_internal", None)


def test_a_module_that_does_not_exist_is_called_a_typo() -> None:
    if host_modules() is None:
        pytest.skip("no Erlang/OTP on this machine to ask which modules exist")
    fix = _call_fix("Elixir.Jasn", REPORT)
    assert fix.startswith("module Jasn does not exist: it is neither in the app nor in the host's Erlang/OTP and "
                          "Elixir. A typo in the calling code?")
    assert "keep" not in fix
    logger = _call_fix("Elixir.Logger", REPORT)
    assert logger.startswith("Logger belongs to the logger application, which bundles do not draw on") and (
        "keep" not in logger)


def test_a_module_left_out_gets_keep_or_used_modules_with_the_reason() -> None:
    dropped = _call_fix("Elixir.Macro", REPORT)
    assert dropped.startswith("Macro is left out of the bundle by the drop list (wanted by Elixir.Exception): "
                              "add Elixir.Macro to `keep` in wasmblog.toml")
    unused = _call_fix("rand", REPORT)
    assert unused.startswith(":rand is not in the bundle: no recorded run loaded it ([bundle] used_modules): "
                             "add rand to the [bundle] used_modules list")
    assert "add rand to `keep` in wasmblog.toml, or to the [bundle] used_modules list" in _call_fix("rand", None)


def test_a_missing_function_is_explained() -> None:
    fix = vm_died_during_call("{...}", "Warning: function erlang:port_close/1 cannot be resolved.", [], [],
                              REPORT, "Elixir.Reach.Shell:close/1").fix
    assert fix.startswith(":erlang.port_close/1 cannot run in this VM: a browser cannot start programs or open "
                          "ports. The code that calls it must not run in the VM. From the build report: "
                          "Reach.Shell.close/1 calls :erlang.port_close/1")
    assert "this VM has no :erlang.phash/2" in missing_module.function_fix("erlang:phash/2")


def test_a_boot_that_stops_on_a_missing_module_gets_the_same_fix() -> None:
    error = vm_stopped_while_booting("http://x/", "Warning, module Elixir.Macro cannot be resolved", [], [], REPORT)
    assert error.fix.startswith("Macro is left out of the bundle by the drop list")


def test_elixir_errors_name_what_the_call_reached() -> None:
    notes = hint("ArgumentError", "argument error", "Elixir.Reach.Shell:close/1", REPORT)
    assert notes == ("Reach.Shell.close/1 calls :erlang.port_close/1, which this VM cannot run: "
                     "a browser cannot start programs or open ports")
    undefined = hint("UndefinedFunctionError", "function :erlang.open_port/2 is undefined or private", None, None)
    assert undefined == ":erlang.open_port/2 cannot run in this VM: a browser cannot start programs or open ports"
    assert hint("UndefinedFunctionError", "function Enum.nope/1 is undefined or private", None, None) == ""
    error = ElixirError("error", "Elixir.ArgumentError", "argument error", [], cannot_run=notes)
    assert "\n  Cannot run in this VM: Reach.Shell.close/1 calls :erlang.port_close/1" in str(error)


def test_the_site_report_is_read_from_the_served_folder(tmp_path: Path) -> None:
    assert site_report.load(tmp_path) is None and site_report.load(None) is None
    (tmp_path / "build-report.json").write_text('{"modules": {}, "cannot_run": []}')
    assert site_report.load(tmp_path) == site_report.SiteReport()
    (tmp_path / "build-report.json").write_text("not json")
    assert site_report.load(tmp_path) is None
