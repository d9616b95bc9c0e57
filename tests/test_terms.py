"""The Python side of the bridge's JSON mapping of Elixir terms (pytest_wasmblog.terms)."""

from __future__ import annotations

import base64
import json
import math

import pytest

from pytest_wasmblog.terms import (
    Atom,
    Opaque,
    TermDecodingError,
    TermEncodingError,
    decode,
    encode,
)


def wire(value):
    """encode, through real JSON text, then decode: what a value looks like after a round trip."""
    return decode(json.loads(json.dumps(encode(value), allow_nan=False)))


# One row per line of the mapping table in terms.py: (Python value, its JSON form).
TABLE = [
    (42, 42),
    (-7, -7),
    (2**53 - 1, 2**53 - 1),
    (2**53, {"__integer__": str(2**53)}),
    (-(2**70), {"__integer__": str(-(2**70))}),
    (1.5, 1.5),
    (1.0, {"__float__": 1.0}),
    (-0.0, {"__float__": -0.0}),
    ("héllo", "héllo"),
    ("", ""),
    (True, True),
    (False, False),
    (None, None),
    (Atom("ok"), {"__atom__": "ok"}),
    (Atom.alias("Blog.Posts"), {"__atom__": "Elixir.Blog.Posts"}),
    ((1, "a"), {"__tuple__": [1, "a"]}),
    ((), {"__tuple__": []}),
    ([1, "a", None], [1, "a", None]),
    ([], []),
    ({"title": "x", "n": 1}, {"title": "x", "n": 1}),
    ({}, {}),
    ({1: "one"}, {"__map__": [[1, "one"]]}),
    ({Atom("k"): 2}, {"__map__": [[{"__atom__": "k"}, 2]]}),
    (b"\xff\x00raw", {"__binary__": base64.b64encode(b"\xff\x00raw").decode()}),
]


@pytest.mark.parametrize(("value", "json_form"), TABLE, ids=[repr(v)[:30] for v, _ in TABLE])
def test_mapping_table_round_trip(value, json_form) -> None:
    assert encode(value) == json_form
    result = wire(value)
    assert result == value
    assert type(result) is type(value)


def test_opaque_decodes_but_cannot_be_sent_back() -> None:
    assert decode({"__opaque__": "pid"}) == Opaque("pid")
    with pytest.raises(TermEncodingError, match="opaque pid"):
        encode([Opaque("pid")], "args")


def test_atom_is_not_a_string() -> None:
    assert encode(Atom("ok")) != encode("ok")
    assert wire("ok") == "ok" and isinstance(wire("ok"), str)
    assert wire(Atom("ok")) == Atom("ok") and wire(Atom("ok")) != "ok"
    assert repr(Atom("ok")) == ":ok"
    assert repr(Atom.alias("Blog.Posts")) == "Blog.Posts"
    assert Atom.alias("Elixir.Blog") == Atom("Elixir.Blog")


def test_tuple_is_not_a_list() -> None:
    assert wire((1, 2)) == (1, 2) and isinstance(wire((1, 2)), tuple)
    assert wire([1, 2]) == [1, 2] and isinstance(wire([1, 2]), list)
    assert wire([(1, [2, (3,)])]) == [(1, [2, (3,)])]


def test_bytearray_is_a_binary() -> None:
    assert wire(bytearray(b"\x80\x81")) == b"\x80\x81"


def test_map_with_mixed_keys() -> None:
    value = {"s": 1, 2: "two", (Atom("a"), 1): [b"x"], None: False}
    encoded = encode(value)
    assert set(encoded) == {"__map__"}
    assert sorted(map(json.dumps, encoded["__map__"])) == sorted(
        map(json.dumps, [["s", 1], [2, "two"], [{"__tuple__": [{"__atom__": "a"}, 1]}, [{"__binary__": "eA=="}]],
                         [None, False]]))
    assert wire(value) == value


@pytest.mark.parametrize("key", ["__x", "__atom__", "__tuple__", "__map__", "__binary__", "__opaque__", "__"])
def test_single_dunder_key_is_not_mistaken_for_a_tag(key: str) -> None:
    value = {key: "ok"}
    assert encode(value) == {"__map__": [[key, "ok"]]}
    assert wire(value) == value
    assert wire([value, {"inner": value}]) == [value, {"inner": value}]


def test_dunder_keys_among_others_stay_an_object() -> None:
    value = {"__x": 1, "y": 2}
    assert encode(value) == value
    assert wire(value) == value


def test_nested_structures() -> None:
    value = {
        "posts": [{"id": 1, "tags": (Atom("elixir"), "wasm"), "body": b"\x00\x01"}],
        "index": {Atom("by_id"): {1: (Atom("post"), 1)}},
        "meta": {"__secret": [None, True, 2.5]},
    }
    assert wire(value) == value


# ---- encoding errors name the argument ----

@pytest.mark.parametrize(
    ("value", "path", "what"),
    [
        ([1, {"k": {1, 2}}], "args[1]['k']", "set"),
        ([1, {"k": object()}], "args[1]['k']", "object"),
        ([float("nan")], "args[0]", "nan"),
        ([1, 2, (3, float("inf"))], "args[2][1]", "inf"),
        ([{"a": [-math.inf]}], "args[0]['a'][0]", "-inf"),
        ([Opaque("ref")], "args[0]", "opaque"),
        ([{5: frozenset()}], "args[0][5]", "frozenset"),
        ([{(1, 2): 1j}], "args[0][(1, 2)]", "complex"),
    ],
)
def test_encoding_errors_name_the_path(value, path: str, what: str) -> None:
    with pytest.raises(TermEncodingError) as info:
        encode(value, "args")
    assert info.value.path == path
    assert f"argument {path} " in str(info.value)
    assert what in str(info.value)


def test_unencodable_map_key() -> None:
    with pytest.raises(TermEncodingError) as info:
        encode({frozenset(): 1}, "args")
    assert info.value.path.startswith("args")
    assert "frozenset" in str(info.value)


def test_default_path() -> None:
    with pytest.raises(TermEncodingError, match=r"argument arg\[0\]"):
        encode([set()])


# ---- malformed input from the bridge ----

@pytest.mark.parametrize(
    "bad",
    [
        {"__atom__": 1},
        {"__atom__": ["ok"]},
        {"__tuple__": "abc"},
        {"__tuple__": {"a": 1}},
        {"__map__": {"a": 1}},
        {"__map__": "k"},
        {"__binary__": 5},
        {"__opaque__": None},
        [{"ok": {"__tuple__": 3}}],  # nested
    ],
)
def test_malformed_tags_raise_decoding_error(bad) -> None:
    with pytest.raises(TermDecodingError):
        decode(bad)


@pytest.mark.parametrize(
    "bad",
    [
        {"__map__": [["only-a-key"]]},
        {"__map__": [[1, 2, 3]]},
        {"__map__": [5]},
        {"__binary__": "abc"},  # not valid base64 (bad padding)
        {"__binary__": "@@@@"},  # not base64 at all
    ],
)
def test_malformed_tag_contents_raise_decoding_error(bad) -> None:
    # A tag with the right JSON type but broken contents is just as malformed.
    with pytest.raises(TermDecodingError):
        decode(bad)


def test_unknown_tags_and_multi_key_objects_stay_dicts() -> None:
    assert decode({"__other__": [1]}) == {"__other__": [1]}
    assert decode({"__atom__": "a", "b": 1}) == {"__atom__": "a", "b": 1}
    assert decode({"x": {"__atom__": "y"}}) == {"x": Atom("y")}


def test_unhashable_map_keys_are_made_hashable() -> None:
    decoded = decode({"__map__": [[[1, [2]], "list key"]]})
    assert decoded == {(1, (2,)): "list key"}


# Any nested value's round trip is a property test in test_properties.py (wider ranges).


@pytest.mark.parametrize("bad", [{"__integer__": "12x"}, {"__integer__": 12}, {"__float__": "1.0"}, {"__float__": True}])
def test_malformed_number_tags_raise_decoding_error(bad) -> None:
    with pytest.raises(TermDecodingError):
        decode(bad)
