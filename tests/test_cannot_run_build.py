"""`wasmblog build` names the app functions that reach what the VM cannot run (tests/sites/cannot_run)."""

from __future__ import annotations

import json
from pathlib import Path

LINES = {
    "Reach.Files.read/1": "Reach.Files.read/1 calls :file.read_file/1 (through File.read/1), which this VM "
                          "cannot run: a browser has no file system",
    "Reach.Shell.open/1": "Reach.Shell.open/1 calls :erlang.open_port/2, which this VM cannot run: a browser "
                          "cannot start programs or open ports",
    "Reach.Eval.eval/1": "Reach.Eval.eval/1 calls Code.eval_string/1, which this VM cannot run: the Erlang and "
                         "Elixir compilers are never in a bundle",
    "Reach.Misc.count/1": "Reach.Misc.count/1 calls :ets.select_count/2, which this VM cannot run: BEAM "
                          "implements it in C (a NIF) and this VM has no implementation of it",
    "Reach.Misc.arg/1": "Reach.Misc.arg/1 calls :init.get_argument/1, which this VM cannot run: it is part of the "
                        "BEAM runtime system, which this VM does not provide",
}


def test_the_build_output_names_each_app_function_once(cannot_run_build: tuple[Path, list[str]]) -> None:
    _, output = cannot_run_build
    named = [line.strip() for line in output if " which this VM cannot run: " in line]
    for expected in LINES.values():
        assert expected in named
    assert len({line.split(" calls ")[0] for line in named}) == len(named)  # one line per function
    assert not [line for line in named if line.startswith(("Reach.Pure.", "Reach.App.", "PytestWasmblog."))]
    run = next(line for line in named if line.startswith("Reach.Shell.run/1 "))
    assert run.endswith("calls :erlang.open_port/2 (through System.cmd/2, System.cmd/3, System.do_cmd/3), which "
                        "this VM cannot run: a browser cannot start programs or open ports")


def test_the_build_report_has_each_finding_with_its_chain(cannot_run_build: tuple[Path, list[str]]) -> None:
    dist, _ = cannot_run_build
    report = json.loads((dist / "build-report.json").read_text())
    findings = {(f["function"], f["kind"]): f for f in report["cannot_run"]}
    assert findings[("Elixir.Reach.Files:read/1", "files")] == {
        "function": "Elixir.Reach.Files:read/1", "target": "file:read_file/1", "via": ["Elixir.File:read/1"],
        "kind": "files", "reason": "files: a browser has no file system"}
    assert findings[("Elixir.Reach.Shell:open/1", "ports")]["target"] == "erlang:open_port/2"
    assert findings[("Elixir.Reach.Eval:eval/1", "compiler")]["target"] == "Elixir.Code:eval_string/1"
    # System.cmd/3 also looks the program up on the file system first.
    assert findings[("Elixir.Reach.Shell:run/1", "files")]["via"][:3] == [
        "Elixir.System:cmd/2", "Elixir.System:cmd/3", "os:find_executable/1"]
    assert not [key for key in findings if key[0].startswith("Elixir.Reach.Pure:")]
    search = report["cannot_run_search"]
    assert search["app_functions"] >= 10 and search["seconds"] < 10


def test_a_second_build_reads_no_beam_again(cannot_run_build: tuple[Path, list[str]]) -> None:
    from pytest_wasmblog.bundle.build import build_site

    dist, _ = cannot_run_build
    again = build_site(dist.parent, log=lambda _: None)
    assert again.cannot_run.modules_disassembled == 0
    assert [f.to_json() for f in again.cannot_run.findings] == json.loads(
        (dist / "build-report.json").read_text())["cannot_run"]
