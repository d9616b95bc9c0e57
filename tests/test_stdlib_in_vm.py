"""The standard library a small GenServer app uses, in the VM on each engine of --wasm-browser,
compared with what the same compiled functions return on the host BEAM.

tests/sites/stdlib holds one zero-arity function per case (Stdlib.Cases). Each case runs in the VM
through the `elixir` fixture and, once per session, on the host with `elixir -pa EBIN`; both
sides encode the result with PytestWasmblog.Terms, so they compare as the same Python value.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_wasmblog import terms
from pytest_wasmblog.app import PopcornApp
from pytest_wasmblog.boot import SharedApp, serve_site
from pytest_wasmblog.browsers.base import BrowserSession
from pytest_wasmblog.bundle.compile_app import compile_app
from pytest_wasmblog.bundle.toolchain import find_toolchain
from pytest_wasmblog.elixir import ElixirBridge
from pytest_wasmblog.link import Link
from pytest_wasmblog.server import StaticSiteServer
from pytest_wasmblog.state import WasmSession

SITES = Path(__file__).parent / "sites"  # not from conftest: its name collides across test folders
CASES = [
    # maps: OTP 25's maps:fold/map/filter reached erts_internal:map_next/3, which the VM lacks
    "map_enum_map", "map_enum_sort", "map_for", "map_for_into", "map_reduce", "map_large",
    "map_enum_functions", "map_module", "erlang_maps",
    # collections
    "enum_functions", "mapset_functions", "keyword_functions", "range_functions", "integer_functions",
    "base_functions",
    # inspect of every built-in type (Macro is needed by Inspect.Atom)
    "inspect_atoms", "inspect_strings", "inspect_charlists", "inspect_lists", "inspect_tuples", "inspect_maps",
    "inspect_structs", "inspect_numbers", "inspect_binaries", "inspect_functions", "inspect_anonymous_function",
    "inspect_pid_ref", "inspect_options", "to_string_and_chars",
    # processes
    "task_async_await", "task_async_stream", "task_start_and_await_message", "task_supervisor",
    "agent_functions", "genserver_functions", "supervisor_restarts", "process_functions",
    # errors and functions
    "exception_functions", "function_functions",
    # dates and times
    "calendar_functions", "date_functions", "time_functions", "datetime_functions", "naive_datetime_functions",
    "time_units",
    # floats (Float.round matched bitstrings that are not whole bytes)
    "float_functions", "float_rounding_sweep", "float_formatting",
    # io_lib (its write path called epp:default_encoding/0), streams, strings
    "io_lib_format", "stream_functions", "string_case", "string_unicode", "string_split_and_trim",
    "string_distances", "string_conversions",
    # the rest of a small app's toolbox
    "version_functions", "uri_functions", "path_functions", "option_parser_functions",
    # Logger's API (its output is checked below)
    "logger_levels", "logger_metadata", "logger_enable_disable",
]
# Cases whose value depends on the clock: compared with the host's clock, not its value.
CLOCK_CASES = ("clocks", "monotonic")

_HOST_SCRIPT = """
[out | names] = System.argv()
results =
  for name <- names, into: %{} do
    value =
      try do
        %{"ok" => PytestWasmblog.Terms.to_json_value(apply(Stdlib.Cases, String.to_atom(name), []))}
      rescue
        error -> %{"raised" => Exception.format(:error, error, __STACKTRACE__)}
      end
    {name, value}
  end
zero_arity = for {f, 0} <- Stdlib.Cases.__info__(:functions), do: Atom.to_string(f)
File.write!(out, PytestWasmblog.JSON.encode!(%{"results" => results, "functions" => zero_arity}))
"""


@pytest.fixture(scope="session")
def host(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case run once on the host BEAM, from the same sources the VM's bundle was built from."""
    tools = find_toolchain()
    ebin = compile_app(tools, [SITES / "stdlib" / "lib"], with_bridge=True)
    out = tmp_path_factory.mktemp("host") / "results.json"
    elixir = str(Path(tools.elixirc).with_name("elixir"))
    subprocess.run([elixir, "-pa", str(ebin), "-e", _HOST_SCRIPT, str(out), *CASES], check=True,
                   capture_output=True, timeout=120)
    data: dict[str, Any] = json.loads(out.read_text())
    return data


@pytest.fixture(scope="module")
def stdlib_server(stdlib_site: Path, wasm_session: WasmSession, wasm_link: Link) -> Iterator[StaticSiteServer]:
    with serve_site(stdlib_site, wasm_session, wasm_link) as server:
        yield server


@pytest.fixture(scope="module")
def _stdlib_app(wasm_browser: BrowserSession, stdlib_server: StaticSiteServer,
                wasm_session: WasmSession) -> Iterator[SharedApp]:
    shared = SharedApp(wasm_browser, stdlib_server, wasm_session)
    yield shared
    shared.close()


@pytest.fixture
def wasm_app(_stdlib_app: SharedApp) -> PopcornApp:
    """The plugin's `elixir` and `popcorn` fixtures, on the stdlib site instead of --wasm-site."""
    return _stdlib_app.get()


def test_every_case_is_listed(host: dict[str, Any]) -> None:
    assert sorted(host["functions"]) == sorted([*CASES, *CLOCK_CASES])


@pytest.mark.parametrize("case", CASES)
def test_same_value_as_on_the_host(elixir: ElixirBridge, host: dict[str, Any], case: str) -> None:
    expected = host["results"][case]
    assert "raised" not in expected, f"the case itself fails on the host:\n{expected.get('raised')}"
    assert elixir.apply("Stdlib.Cases", case) == terms.decode(expected["ok"])


def test_clocks_agree_with_the_host_clock(elixir: ElixirBridge) -> None:
    before = time.time()
    clocks = elixir.apply("Stdlib.Cases", "clocks")
    after = time.time()
    assert before // 86400 <= clocks.pop("utc_today_in_days") <= after // 86400
    wrong = {name: seconds for name, seconds in clocks.items() if not before - 2 <= seconds <= after + 1}
    assert not wrong, f"clocks that disagree with the host's {before:.0f}: {wrong}"


def test_elapsed_time_agrees_in_every_unit(elixir: ElixirBridge) -> None:
    elapsed = elixir.apply("Stdlib.Cases", "monotonic")  # native, :millisecond, :microsecond, 1000 per second
    assert all(195 <= ms <= 1000 for ms in elapsed), elapsed
    assert max(elapsed) - min(elapsed) <= 5, elapsed


def lines_after(lines: list[str], start: int) -> str:
    return "\n".join(lines[start:])


def test_logger_writes_level_message_and_metadata(elixir: ElixirBridge, popcorn: PopcornApp) -> None:
    tag = uuid.uuid4().hex[:8]
    out_from, err_from = len(popcorn.stdout), len(popcorn.stderr)
    assert elixir.apply("Stdlib.Output", "log_levels", [tag]) == terms.Atom("ok")
    out, err = lines_after(popcorn.stdout, out_from), lines_after(popcorn.stderr, err_from)
    assert f"[debug] debug {tag}" in out and f"[info] info {tag}" in out
    assert f"[notice] chardata notice {tag}" in out and f"[info] log/2 {tag}" in out
    assert f"[warning] warning {tag}" in err and f"[error] error {tag}" in err and f"[warning] kept warning {tag}" in err
    # Metadata given to the call and set on the process, on the same line as the message.
    assert any(f"[info] info {tag}" in line and f"tag={tag}" in line and "user_id=42" in line for line in out.split("\n"))
    assert any(f"request_id=req-{tag}" in line and f"with process metadata {tag}" in line for line in out.split("\n"))
    # Below the configured level: not written anywhere.
    assert f"filtered info {tag}" not in out + err and f"filtered debug {tag}" not in out + err


def test_io_warn_writes_to_stderr(elixir: ElixirBridge, popcorn: PopcornApp) -> None:
    tag = uuid.uuid4().hex[:8]
    err_from = len(popcorn.stderr)
    assert elixir.apply("Stdlib.Output", "warn", [tag]) == terms.Atom("ok")
    err = wait_for_text(popcorn, err_from, f"once {tag}")
    assert f"warning: plain warning {tag}" in err
    assert f"warning: warning with a stacktrace {tag}\n  " in err and "Stdlib.Output.warn/1" in err
    assert err.count(f"once {tag}") == 1


def test_a_crashing_task_prints_a_crash_report_and_the_vm_lives_on(elixir: ElixirBridge, popcorn: PopcornApp) -> None:
    tag = uuid.uuid4().hex[:8]
    err_from = len(popcorn.stderr)
    reason = elixir.apply("Stdlib.Output", "crash_task", [tag])
    assert reason == (terms.Atom("Elixir.RuntimeError"), f"task boom {tag}")
    err = wait_for_text(popcorn, err_from, "Args: []")
    assert "[error] Task #PID<" in err and "terminating" in err
    assert f"** (RuntimeError) task boom {tag}" in err
    assert "Function: #Function<" in err and "Args: []" in err
    assert elixir.apply("Stdlib.Cases", "map_reduce") == 6


def test_a_crashing_agent_prints_a_crash_report(elixir: ElixirBridge, popcorn: PopcornApp) -> None:
    tag = uuid.uuid4().hex[:8]
    err_from = len(popcorn.stderr)
    reason = elixir.apply("Stdlib.Output", "crash_agent", [tag])
    assert reason == (terms.Atom("Elixir.ArgumentError"), f"agent boom {tag}")
    err = wait_for_text(popcorn, err_from, "State: 0")
    assert "[error] GenServer #PID<" in err and "terminating" in err
    assert f"** (ArgumentError) agent boom {tag}" in err and "Last message:" in err and "State: 0" in err


def test_a_crash_during_a_call_names_the_caller(elixir: ElixirBridge, popcorn: PopcornApp) -> None:
    tag = uuid.uuid4().hex[:8]
    err_from = len(popcorn.stderr)
    assert elixir.apply("Stdlib.Output", "crash_in_call", [tag]) == (terms.Atom("exited"), f"call boom {tag}")
    err = wait_for_text(popcorn, err_from, "is alive")
    # The caller is the bridge's receiver, registered as :main.
    assert f"** (RuntimeError) call boom {tag}" in err and "Last message (from :main): {:get, #Function<" in err
    assert "State: 0" in err and "Client :main is alive" in err


def test_a_task_that_exits_under_async_is_reported(elixir: ElixirBridge, popcorn: PopcornApp) -> None:
    tag = uuid.uuid4().hex[:8]
    err_from = len(popcorn.stderr)
    assert elixir.apply("Stdlib.Output", "crash_async", [tag]) == terms.Atom("exit")
    err = wait_for_text(popcorn, err_from, "Args: []")
    assert "[error] Task #PID<" in err and f'** (stop) {{:async_boom, "{tag}"}}' in err


def wait_for_text(app: PopcornApp, start: int, text: str, timeout_s: float = 5) -> str:
    """The VM's stderr from line `start`, once `text` (the report's last line) is in it: a crash
    report is written by the dying process, line by line."""
    deadline = time.monotonic() + timeout_s
    while True:
        err = lines_after(app.stderr, start)
        if text in err or time.monotonic() > deadline:
            return err
        time.sleep(0.05)
