"""Property-based tests (hypothesis) of the .avm bundle reader/validator and of the term mapping.

Bundles: any byte string is either read/validated or refused with the plugin's ``BundleError``
(naming the byte offset, and the entry when it has one) -- never IndexError, struct.error,
UnicodeDecodeError or a hang -- and ``write`` -> ``read`` round-trips generated entries.

Terms: what crosses the bridge is JSON text, so values go through ``json.dumps``/``json.loads``
between ``encode`` and ``decode`` and must come back with the same types (bool is not int, 1.0
is not 1, -0.0 keeps its sign); values with no Elixir term are refused with ``TermEncodingError``
naming the exact path of the culprit. tests/test_terms.py has the table-driven cases and a plain
``==`` round trip; this module checks what that does not.

BEAM entries use the synthetic modules of beam_samples.py, so no Erlang compiler is needed.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from beam_samples import synthetic_beam
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_wasmblog.bundle import avm, beam
from pytest_wasmblog.bundle.avm import BundleError, Entry, Flag
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.terms import (
    MAX_SAFE_INTEGER,
    Atom,
    Opaque,
    TermDecodingError,
    TermEncodingError,
    decode,
    encode,
)

# Parsing a bundle of a few hundred bytes takes microseconds: a 2 s deadline per example only
# trips on a hang (an offset that stops advancing), not on a slow machine.
FUZZ = settings(max_examples=250, deadline=2000, database=None)
ROUND_TRIP = settings(max_examples=200, deadline=None, database=None)

HEADER = avm.MAGIC
END_ENTRY = struct.pack(">III", 0, 0, 0) + b"end\x00"


def padded(n: int) -> int:
    return n + (-n % 4)


# ======================================================================================
# Bundles: strategies
# ======================================================================================

# Entry names as the writer can represent them: UTF-8 (no lone surrogates), no NUL.
entry_names = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
module_names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
function_names = st.sampled_from(["start", "init", "hello", "run", "handle_call"])


@st.composite
def beam_modules(draw: st.DrawFn, start: bool = False) -> tuple[str, bytes]:
    """(module name, a structurally valid BEAM file); with start=True it exports start/0."""
    module = draw(module_names)
    exports = draw(st.lists(st.tuples(function_names, st.integers(0, 3)), max_size=3, unique=True))
    if start and ("start", 0) not in exports:
        exports.append(("start", 0))
    atoms = [module, *sorted({f for f, _ in exports} - {module})]
    return module, synthetic_beam(atoms, exports, compact=draw(st.booleans()))


@st.composite
def file_entries(draw: st.DrawFn) -> Entry:
    flags = draw(st.sampled_from([Flag.FILE, Flag.FILE | Flag.START]))
    return Entry(draw(entry_names), flags, draw(st.binary(max_size=40)))


@st.composite
def beam_entries(draw: st.DrawFn, start: bool = False) -> Entry:
    module, data = draw(beam_modules(start=start))
    # A BEAM file is padded to 4 bytes by its own IFF layout; bytes after the FOR1 size are
    # ignored by beam.parse, which lets the bundle's own padding rule show up here.
    tail = draw(st.binary(max_size=3))
    flags = Flag.BEAM | Flag.START if start else draw(st.sampled_from([Flag.BEAM, Flag.BEAM | Flag.START]))
    return Entry(f"{module}.beam", flags, data + tail)


entry_lists = st.lists(file_entries() | beam_entries(), max_size=5)


@st.composite
def valid_bundles(draw: st.DrawFn) -> tuple[bytes, list[Entry]]:
    """A bundle validate() accepts: a booting BEAM start entry first, then any entries."""
    entries = [draw(beam_entries(start=True)), *draw(st.lists(file_entries() | beam_entries(), max_size=3))]
    return avm.write(entries), entries


def entry_offsets(data: bytes) -> list[int]:
    """Independent walk of a well-formed bundle: the offset of each entry, terminator last."""
    offsets = []
    pos = len(HEADER)
    while True:
        offsets.append(pos)
        (size,) = struct.unpack_from(">I", data, pos)
        if size == 0:
            return offsets
        pos += size


def draw_position(data: st.DataObject, whole: bytes, label: str, end: bool = False) -> int:
    """A byte position in a bundle, spread over the magic and each entry (a plain st.integers
    would mostly land in the magic); with end=True, len(whole) too."""
    starts = [0, *entry_offsets(whole)]
    regions = list(zip(starts, [*starts[1:], len(whole)], strict=True))
    # Entries first, the magic last: hypothesis favours the first elements of sampled_from.
    lo, hi = data.draw(st.sampled_from(regions[1:] + regions[:1]), label=f"{label} (region)")
    span = hi - lo + (1 if end and hi == len(whole) else 0)
    # Modulo a wide range rather than st.integers(lo, hi): that one mostly picks the first bytes.
    return lo + data.draw(st.integers(0, 2**16 - 1), label=label) % span


def mutate(draw: st.DrawFn, data: bytes) -> bytes:
    """data with a few bytes overwritten and maybe cut short."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    return bytes(out[: draw(st.integers(0, len(out)))]) if draw(st.booleans()) else bytes(out)


@st.composite
def entry_like(draw: st.DrawFn) -> bytes:
    """Bytes shaped like an entry (header, name, payload), each field now and then wrong."""

    def broken() -> bool:
        return draw(st.integers(0, 15)) == 0

    def junk_name() -> bytes:
        return draw(st.binary(max_size=8))

    kind = draw(st.sampled_from(["beam", "beam", "file", "file", "raw"]))
    if kind == "beam":
        module, code = draw(beam_modules(start=draw(st.booleans())))
        name = junk_name() if broken() else f"{module}.beam".encode()
        payload = mutate(draw, code) if broken() else code
        flags = draw(st.sampled_from([2, 3]))
    elif kind == "file":
        name = junk_name() if broken() else draw(entry_names).encode()
        content = draw(st.binary(max_size=40))
        length = draw(st.integers(0, 2**32 - 1) | st.integers(0, 48)) if broken() else len(content)
        payload = struct.pack(">I", length) + content
        flags = draw(st.sampled_from([4, 5]))
    else:
        name = junk_name() if broken() else draw(entry_names).encode()
        payload = draw(st.binary(max_size=48))
        flags = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7, 8]))
    if broken():
        flags = draw(st.integers(0, 2**32 - 1) | st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7, 8]))
    name_bytes = name + b"\x00" * (draw(st.integers(0, 5)) if broken() else 1 + (-(len(name) + 1) % 4))
    body = name_bytes + payload + b"\x00" * (draw(st.integers(0, 3)) if broken() else -len(payload) % 4)
    size = draw(st.integers(0, 128) | st.integers(0, 2**32 - 1)) if broken() else 12 + len(body)
    reserved = draw(st.integers(0, 2**32 - 1)) if broken() else 0
    return struct.pack(">III", size, flags, reserved) + body


near_bundles = st.builds(
    lambda parts, end: HEADER + b"".join(parts) + end,
    st.lists(entry_like(), max_size=4),
    st.just(END_ENTRY)
    | st.sampled_from([b"", END_ENTRY[:-1], END_ENTRY + b"\x00", struct.pack(">III", 0, 0, 0) + b"fin\x00"])
    | st.binary(max_size=20),
)

any_bytes = st.binary(max_size=300) | st.binary(max_size=300).map(lambda b: HEADER + b) | near_bundles


# ======================================================================================
# Bundles: the outcome of reading any bytes
# ======================================================================================

def check_refusal(err: BundleError, data: bytes) -> None:
    """A refusal names the byte offset (inside the file) and the entry when it has one."""
    assert 0 <= err.offset <= len(data), (err.offset, len(data))
    message = str(err)
    assert f"byte {err.offset}" in message
    assert err.problem in message
    if err.entry:
        assert f"entry {err.entry!r} at byte {err.offset}" in message
    assert "rebuild" in message  # the fix is part of the message


def check_accepted(entries: list[Entry], data: bytes) -> None:
    """What read() accepts is self-consistent: aligned, in-bounds, and stable under write/read."""
    offsets = [e.offset for e in entries]
    assert offsets == sorted(set(offsets))
    for entry in entries:
        assert len(HEADER) <= entry.offset < len(data) and entry.offset % 4 == 0
        assert isinstance(entry.name, str) and "\x00" not in entry.name
        assert entry.flags & (Flag.BEAM | Flag.FILE)
        (size,) = struct.unpack_from(">I", data, entry.offset)
        # The entry's bytes, found again independently: after the header and the padded name.
        body = data[entry.offset + 12 + padded(len(entry.name.encode()) + 1) : entry.offset + size]
        if Flag.BEAM in entry.flags:
            assert entry.data == body
            assert beam.parse(entry.data).name + ".beam" == entry.name
        else:
            assert body[:4] == struct.pack(">I", len(entry.data))
            assert body[4 : 4 + len(entry.data)] == entry.data
    # Rewriting what was read gives a canonical bundle that reads back to the same entries.
    rewritten = avm.read(avm.write(entries))
    assert [(e.name, e.flags, e.data) for e in rewritten] == [(e.name, e.flags, e.data) for e in entries]


def outcome(data: bytes) -> list[Entry] | None:
    """read() and validate() of data: entries, or None when refused; anything else propagates."""
    try:
        entries = avm.read(data)
    except BundleError as err:
        check_refusal(err, data)
        with pytest.raises(BundleError):
            avm.validate(data)  # validate checks everything read checks
        return None
    check_accepted(entries, data)
    assert avm.read(data) == entries  # deterministic
    try:
        validated = avm.validate(data)
    except BundleError as err:
        check_refusal(err, data)
    else:
        assert validated == entries
        assert Flag.BEAM in next(e for e in entries if Flag.START in e.flags).flags
    return entries


@FUZZ
@given(any_bytes)
@example(b"")
@example(HEADER)
@example(HEADER + END_ENTRY)
@example(HEADER + struct.pack(">III", 16, 4, 0) + b"end\x00")  # a file entry without its length prefix
@example(HEADER + struct.pack(">III", 4, 4, 0) + b"a\x00\x00\x00" + END_ENTRY)  # size below the header
@example(HEADER + struct.pack(">III", 0, 0, 0) + b"\xff\x00\x00\x00")  # non-UTF-8 name
def test_any_bytes_are_read_or_refused_with_bundle_error(data: bytes) -> None:
    """Any byte string: read()/validate() return entries or raise BundleError, never another error."""
    outcome(data)


@FUZZ
@given(valid_bundles(), st.data())
def test_every_truncation_is_refused(bundle: tuple[bytes, list[Entry]], data: st.DataObject) -> None:
    """Every strict prefix of a valid bundle is refused, at an offset inside the prefix."""
    whole, _ = bundle
    assert outcome(whole) is not None
    n = draw_position(data, whole, "cut at")
    with pytest.raises(BundleError) as info:
        avm.read(whole[:n])
    check_refusal(info.value, whole[:n])
    assert info.value.offset <= n


@FUZZ
@given(valid_bundles(), st.data())
def test_flipped_byte_is_read_consistently_or_refused(bundle: tuple[bytes, list[Entry]], data: st.DataObject) -> None:
    """A valid bundle with one byte changed anywhere: still consistent, or refused with BundleError."""
    whole, _ = bundle
    i = draw_position(data, whole, "offset")
    mask = data.draw(st.integers(1, 255), label="xor")
    corrupt = whole[:i] + bytes([whole[i] ^ mask]) + whole[i + 1 :]
    entries = outcome(corrupt)
    if i < len(HEADER):
        assert entries is None  # the magic is checked byte for byte


@FUZZ
@given(valid_bundles(), st.data())
def test_inserted_or_removed_byte_is_read_consistently_or_refused(
    bundle: tuple[bytes, list[Entry]], data: st.DataObject
) -> None:
    """A valid bundle with a byte inserted or removed anywhere: consistent, or refused."""
    whole, _ = bundle
    if data.draw(st.booleans(), label="insert"):
        i = draw_position(data, whole, "insert at", end=True)
        corrupt = whole[:i] + bytes([data.draw(st.integers(0, 255), label="byte")]) + whole[i:]
    else:
        i = draw_position(data, whole, "remove at")
        corrupt = whole[:i] + whole[i + 1 :]
    outcome(corrupt)


@FUZZ
@given(valid_bundles(), st.data())
def test_corrupted_size_field(bundle: tuple[bytes, list[Entry]], data: st.DataObject) -> None:
    """Any size in any entry header (terminator included): consistent, or refused at that entry."""
    whole, entries = bundle
    offsets = entry_offsets(whole)
    index = data.draw(st.integers(0, len(offsets) - 1), label="entry")
    at = offsets[index]
    (old,) = struct.unpack_from(">I", whole, at)
    new = data.draw(
        st.integers(0, 2**32 - 1) | st.integers(max(0, old - 16), old + 16) | st.sampled_from([0, 4, 8, 12, 16]),
        label="size",
    )
    corrupt = whole[:at] + struct.pack(">I", new) + whole[at + 4 :]
    read = outcome(corrupt)
    name = entries[index].name if index < len(entries) else "end"
    if new % 4 or new > len(corrupt) - at:
        # Entries before it are untouched, so the refusal is about this one.
        assert read is None
        with pytest.raises(BundleError) as info:
            avm.read(corrupt)
        assert info.value.offset == at
        assert info.value.entry in (None, name)
    elif new == old:
        assert read is not None and len(read) == len(entries)


# ======================================================================================
# Bundles: write -> read
# ======================================================================================

@ROUND_TRIP
@given(entry_lists)
def test_write_read_round_trip(entries: list[Entry]) -> None:
    """write -> read gives back names, flags and data (BEAM data NUL-padded to 4), at aligned offsets."""
    data = avm.write(entries)
    read = avm.read(data)
    assert [(e.name, e.flags) for e in read] == [(e.name, e.flags) for e in entries]
    offset = len(HEADER)
    for got, sent in zip(read, entries, strict=True):
        if Flag.FILE in sent.flags:
            assert got.data == sent.data
            payload = 4 + len(sent.data)
        else:
            # The format does not record a BEAM entry's length: it comes back padded with NULs.
            assert got.data == sent.data + b"\x00" * (-len(sent.data) % 4)
            payload = len(sent.data)
        assert got.offset == offset
        (size,) = struct.unpack_from(">I", data, offset)
        assert size == 12 + padded(len(sent.name.encode()) + 1) + padded(payload)
        offset += size
    assert data[offset:] == END_ENTRY
    # What was read writes back to the very same bytes.
    assert avm.write(read) == data


@settings(ROUND_TRIP, max_examples=100)
@given(valid_bundles())
def test_valid_bundles_validate(bundle: tuple[bytes, list[Entry]]) -> None:
    """A written bundle whose first start entry is BEAM exporting start/0 validates to read()'s entries."""
    data, entries = bundle
    assert avm.validate(data) == avm.read(data)
    assert len(avm.read(data)) == len(entries)


@ROUND_TRIP
@given(beam_modules(), st.sampled_from([Flag.FILE, Flag.START, Flag(0), Flag.FILE | Flag.START]))
def test_start_entry_that_cannot_boot_is_refused(module: tuple[str, bytes], flags: Flag) -> None:
    """validate() refuses a bundle whose first start entry is missing or not BEAM, at a named place."""
    name, code = module
    data = avm.write([Entry("first", flags, b"x"), Entry(f"{name}.beam", Flag.BEAM, code)])
    with pytest.raises(BundleError) as info:
        avm.validate(data)
    check_refusal(info.value, data)
    assert info.value.offset == len(HEADER)


# Found by this file: Entry("a\x00", Flag.FILE, b"") used to be written and read back as "a".
@ROUND_TRIP
@given(st.tuples(st.text(st.characters(exclude_categories=["Cs"]), max_size=4),
                 st.text(st.characters(exclude_categories=["Cs"]), max_size=4)).map(lambda p: p[0] + "\x00" + p[1]))
@example("a\x00")
def test_write_refuses_names_it_cannot_represent(name: str) -> None:
    """write() either refuses a name, or read() gives back exactly that name."""
    try:
        data = avm.write([Entry(name, Flag.FILE, b"")])
    except (WasmblogError, ValueError):
        return
    assert [e.name for e in avm.read(data)] == [name]


# ======================================================================================
# Terms: strategies
# ======================================================================================

MAX_DIGITS = 4000  # CPython refuses str(int) beyond 4300 digits; huge integers have their own test below

integers = (
    st.integers(-(10**MAX_DIGITS - 1), 10**MAX_DIGITS - 1)
    | st.integers(-(2**64), 2**64)
    | st.integers(MAX_SAFE_INTEGER - 3, MAX_SAFE_INTEGER + 3)
    | st.integers(-MAX_SAFE_INTEGER - 3, -MAX_SAFE_INTEGER + 3)
)
floats = (
    st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(-(2**60), 2**60).map(float)  # integral floats, beyond 2^53 too
    | st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e300, -1e300, 5e-324, 2.0**53, 2.0**53 + 2, 0.1])
)
# Atom names of any shape, aliases included.
atoms = st.builds(Atom, st.text(max_size=10) | st.text(max_size=10).map(lambda s: "Elixir." + s))
TAGS = ["__atom__", "__tuple__", "__map__", "__binary__", "__float__", "__integer__", "__opaque__"]
str_keys = st.text(max_size=8) | st.sampled_from(TAGS) | st.text(max_size=4).map(lambda s: "__" + s)

scalars = st.none() | st.booleans() | integers | floats | st.text(max_size=20) | st.binary(max_size=20) | atoms
hashables = st.recursive(
    st.none() | st.booleans() | integers | floats | st.text(max_size=8) | st.binary(max_size=8) | atoms,
    lambda inner: st.lists(inner, max_size=3).map(tuple),
    max_leaves=5,
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(str_keys, inner, max_size=4)
        | st.dictionaries(str_keys, inner, min_size=1, max_size=1)  # single key: maybe tag-like
        | st.dictionaries(hashables, inner, max_size=4)  # non-string keys: a __map__
    ),
    max_leaves=25,
)


def over_the_wire(value: Any, path: str = "arg") -> Any:
    """What the other side of the bridge decodes: encode, real JSON text (no NaN), decode."""
    return decode(json.loads(json.dumps(encode(value, path), allow_nan=False)))


def same(a: Any, b: Any) -> bool:
    """Equality that also tells bool from int, int from float and 0.0 from -0.0, at any depth."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        b_keys = {k: k for k in b}
        return all(k in b_keys and same(k, b_keys[k]) and same(v, b[k]) for k, v in a.items())
    return bool(a == b)


def wire_numbers(encoded: Any, tag: str | None = None) -> list[tuple[Any, str | None]]:
    """Every JSON number in an encoded value, with the tag of the object directly holding it."""
    if isinstance(encoded, bool) or encoded is None or isinstance(encoded, str):
        return []
    if isinstance(encoded, (int, float)):
        return [(encoded, tag)]
    if isinstance(encoded, list):
        return [n for item in encoded for n in wire_numbers(item)]
    assert isinstance(encoded, dict), f"{type(encoded).__name__} in the encoded form"
    assert all(isinstance(k, str) for k in encoded), "JSON would turn a non-string key into a string"
    if len(encoded) == 1:
        (key, inner), = encoded.items()
        if key in TAGS:
            return wire_numbers(inner, key)
    return [n for item in encoded.values() for n in wire_numbers(item)]


# ======================================================================================
# Terms: round trips
# ======================================================================================

@ROUND_TRIP
@given(values)
@example([2**53 - 1, 2**53, -(2**53), 1.0, -0.0, 2.0**60, True, 1, False, 0])
@example({1: "int", 1.5: "float", False: "bool", None: "nil", b"\x00": "bin", (Atom("a"), 2): "tuple"})
@example({"__atom__": "not an atom"})
@example([{"__tuple__": [1]}, {"__integer__": "12"}, {"__map__": []}])
def test_round_trip_through_json_text_keeps_types(value: Any) -> None:
    """encode -> json.dumps -> json.loads -> decode gives back the value, types and -0.0 included."""
    assert same(over_the_wire(value), value), over_the_wire(value)


@ROUND_TRIP
@given(values)
def test_wire_numbers_survive_javascript(value: Any) -> None:
    """Every number in the JSON form survives a JavaScript double, and integral floats are tagged."""
    for number, tag in wire_numbers(encode(value)):
        assert not isinstance(number, float) or math.isfinite(number)
        if tag == "__float__":
            assert isinstance(number, float)  # JS would make it an integer, hence the tag
        elif isinstance(number, int):
            assert abs(number) <= MAX_SAFE_INTEGER and float(number) == number
        else:
            assert not number.is_integer(), f"untagged integral float {number!r} would arrive as an integer"


@ROUND_TRIP
@given(values)
def test_wire_form_is_canonical(value: Any) -> None:
    """Encoding what came back over the wire gives the same JSON text as the original value."""
    text = json.dumps(encode(value), allow_nan=False)
    assert json.dumps(encode(decode(json.loads(text))), allow_nan=False) == text


# The int <-> decimal string conversion behind __integer__ is capped by CPython (4300 digits),
# while Elixir integers are unbounded.
# Minimal example: encode(10**4300) raises ValueError ("Exceeds the limit (4300 digits) for integer
# string conversion") instead of returning {"__integer__": "1000...0"}; and in the other direction
# decode({"__integer__": "1" * 4301}) raises TermDecodingError claiming the digits are "not decimal
# digits". Expected: both round-trip (or, at least, a TermEncodingError naming the path).
@ROUND_TRIP
@given(st.integers(4300, 5000).map(lambda digits: 10**digits) | st.integers(4300, 5000).map(lambda d: -(10**d)))
@example(10**4300)
def test_huge_integers_round_trip(value: int) -> None:
    """An integer of any size crosses the bridge (Elixir integers are unbounded)."""
    assert over_the_wire(value) == value


# ======================================================================================
# Terms: values with no Elixir term are refused, naming their path
# ======================================================================================

class Custom:
    pass


POISONS: list[Callable[[], Any]] = [
    set, lambda: {1, 2}, frozenset, lambda: frozenset({Atom("a")}), object, Custom, lambda: 1j,
    lambda: float("nan"), lambda: float("inf"), lambda: -math.inf, lambda: Opaque("pid"),
    lambda: Ellipsis, lambda: range(3), lambda: Decimal("1.5"), lambda: Fraction(1, 3),
    lambda: memoryview(b"x"), lambda: print,
]


def is_hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


@st.composite
def poisoned(draw: st.DrawFn) -> tuple[Any, str, str]:
    """(value holding exactly one unencodable part, root path, path encode() must report)."""
    value = draw(st.sampled_from(POISONS))()
    suffixes: list[str] = []  # innermost first
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["list", "tuple", "dict", "key"]))
        if kind == "key" and not is_hashable(value):
            kind = "dict"
        if kind in ("list", "tuple"):
            before = draw(st.lists(scalars, max_size=2))
            after = draw(st.lists(scalars, max_size=2))
            items = [*before, value, *after]
            value = items if kind == "list" else tuple(items)
            suffixes.append(f"[{len(before)}]")
        elif kind == "dict":
            key = draw(str_keys | hashables)
            others = draw(st.dictionaries(str_keys | hashables, scalars, max_size=3))
            others.pop(key, None)
            value = {**others, key: value}
            suffixes.append(f"[{key!r}]")
        else:
            others = draw(st.dictionaries(hashables, scalars, max_size=3))
            value = {**others, value: draw(scalars)}
            suffixes.append(".key")
    root = draw(st.sampled_from(["arg", "args", "kwargs['post']"]))
    return value, root, root + "".join(reversed(suffixes))


@ROUND_TRIP
@given(poisoned())
@example(([1, {"k": {1, 2}}], "args", "args[1]['k']"))
@example(({(1, float("nan")): 2}, "arg", "arg.key[1]"))
@example(({"__atom__": [Opaque("ref")]}, "arg", "arg['__atom__'][0]"))
def test_unencodable_values_are_refused_naming_their_path(case: tuple[Any, str, str]) -> None:
    """A value holding one unsupported part raises TermEncodingError naming that part's exact path."""
    value, root, path = case
    with pytest.raises(TermEncodingError) as info:
        encode(value, root)
    assert info.value.path == path
    assert f"cannot send argument {path} to Elixir: " in str(info.value)


# ======================================================================================
# Terms: decode() of whatever JSON the bridge sends
# ======================================================================================

def json_values(atom_names: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Any JSON value, with the tagged forms (well- or ill-formed) mixed in."""
    leaves = (
        st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
        | st.text(max_size=8) | st.sampled_from(TAGS)
    )

    def containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=6) | st.sampled_from(TAGS), inner, max_size=3)
            | st.builds(lambda tag, v: {tag: v}, st.sampled_from(TAGS), inner)
            | atom_names.map(lambda name: {"__atom__": name})
            | st.lists(st.lists(inner, min_size=2, max_size=2) | inner, max_size=3).map(lambda kv: {"__map__": kv})
            | st.binary(max_size=6).map(lambda b: {"__binary__": base64.b64encode(b).decode()})
            | st.text("0123456789-+_ ", max_size=6).map(lambda s: {"__integer__": s})
        )

    return st.recursive(leaves, containers, max_leaves=15)


plain_atom_names = st.text(max_size=6).filter(lambda s: not s.startswith("Elixir."))
# "Elixir." + something that prints like another key (Atom("Elixir.1") prints as 1).
alias_names = (st.sampled_from(["1", "None", "True", "b''", "()"]) | st.text(max_size=6)).map(lambda s: "Elixir." + s)


@FUZZ
@given(json_values(plain_atom_names))
def test_decode_returns_or_raises_decoding_error(value: Any) -> None:
    """decode() of any JSON value returns a value or raises TermDecodingError, nothing else."""
    try:
        decoded = decode(value)
    except TermDecodingError:
        return
    assert decode(value) == decoded  # deterministic (no NaN is generated)


# decode() makes a map key that is itself a map hashable by sorting its (repr(key), value)
# pairs; two keys can share a repr (1 and Atom("Elixir.1") both print as 1), and then the
# values are compared with `<`.
# Minimal example:
#   decode({"__map__": [[{"__map__": [[1, None], [{"__atom__": "Elixir.1"}, "x"]]}, 0]]})
# expected: a dict with one key (or TermDecodingError); actual: TypeError
# "'<' not supported between instances of 'str' and 'NoneType'".
@FUZZ
@given(json_values(alias_names))
@example({"__map__": [[{"__map__": [[1, None], [{"__atom__": "Elixir.1"}, "x"]]}, 0]]})
def test_decode_map_keys_with_alias_atoms(value: Any) -> None:
    """decode() of JSON holding alias atoms returns a value or raises TermDecodingError, nothing else."""
    try:
        decode(value)
    except TermDecodingError:
        pass
