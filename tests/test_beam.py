"""BEAM parsing and preparation for AtomVM, on modules compiled by `erlc` and on synthetic files."""

from __future__ import annotations

import struct
import zlib

import pytest
from beam_samples import (
    PLAIN_MODULE,
    START_MODULE,
    atom_chunk,
    iff,
    iff_chunks,
    synthetic_beam,
)

from pytest_wasmblog.bundle import beam
from pytest_wasmblog.bundle.beam import BeamFormatError

DROPPED = ("Attr", "CInf", "Dbgi", "Docs", "ExCk", "Meta", "Type", "Abst")
KEPT = ("AtU8", "Code", "ExpT", "ImpT", "FunT", "StrT", "LocT", "Line")


@pytest.fixture(scope="module")
def rich_beam(start_beam: bytes) -> bytes:
    """The compiled module plus the chunks only Elixir writes (Docs, ExCk) and an old Abst."""
    chunks = [(cid, payload) for cid, _off, payload in iff_chunks(start_beam)]
    return iff([*chunks, ("Docs", b"docs chunk"), ("ExCk", b"exck"), ("Abst", b"abstract code!")])


def chunk_ids(data: bytes) -> list[str]:
    return [cid for cid, _off, _payload in iff_chunks(data)]


def chunk(data: bytes, cid: str) -> bytes:
    return next(payload for c, _off, payload in iff_chunks(data) if c == cid)


# ---- parse ----

def test_parse_real_module(start_beam: bytes) -> None:
    info = beam.parse(start_beam)
    assert info.name == START_MODULE
    assert info.atoms[0] == START_MODULE
    assert {("start", 0), ("rev", 1), ("module_info", 0), ("module_info", 1)} == set(info.exports)
    assert ("table", 0) not in info.exports  # private
    assert info.exports_function("start", 0)
    assert not info.exports_function("start", 1)
    assert ("lists", "reverse", 1) in info.imports
    assert ("erlang", "get_module_info", 1) in info.imports
    # Function names and called modules are atoms of the table; atoms inside literals are not.
    assert {"lists", "reverse", "table", "rev"} <= set(info.atoms)
    assert "nested" not in info.atoms
    assert [c.id for c in info.chunks] == chunk_ids(start_beam)
    for c, (cid, off, payload) in zip(info.chunks, iff_chunks(start_beam), strict=True):
        assert (c.id, c.offset, c.data) == (cid, off, payload)


def test_parse_module_without_start(plain_beam: bytes) -> None:
    info = beam.parse(plain_beam)
    assert info.name == PLAIN_MODULE
    assert not info.exports_function("start", 0)
    assert info.exports_function("hello", 1)
    assert not info.exports_function("helper", 1)
    assert all(m != "lists" for m, _f, _a in info.imports)


def test_parse_synthetic_module() -> None:
    atoms = ["mod", "go", "other", "call", "ünïcödé"]
    data = synthetic_beam(atoms, exports=[("go", 0), ("ünïcödé", 2)], imports=[("other", "call", 3)])
    info = beam.parse(data)
    assert info.name == "mod"
    assert info.atoms == atoms
    assert info.exports == [("go", 0), ("ünïcödé", 2)]
    assert info.imports == [("other", "call", 3)]


def test_otp28_compact_atom_table() -> None:
    # Lengths < 16 take one byte, 16..2047 two bytes; a 255-character atom of 3-byte characters
    # is 765 bytes long.
    atoms = ["m", "short", "exactly_sixteen!", "a" * 100, "€" * 255, "start"]
    raw = atom_chunk(atoms, compact=True)
    assert struct.unpack(">i", raw[:4])[0] == -len(atoms)
    assert raw[4] == 1 << 4  # "m"
    data = synthetic_beam(atoms, exports=[("start", 0)], compact=True)
    info = beam.parse(data)
    assert info.atoms == atoms
    assert info.name == "m"
    assert info.exports == [("start", 0)]


def test_compact_and_classic_atom_tables_agree() -> None:
    atoms = ["wb", "x" * 15, "y" * 16, "z" * 200, "é"]
    classic = beam.parse(synthetic_beam(atoms, exports=[("é", 1)]))
    compact = beam.parse(synthetic_beam(atoms, exports=[("é", 1)], compact=True))
    assert classic.atoms == compact.atoms == atoms


def test_compact_atom_table_truncated() -> None:
    raw = atom_chunk(["mod", "y" * 40], compact=True)[:-10]  # second atom cut short
    data = iff([("AtU8", raw), ("Code", b"\0" * 4), ("ExpT", b"\0" * 4), ("ImpT", b"\0" * 4)])
    with pytest.raises(BeamFormatError, match="atom") as info:
        beam.parse(data)
    assert 12 <= info.value.offset < len(data)


def test_export_referring_to_missing_atom() -> None:
    exp = struct.pack(">IIII", 1, 9, 0, 1)  # atom 9 of 2
    data = iff([("AtU8", atom_chunk(["m", "f"])), ("Code", b"\0" * 4), ("ExpT", exp), ("ImpT", b"\0" * 4)])
    with pytest.raises(BeamFormatError, match="ExpT") as info:
        beam.parse(data)
    assert info.value.offset == next(off for cid, off, _p in iff_chunks(data) if cid == "ExpT")


def test_missing_required_chunk() -> None:
    data = iff([("AtU8", atom_chunk(["m"])), ("Code", b"\0" * 4), ("ImpT", b"\0" * 4)])
    with pytest.raises(BeamFormatError, match="ExpT"):
        beam.parse(data)


# ---- malformed input ----

@pytest.mark.parametrize("garbage", [b"", b"FOR1", b"\x00" * 64, b"FOR1\x00\x00\x00\x04JUNK", b"RIFF\0\0\0\x04WAVE"])
def test_garbage_is_refused_at_byte_zero(garbage: bytes) -> None:
    with pytest.raises(BeamFormatError) as info:
        beam.parse(garbage)
    assert info.value.offset == 0
    assert "at byte 0" in str(info.value)


def test_every_truncation_is_refused(plain_beam: bytes) -> None:
    for n in range(len(plain_beam)):
        with pytest.raises(BeamFormatError) as info:
            beam.read_chunks(plain_beam[:n])
        assert info.value.offset == (0 if n < 12 else 4), n  # the FOR1 size no longer fits


def test_chunk_running_past_the_end_is_located(plain_beam: bytes) -> None:
    chunks = iff_chunks(plain_beam)
    for index in (0, 2, len(chunks) - 1):
        cid, off, payload = chunks[index]
        cut = off + 8 + len(payload) // 2 if payload else off + 4
        truncated = bytearray(plain_beam[:cut])
        struct.pack_into(">I", truncated, 4, cut - 8)  # header consistent with the cut
        with pytest.raises(BeamFormatError) as info:
            beam.read_chunks(bytes(truncated))
        assert info.value.offset == off, (cid, info.value)


def test_chunk_size_field_too_large(plain_beam: bytes) -> None:
    cid, off, _payload = iff_chunks(plain_beam)[3]
    corrupt = bytearray(plain_beam)
    struct.pack_into(">I", corrupt, off + 4, 0x7FFFFFFF)
    with pytest.raises(BeamFormatError, match=f"chunk {cid}") as info:
        beam.parse(bytes(corrupt))
    assert info.value.offset == off


def test_non_ascii_chunk_id(plain_beam: bytes) -> None:
    _cid, off, _payload = iff_chunks(plain_beam)[1]
    corrupt = bytearray(plain_beam)
    corrupt[off : off + 4] = b"\xff\xfe\xfd\xfc"
    with pytest.raises(BeamFormatError, match="ASCII") as info:
        beam.read_chunks(bytes(corrupt))
    assert info.value.offset == off


def test_bad_compressed_literals(start_beam: bytes) -> None:
    chunks = [(cid, payload) for cid, _o, payload in iff_chunks(start_beam)]
    lit_index = [c for c, _p in chunks].index("LitT")
    lit = chunks[lit_index][1]
    wrong_size = list(chunks)
    wrong_size[lit_index] = ("LitT", struct.pack(">I", struct.unpack(">I", lit[:4])[0] + 1) + lit[4:])
    not_zlib = list(chunks)
    not_zlib[lit_index] = ("LitT", lit[:4] + b"not zlib at all")
    for bad, expected in ((wrong_size, "header says"), (not_zlib, "inflate")):
        data = iff(bad)
        with pytest.raises(BeamFormatError, match=expected) as info:
            beam.prepare_for_vm(data)
        assert info.value.offset == next(o for c, o, _p in iff_chunks(data) if c == "LitT")


def test_atoms_inside_literals_are_read(start_beam: bytes) -> None:
    parsed = beam.parse(start_beam)
    assert {"row", "key", "value", "nested", "tuple"} <= parsed.literal_atoms
    assert "nested" not in parsed.atoms  # only the literal table names it


def test_a_literal_with_an_unknown_term_tag_is_refused(start_beam: bytes) -> None:
    chunks = [(cid, payload) for cid, _o, payload in iff_chunks(start_beam)]
    lit_index = [c for c, _p in chunks].index("LitT")
    term = b"\x83\x58" + b"\0" * 8  # a pid: no constant a compiler writes
    table = struct.pack(">I", 1) + struct.pack(">I", len(term)) + term
    chunks[lit_index] = ("LitT", struct.pack(">I", len(table)) + zlib.compress(table))
    with pytest.raises(BeamFormatError, match="tag 88 is not supported"):
        beam.parse(iff(chunks))


# ---- prepare_for_vm ----

def test_compiled_module_has_the_chunks_under_test(rich_beam: bytes) -> None:
    ids = set(chunk_ids(rich_beam))
    assert {"LitT", "Line", "LocT", "Dbgi", "Attr", "CInf", "Docs", "ExCk"} <= ids
    assert "LitU" not in ids


def test_prepare_keeps_what_the_vm_reads_and_drops_the_rest(rich_beam: bytes) -> None:
    out = beam.prepare_for_vm(rich_beam)
    original = chunk_ids(rich_beam)
    prepared = chunk_ids(out)
    expected = [("LitU" if c == "LitT" else c) for c in original if c in KEPT or c == "LitT"]
    assert prepared == expected  # same order, nothing extra
    assert not set(prepared) & set(DROPPED)
    for cid in ("AtU8", "Code", "ExpT", "ImpT", "StrT", "LocT", "Line"):
        assert chunk(out, cid) == chunk(rich_beam, cid), cid
    assert len(out) < len(rich_beam)


def test_litt_becomes_inflated_litu(start_beam: bytes) -> None:
    lit = chunk(start_beam, "LitT")
    out = beam.prepare_for_vm(start_beam)
    litu = chunk(out, "LitU")
    assert litu == zlib.decompress(lit[4:])
    assert len(litu) == struct.unpack(">I", lit[:4])[0]
    assert b"seventh literal row" in litu  # the literal really is in there, uncompressed


def test_without_debug_info(start_beam: bytes, plain_beam: bytes) -> None:
    for source in (start_beam, plain_beam):
        out = beam.prepare_for_vm(source, keep_debug_info=False)
        assert "Line" not in chunk_ids(out)
        assert chunk(out, "LocT") == b"\x00\x00\x00\x00"
        assert chunk(out, "Code") == chunk(source, "Code")
    # The plain module's private helper/1 is in its local table until it is emptied.
    assert struct.unpack(">I", chunk(plain_beam, "LocT")[:4])[0] >= 1


def test_prepared_file_is_well_formed(rich_beam: bytes) -> None:
    for keep in (True, False):
        out = beam.prepare_for_vm(rich_beam, keep_debug_info=keep)
        assert out[:4] == b"FOR1" and out[8:12] == b"BEAM"
        assert struct.unpack(">I", out[4:8])[0] == len(out) - 8
        assert len(out) % 4 == 0
        pos = 12
        while pos < len(out):
            assert pos % 4 == 0
            (size,) = struct.unpack(">I", out[pos + 4 : pos + 8])
            pos += 8 + size + (-size % 4)
        assert pos == len(out)
        # And it still parses to the same module.
        before, after = beam.parse(rich_beam), beam.parse(out)
        assert (after.name, after.atoms, after.exports, after.imports) == (
            before.name, before.atoms, before.exports, before.imports)


def test_prepare_is_idempotent(start_beam: bytes) -> None:
    once = beam.prepare_for_vm(start_beam)
    assert beam.prepare_for_vm(once) == once


def test_build_pads_odd_chunks() -> None:
    out = beam.build([("AAAA", b"x"), ("BBBB", b"12345")])
    assert out == b"FOR1" + struct.pack(">I", 4 + 12 + 16) + b"BEAM" + b"AAAA\0\0\0\1x\0\0\0" + b"BBBB\0\0\0\x0512345\0\0\0"
    assert [(c.id, c.data) for c in beam.read_chunks(out)] == [("AAAA", b"x"), ("BBBB", b"12345")]
