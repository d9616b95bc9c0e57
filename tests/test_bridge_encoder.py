"""The bridge's one-pass encoder (PytestWasmblog.Terms.encode_json/1) on the host BEAM.

Every successful call's value goes through it, so it must write what the two-pass encoder it
replaced wrote (Terms.to_json_value/1, then JSON.encode!/1) for any term: generated values from
the Python side (the same strategies as tests/test_properties.py), and the terms only Elixir has
(pids, functions, improper lists, bitstrings, structs, JSON fragments). The VM side of the same
code runs in every engine through example_site/tests/test_bridge.py.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from missing import require_tools
from test_properties import values

from pytest_wasmblog.bundle.compile_app import BRIDGE_SOURCES
from pytest_wasmblog.terms import decode, encode

CHECK = Path(__file__).with_name("bridge_encoder_check.exs")
ELIXIR_ONLY = 27  # the terms listed in bridge_encoder_check.exs


@pytest.fixture(scope="module")
def bridge_ebin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tools("elixir", "elixirc")
    ebin = tmp_path_factory.mktemp("bridge-ebin")
    run(["elixirc", "--ignore-module-conflict", "-o", str(ebin), *map(str, sorted(BRIDGE_SOURCES.glob("*.ex")))])
    return ebin


def run(command: list[str]) -> list[str]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    # Not splitlines(): it also splits at U+0085 and U+2028, which JSON strings hold unescaped.
    return done.stdout.split("\n")[:-1]


def encoded_by_the_vm_code(ebin: Path, work: Path, cases: list[Any]) -> tuple[list[Any], list[Any]]:
    """(the one-pass encodings of `cases`, the lines for the Elixir-only terms)."""
    lines = work / "cases.jsonl"
    lines.write_text("".join(json.dumps(encode(value), allow_nan=False) + "\n" for value in cases))
    out = [json.loads(line) for line in run(["elixir", "-pa", str(ebin), str(CHECK), str(lines)])]
    return out[:len(cases)], out[len(cases):]


# One elixir run per example (about 1 s): few examples, many terms in each.
@settings(max_examples=5, deadline=None, database=None)
@given(st.lists(values, min_size=1, max_size=12))
def test_one_pass_writes_what_two_passes_wrote_for_generated_terms(bridge_ebin: Path,
                                                                   tmp_path_factory: pytest.TempPathFactory,
                                                                   cases: list[Any]) -> None:
    one_pass, _ = encoded_by_the_vm_code(bridge_ebin, tmp_path_factory.mktemp("cases"), cases)
    # And what Python reads back is the value it sent (the script has already compared the encoders),
    # but for bytes that are UTF-8: in Elixir they are the same term as the string.
    try:
        expected = [as_elixir_returns(value) for value in cases]
    except KeysMerged:
        assume(False)
    assert [decode(form) for form in one_pass] == expected


class KeysMerged(Exception):
    """Two keys of a dict are one key in Elixir (b"a" and "a")."""


def as_elixir_returns(value: Any) -> Any:
    """`value` with UTF-8 bytes as strings."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    if isinstance(value, list):
        return [as_elixir_returns(v) for v in value]
    if isinstance(value, tuple):
        return tuple(as_elixir_returns(v) for v in value)
    if isinstance(value, dict):
        out = {as_elixir_returns(k): as_elixir_returns(v) for k, v in value.items()}
        if len(out) != len(value):
            raise KeysMerged
        return out
    return value


def test_elixir_only_terms_and_fragments(bridge_ebin: Path, tmp_path: Path) -> None:
    _, rest = encoded_by_the_vm_code(bridge_ebin, tmp_path, [])
    *terms, error = rest
    assert len(terms) == ELIXIR_ONLY
    by_kind = [t.get("__opaque__") for t in terms[:8] if isinstance(t, dict)]
    assert by_kind == ["pid", "reference", "function", "function", "pid" if terms[4] == terms[0] else "port",
                       "improper_list", "improper_list", "bitstring"]
    fragment = {"posts": [1, 2.5, "x"], "n": None}
    assert terms[-2] == fragment and terms[-1] == {"page": fragment, "list": [fragment]}
    assert terms[11] == {"__tuple__": [{"__atom__": "ok"}, {"__tuple__": [1, [2, {"__tuple__": [3]}]]}]}
    assert terms[13] == {"__map__": [["__atom__", "not a tag"]]}
    assert error["fragment_error"].startswith("not a JSON fragment: ") and "byte" in error["fragment_error"]
