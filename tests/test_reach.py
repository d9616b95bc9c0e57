"""The function-level call graph and the search for what the VM cannot run, on real beams: small
Elixir and Erlang modules compiled here, Debian's Elixir/OTP beams, the VM's real NIF list and the
project's erlang shim."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from beam_samples import compile_erlang
from missing import missing

from pytest_wasmblog.bundle import runtime, sources, toolchain
from pytest_wasmblog.bundle.callgraph import (
    CallGraphReader,
    ModuleCalls,
    exported_functions,
)
from pytest_wasmblog.bundle.compile_app import compile_shims
from pytest_wasmblog.bundle.reach import Finding, Node, Reach

ELIXIR_APP = """
defmodule CR.Files do
  def read(path), do: do_read(path)
  defp do_read(path), do: File.read(path)
  def read_all(paths), do: Enum.map(paths, fn path -> File.read!(path) end)
  def read_applied(args), do: apply(:file, :read_file, args)
end

defmodule CR.Pure do
  def double(list), do: Enum.map(list, fn x -> x * 2 end)
  def shout(text), do: String.upcase(text) <> "!"
  def checked(x) when is_integer(x), do: x
  def checked(x), do: raise(ArgumentError, "not an integer: " <> to_string(x))
  def words(text), do: String.split(text, ",")
end

defmodule CR.A do
  def go, do: CR.B.step()
end

defmodule CR.B do
  def step, do: CR.C.leaf()
end

defmodule CR.C do
  def leaf, do: :gen_tcp.connect('localhost', 80, [])
end

defmodule CR.Loop do
  def ping(0), do: :os.cmd('true')
  def ping(n), do: pong(n - 1)
  def pong(n), do: ping(n)
  def spin(n), do: spin(n + 1)
  def even(0), do: true
  def even(n), do: odd(n - 1)
  def odd(0), do: false
  def odd(n), do: even(n - 1)
end

defmodule CR.Eval do
  def run(source), do: Code.eval_string(source)
end
"""

# What the bundle's rebuild makes of a NIF this VM lacks, and an untouched NIF placeholder.
ERLANG_APP = {
    "cr_nif": """
-module(cr_nif).
-export([stubbed/1, placeholder/1, use_both/1]).
stubbed(_X) -> erlang:error({nif_not_available_in_wasm, "cr_nif:stubbed/1"}).
placeholder(_X) -> erlang:nif_error(undef).
use_both(X) -> case X of a -> stubbed(X); _ -> placeholder(X) end.
""",
}


@pytest.fixture(scope="module")
def reach_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], frozenset[str], list[str]]:
    """Beam paths by module (the app's, Debian's, the shims), the VM's NIFs and the app's modules."""
    if shutil.which("elixirc") is None:
        missing("elixirc is not installed (Debian package `elixir`)")
    tools = toolchain.find_toolchain()
    out = tmp_path_factory.mktemp("reach")
    (out / "app.ex").write_text(ELIXIR_APP)
    subprocess.run([tools.elixirc, "--ignore-module-conflict", "-o", str(out), str(out / "app.ex")], check=True,
                   capture_output=True)
    compile_erlang(out, ERLANG_APP)
    app = sources.scan(out, "app")
    beams = {name: Path(m.path) for name, m in sources.layered(
        sources.library_modules(tools), sources.scan(compile_shims(tools), "shim"), app).items()}
    native = runtime.native_functions(runtime.fetch_runtime().wasm)
    return beams, native, sorted(app)


def search(setup: tuple[dict[str, Path], frozenset[str], list[str]], roots: list[Node] | None = None
           ) -> dict[Node, list[Finding]]:
    beams, native, app = setup
    reader = CallGraphReader(toolchain.find_toolchain())

    def load(modules: set[str]) -> dict[str, ModuleCalls]:
        return reader.read({m: beams[m] for m in modules if m in beams})

    reach = Reach(load, native)
    reach.prefetch(app)
    if roots is None:
        roots = exported_functions(reach.graph[m] for m in app)
    by_function: dict[Node, list[Finding]] = {}
    for finding in reach.search(roots):
        by_function.setdefault(finding.function, []).append(finding)
    return by_function


@pytest.fixture(scope="module")
def found(reach_setup: tuple[dict[str, Path], frozenset[str], list[str]]) -> dict[Node, list[Finding]]:
    return search(reach_setup)


def test_a_function_that_reads_a_file_is_named_with_its_chain(found: dict[Node, list[Finding]]) -> None:
    [finding] = found[("Elixir.CR.Files", "read", 1)]
    assert finding.kind == "files"
    assert finding.target == ("file", "read_file", 1)
    assert finding.via == (("Elixir.CR.Files", "do_read", 1), ("Elixir.File", "read", 1))
    assert finding.line() == ("CR.Files.read/1 calls :file.read_file/1 (through CR.Files.do_read/1, File.read/1), "
                              "which this VM cannot run: a browser has no file system")
    assert finding.to_json()["reason"] == "files: a browser has no file system"


def test_functions_that_only_compute_are_not_named(found: dict[Node, list[Finding]]) -> None:
    # Enum.map with a fun, String functions, a raise: none reaches what the VM cannot run (the
    # exception's own formatting and String.split's regex clause are not followed).
    assert not [f for f in found if f[0] == "Elixir.CR.Pure"]


def test_a_chain_through_several_modules(found: dict[Node, list[Finding]]) -> None:
    [finding] = found[("Elixir.CR.A", "go", 0)]
    assert (finding.kind, finding.target) == ("network", ("gen_tcp", "connect", 3))
    assert finding.via == (("Elixir.CR.B", "step", 0), ("Elixir.CR.C", "leaf", 0))
    assert [f.via for f in found[("Elixir.CR.C", "leaf", 0)]] == [()]


def test_recursion_and_cycles_end(found: dict[Node, list[Finding]]) -> None:
    [ping] = found[("Elixir.CR.Loop", "ping", 1)]
    assert (ping.kind, ping.target, ping.via) == ("ports", ("os", "cmd", 1), ())
    [pong] = found[("Elixir.CR.Loop", "pong", 1)]
    assert pong.via == (("Elixir.CR.Loop", "ping", 1),)
    for pure in ("spin", "even", "odd"):
        assert ("Elixir.CR.Loop", pure, 1) not in found


def test_funs_passed_to_enum_map_count(found: dict[Node, list[Finding]]) -> None:
    [finding] = found[("Elixir.CR.Files", "read_all", 1)]
    assert finding.kind == "files"
    assert finding.via[0] == ("Elixir.CR.Files", "-read_all/1-fun-0-", 1)
    assert "anonymous fn/1 in CR.Files.read_all/1" in finding.line()


def test_apply_with_a_literal_module_and_function_is_followed(found: dict[Node, list[Finding]]) -> None:
    [finding] = found[("Elixir.CR.Files", "read_applied", 1)]
    assert (finding.kind, finding.target) == ("files", ("file", "read_file", -1))
    assert ":file.read_file/?" in finding.line()


def test_code_evaluated_at_run_time(found: dict[Node, list[Finding]]) -> None:
    [finding] = found[("Elixir.CR.Eval", "run", 1)]
    assert (finding.kind, finding.target, finding.via) == ("compiler", ("Elixir.Code", "eval_string", 1), ())


def test_nif_stubs_and_placeholders_are_targets(found: dict[Node, list[Finding]]) -> None:
    [finding] = found[("cr_nif", "use_both", 1)]  # the nearest of each kind
    assert finding.kind == "nif" and finding.target in {("cr_nif", "stubbed", 1), ("cr_nif", "placeholder", 1)}
    assert "BEAM implements it in C (a NIF) and this VM has no implementation of it" in finding.line()
    # A root that is itself a target names no chain to itself.
    assert ("cr_nif", "stubbed", 1) not in found


def test_a_stub_is_a_target_for_its_callers(reach_setup: tuple[dict[str, Path], frozenset[str], list[str]]
                                            ) -> None:
    beams = reach_setup[0]
    reader = CallGraphReader(toolchain.find_toolchain())
    graph = reader.read({"cr_nif": beams["cr_nif"]})["cr_nif"]
    assert graph.functions[("stubbed", 1)].kind == "stub"
    assert graph.functions[("placeholder", 1)].kind == "placeholder"
    assert set(graph.functions[("use_both", 1)].calls) == {("cr_nif", "placeholder", 1), ("cr_nif", "stubbed", 1)}


def test_the_call_graph_is_cached_by_beam_content(reach_setup: tuple[dict[str, Path], frozenset[str], list[str]],
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    beams, _, _ = reach_setup
    monkeypatch.setenv("WASMBLOG_CACHE", str(tmp_path))
    first = CallGraphReader(toolchain.find_toolchain())
    graphs = first.read({"Elixir.CR.Pure": beams["Elixir.CR.Pure"], "cr_nif": beams["cr_nif"]})
    assert first.read_count == 2
    second = CallGraphReader(toolchain.find_toolchain())
    assert second.read({"Elixir.CR.Pure": beams["Elixir.CR.Pure"], "cr_nif": beams["cr_nif"]}) == graphs
    assert second.read_count == 0
