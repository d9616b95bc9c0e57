"""Regex, String and URI in the browser, on the VM's re shim, against the host BEAM's real PCRE.

tests/sites/regex is built with Elixir's own Regex doctests added (tests/regex_doctests.exs);
the host runs the same compiled checks (tests/regex_host_values.exs) and an inner pytest drives
the VM through the `elixir` fixture, on the engines this run was given (--wasm-browser)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from missing import require_tools
from test_plugin_fixtures import run

from pytest_wasmblog.bundle.build import build_site
from pytest_wasmblog.bundle.compile_app import BRIDGE_SOURCES

HERE = Path(__file__).parent
SITES = HERE / "sites"  # not from conftest: the example site's conftest has the same name


@dataclass(frozen=True)
class RegexSite:
    dist: Path
    host_values: Path  # JSON: {"checks": {name: value}, "doctests": [{source, host, documented}]}


@pytest.fixture(scope="session")
def regex_site(tmp_path_factory: pytest.TempPathFactory) -> RegexSite:
    require_tools("erl", "elixir", "elixirc")
    work = tmp_path_factory.mktemp("regex")
    site = work / "regex"
    shutil.copytree(SITES / "regex", site)
    shutil.copytree(SITES / "static", work / "static")
    _elixir(["elixir", str(HERE / "regex_doctests.exs"), str(site / "lib" / "regex_doctests.ex")])
    dist = build_site(site, log=lambda _: None).dist
    ebin = work / "host-ebin"
    ebin.mkdir()
    sources = [*sorted((site / "lib").glob("*.ex")), *sorted(BRIDGE_SOURCES.glob("*.ex"))]
    _elixir(["elixirc", "--ignore-module-conflict", "-o", str(ebin), *map(str, sources)])
    values = _elixir(["elixir", "-pa", str(ebin), str(HERE / "regex_host_values.exs")])
    host_values = work / "host-values.json"
    host_values.write_text(values)
    return RegexSite(dist, host_values)


def _elixir(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


INNER = """
import json
import pytest
from pytest_wasmblog.terms import Atom, decode

HOST = json.loads(open({values!r}).read())


@pytest.mark.parametrize("name", sorted(HOST["checks"]))
def test_same_as_the_host(elixir, name):
    assert elixir.apply("RegexSite", "check", [Atom(name)]) == decode(HOST["checks"][name])


def test_regex_doctests(elixir, wasm_engine):
    same = []
    for n, doctest in enumerate(HOST["doctests"], 1):
        host = decode(doctest["host"])
        assert host == decode(doctest["documented"]), doctest["source"]  # the doc holds on the host
        vm = elixir.apply("RegexSite.Doctests", "actual", [n])
        same.append(vm == host)
        if vm != host:
            print("DOCTEST DIFFERS", wasm_engine, doctest["source"], "vm:", vm, "host:", host)
    print("DOCTESTS", wasm_engine, sum(same), len(same))
    assert all(same)


def test_untranslatable_patterns_are_refused_at_compile_time(elixir):
    error, (message, position) = elixir.apply("RegexSite", "unsupported", [Atom("compile")])
    assert error == Atom("error") and position == 1
    assert "recursion" in bytes(message).decode() and '"a(?R)"' in bytes(message).decode()
    raised, module, text = elixir.apply("RegexSite", "unsupported", [Atom("compile!")])
    assert (raised, module) == (Atom("raised"), Atom("Elixir.Regex.CompileError"))
    assert "conditional group" in text and '"(a)?(?(1)b|c)"' in text and text.endswith("at position 4")
    # A ~r compiled on the host (with the host's PCRE) fails when it first runs in the VM.
    raised, module, text = elixir.apply("RegexSite", "unsupported", [Atom("sigil")])
    assert module == Atom("Elixir.Regex.CompileError") and "\\\\K" in text and text.endswith("at position 1")
    error, (message, position) = elixir.apply("RegexSite", "unsupported", [Atom("mid_pattern_caseless")])
    assert error == Atom("error") and "case sensitivity" in bytes(message).decode()


def test_round_trip_cost(elixir, wasm_engine):
    timings = elixir.apply("RegexSite", "timings", [200])
    print("ROUNDTRIP", wasm_engine, json.dumps(timings, sort_keys=True))
    assert 0 < timings["js_round_trip"] < 20_000
"""


def test_regex_string_and_uri_in_the_vm_match_the_host(pytester: pytest.Pytester, regex_site: RegexSite,
                                                      request: pytest.FixtureRequest) -> None:
    engines = request.config.getoption("--wasm-browser") or ["chromium"]
    pytester.makepyfile(INNER.format(values=str(regex_site.host_values)))
    result = run(pytester, regex_site.dist, *(f"--wasm-browser={e}" for e in engines), "-s")
    checks = len(json.loads(regex_site.host_values.read_text())["checks"])
    outcomes = result.parseoutcomes()
    # The inner tests print on pytest's progress lines (-s): pick the reports out of them.
    report = [m.group(0) for line in result.stdout.lines
              if (m := re.search(r"(DOCTESTS|DOCTEST DIFFERS|ROUNDTRIP) .*?(?=\.*$)", line))]
    print("\n".join(report))
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 0, "\n".join(result.stdout.lines[-60:])
    assert outcomes["passed"] == (checks + 3) * _engine_count(engines)
    doctests = [line.split() for line in report if line.startswith("DOCTESTS ")]
    assert len(doctests) == _engine_count(engines)
    for _, _engine, same, total in doctests:
        assert same == total and int(total) >= 40


def _engine_count(engines: list[str]) -> int:
    return 3 if "all" in engines else len(set(engines))


def test_doctest_extraction_reads_every_iex_example(tmp_path: Path) -> None:
    """Every `iex>` example with a result in Regex's docs becomes a case (sources compared)."""
    require_tools("elixir")
    out = tmp_path / "doctests.ex"
    _elixir(["elixir", str(HERE / "regex_doctests.exs"), str(out)])
    text = out.read_text()
    count = int(re.search(r"def count, do: (\d+)", text).group(1))  # type: ignore[union-attr]  # the module always defines count/0
    assert count == len(re.findall(r"def actual\(\d+\)", text)) == len(re.findall(r"def expected\(\d+\)", text))
    assert 'def source(1), do: "String.match?(\\"123\\", ~r/^[[:alnum:]]+$/)"' in text
    assert "Regex.split(~r{a(?<second>b)c}, \"abc\", on: [:second], include_captures: true)" in text
