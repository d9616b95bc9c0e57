"""The .avm (AtomVM packbeam) writer and validator, checked against the format description in
docs/popcorn-runtime.md with bundles of real BEAM files compiled by `erlc`."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from beam_samples import PLAIN_MODULE, START_MODULE, iff_chunks

from pytest_wasmblog.bundle import avm, beam
from pytest_wasmblog.bundle.avm import BundleError, Entry, Flag

HEADER = b"#!/usr/bin/env AtomVM\n\x00\x00"
END_ENTRY = struct.pack(">III", 0, 0, 0) + b"end\x00"
FILE_NAME = "priv/notes.txt"
FILE_DATA = b"seven b"  # 7 bytes: with its 4-byte length prefix the payload needs padding


@pytest.fixture(scope="module")
def entries(start_beam: bytes, plain_beam: bytes) -> list[Entry]:
    return [
        Entry(f"{START_MODULE}.beam", Flag.START | Flag.BEAM, start_beam),
        Entry(f"{PLAIN_MODULE}.beam", Flag.BEAM, plain_beam),
        Entry(FILE_NAME, Flag.FILE, FILE_DATA),
    ]


@pytest.fixture(scope="module")
def bundle(entries: list[Entry]) -> bytes:
    return avm.write(entries)


def walk(data: bytes) -> list[tuple[int, int, int, int, str, bytes]]:
    """Independent parse: (offset, size, flags, reserved, name, payload) per entry, terminator last."""
    out = []
    pos = len(HEADER)
    while True:
        size, flags, reserved = struct.unpack_from(">III", data, pos)
        nul = data.index(b"\x00", pos + 12)
        name = data[pos + 12 : nul].decode()
        name_len = nul - (pos + 12) + 1
        name_len += -name_len % 4
        if size == 0:
            out.append((pos, size, flags, reserved, name, b""))
            assert pos + 12 + name_len == len(data), "bytes after the terminator"
            return out
        out.append((pos, size, flags, reserved, name, data[pos + 12 + name_len : pos + size]))
        pos += size


def entry_offset(data: bytes, name: str) -> int:
    return next(off for off, _s, _f, _r, n, _p in walk(data) if n == name)


def patch_u32(data: bytes, offset: int, value: int) -> bytes:
    return data[:offset] + struct.pack(">I", value) + data[offset + 4 :]


# ---- writing ----

def test_header_is_exactly_the_packbeam_magic(bundle: bytes) -> None:
    assert avm.MAGIC == HEADER
    assert len(HEADER) == 24
    assert bundle[:24] == HEADER


def test_written_layout_matches_the_format(bundle: bytes, entries: list[Entry]) -> None:
    walked = walk(bundle)
    assert [w[4] for w in walked] == [e.name for e in entries] + ["end"]
    for (offset, size, flags, reserved, name, payload), entry in zip(walked[:-1], entries, strict=True):
        assert offset % 4 == 0, f"{name} starts at unaligned offset {offset}"
        assert size % 4 == 0
        assert flags == int(entry.flags)
        assert reserved == 0
        if Flag.FILE in entry.flags:
            (length,) = struct.unpack(">I", payload[:4])
            assert length == len(FILE_DATA)
            assert payload[4 : 4 + length] == FILE_DATA
            assert set(payload[4 + length :]) <= {0} and len(payload) % 4 == 0
        else:
            assert payload[: len(entry.data)] == entry.data
            assert len(payload) == len(entry.data) + (-len(entry.data) % 4)
    # The terminator is the last 16 bytes: size 0, flags 0, reserved 0, "end" + NUL.
    assert bundle.endswith(END_ENTRY)
    assert walked[-1][0] == len(bundle) - len(END_ENTRY)


def test_names_are_nul_terminated_and_padded_to_four(start_beam: bytes) -> None:
    # Names of length 3, 4 and 5 need 1, 4 and 3 NUL bytes respectively.
    for name, nuls in (("abc", 1), ("abcd", 4), ("abcde", 3)):
        data = avm.write([Entry(name, Flag.FILE, b"")])
        assert data[24 + 12 : 24 + 12 + len(name) + nuls] == name.encode() + b"\x00" * nuls
        (size,) = struct.unpack_from(">I", data, 24)
        assert size == 12 + len(name) + nuls + 4  # header + padded name + empty file's length prefix


def test_round_trip(bundle: bytes, entries: list[Entry]) -> None:
    read = avm.read(bundle)
    assert [(e.name, e.flags, e.data) for e in read] == [(e.name, e.flags, e.data) for e in entries]
    assert [e.offset for e in read] == [w[0] for w in walk(bundle)[:-1]]
    assert read[0].module == START_MODULE and read[2].module is None
    assert avm.validate(bundle) == read


def test_empty_bundle_is_valid_for_read_but_has_no_start() -> None:
    data = avm.write([])
    assert data == HEADER + END_ENTRY
    assert avm.read(data) == []
    with pytest.raises(BundleError) as info:
        avm.validate(data)
    assert info.value.offset == 24


def test_validate_file_names_the_path(tmp_path: Path, bundle: bytes) -> None:
    good = tmp_path / "bundle.avm"
    good.write_bytes(bundle)
    assert len(avm.validate_file(good)) == 3
    bad = tmp_path / "bad.avm"
    bad.write_bytes(bundle[:100])
    with pytest.raises(BundleError, match=str(bad)):
        avm.validate_file(bad)


# ---- refusals ----

def test_empty_file_is_refused() -> None:
    with pytest.raises(BundleError) as info:
        avm.validate(b"")
    assert info.value.offset == 0
    assert "0 bytes" in str(info.value)


def test_bad_magic_is_refused(bundle: bytes) -> None:
    for corrupt in (b"#!/usr/bin/env AtomVX\n\0\0" + bundle[24:], bundle[:22] + b"\0\1" + bundle[24:]):
        with pytest.raises(BundleError, match="magic") as info:
            avm.validate(corrupt)
        assert info.value.offset == 0


@pytest.fixture(scope="module")
def small_bundle(start_beam: bytes) -> bytes:
    small = beam.prepare_for_vm(start_beam, keep_debug_info=False)
    return avm.write([Entry(f"{START_MODULE}.beam", Flag.START | Flag.BEAM, small), Entry("x.txt", Flag.FILE, b"abcde")])


def test_every_prefix_is_refused(small_bundle: bytes) -> None:
    assert len(avm.validate(small_bundle)) == 2
    for n in range(len(small_bundle)):
        with pytest.raises(BundleError) as info:
            avm.validate(small_bundle[:n])
        assert 0 <= info.value.offset <= n, (n, info.value.offset)


def test_truncation_points_report_where(small_bundle: bytes) -> None:
    walked = walk(small_bundle)
    file_offset = walked[1][0]
    end_offset = walked[2][0]
    # Cut inside the BEAM entry's data: that entry runs past the end.
    with pytest.raises(BundleError, match="past the end") as info:
        avm.validate(small_bundle[: file_offset - 8])
    assert (info.value.offset, info.value.entry) == (24, f"{START_MODULE}.beam")
    # Cut exactly before the terminator: no 'end' entry, reported where it should start.
    with pytest.raises(BundleError, match="end") as info:
        avm.validate(small_bundle[:end_offset])
    assert info.value.offset == end_offset
    # Cut inside the terminator's name.
    with pytest.raises(BundleError) as info:
        avm.validate(small_bundle[:-1])
    assert info.value.offset == end_offset


def test_missing_terminator(bundle: bytes) -> None:
    data = bundle[: -len(END_ENTRY)]
    with pytest.raises(BundleError, match="'end'") as info:
        avm.validate(data)
    assert info.value.offset == len(data)


def test_zero_size_entry_not_named_end(bundle: bytes) -> None:
    data = bundle[: -len(END_ENTRY)] + struct.pack(">III", 0, 0, 0) + b"fin\x00"
    with pytest.raises(BundleError, match="'fin'") as info:
        avm.validate(data)
    assert info.value.offset == len(bundle) - len(END_ENTRY)


def test_entry_size_not_multiple_of_four(bundle: bytes) -> None:
    off = entry_offset(bundle, FILE_NAME)
    (size,) = struct.unpack_from(">I", bundle, off)
    with pytest.raises(BundleError, match="multiple of 4") as info:
        avm.validate(patch_u32(bundle, off, size + 1))
    assert info.value.offset == off
    assert info.value.entry == FILE_NAME
    assert repr(FILE_NAME) in str(info.value)


def test_entry_running_past_the_end(bundle: bytes) -> None:
    off = entry_offset(bundle, f"{PLAIN_MODULE}.beam")
    too_big = len(bundle) - off + 4
    with pytest.raises(BundleError, match="past the end") as info:
        avm.validate(patch_u32(bundle, off, too_big))
    assert info.value.offset == off
    assert info.value.entry == f"{PLAIN_MODULE}.beam"


def test_nonzero_reserved_field(bundle: bytes) -> None:
    off = entry_offset(bundle, FILE_NAME)
    with pytest.raises(BundleError, match="reserved") as info:
        avm.validate(patch_u32(bundle, off + 8, 7))
    assert info.value.offset == off
    assert info.value.entry == FILE_NAME


@pytest.mark.parametrize("flags", [0, 8, 0x10, 0x80000000, 2 | 8, 1 | 2 | 0x20, 4 | 0x10])
def test_unknown_flags_are_refused(bundle: bytes, flags: int) -> None:
    # Only 1, 2 and 4 are defined; any other bit is not something the VM understands.
    name = f"{PLAIN_MODULE}.beam"
    off = entry_offset(bundle, name)
    with pytest.raises(BundleError) as info:
        avm.read(patch_u32(bundle, off + 4, flags))
    assert info.value.offset == off
    assert info.value.entry == name
    assert f"{flags:#x}" in str(info.value)


def test_plain_file_declaring_more_than_it_holds(bundle: bytes) -> None:
    off = entry_offset(bundle, FILE_NAME)
    name_len = len(FILE_NAME) + 1 + (-(len(FILE_NAME) + 1) % 4)
    with pytest.raises(BundleError, match="declares 100 bytes") as info:
        avm.validate(patch_u32(bundle, off + 12 + name_len, 100))
    assert (info.value.offset, info.value.entry) == (off, FILE_NAME)


def test_no_start_module(plain_beam: bytes) -> None:
    data = avm.write([Entry(f"{PLAIN_MODULE}.beam", Flag.BEAM, plain_beam), Entry("a.txt", Flag.FILE, b"x")])
    assert len(avm.read(data)) == 2  # well-formed...
    with pytest.raises(BundleError, match="no start module") as info:
        avm.validate(data)  # ...but nothing to boot
    assert info.value.offset == 24


def test_start_module_without_start_0(plain_beam: bytes, start_beam: bytes) -> None:
    name = f"{PLAIN_MODULE}.beam"
    data = avm.write([
        Entry(name, Flag.START | Flag.BEAM, plain_beam),
        Entry(f"{START_MODULE}.beam", Flag.START | Flag.BEAM, start_beam),  # the VM boots the first only
    ])
    with pytest.raises(BundleError, match="start/0") as info:
        avm.validate(data)
    assert (info.value.offset, info.value.entry) == (24, name)
    assert repr(name) in str(info.value)


def test_start_entry_that_is_not_beam() -> None:
    data = avm.write([Entry("boot.txt", Flag.START | Flag.FILE, b"hello")])
    with pytest.raises(BundleError, match="not BEAM") as info:
        avm.validate(data)
    assert (info.value.offset, info.value.entry) == (24, "boot.txt")


def test_beam_entry_with_broken_chunk_table(bundle: bytes, plain_beam: bytes) -> None:
    name = f"{PLAIN_MODULE}.beam"
    off = entry_offset(bundle, name)
    data_start = off + 12 + len(name) + 1 + (-(len(name) + 1) % 4)
    assert bundle[data_start : data_start + 4] == b"FOR1"
    # Make the second chunk's size field claim more bytes than the module holds.
    _cid, chunk_off, _payload = iff_chunks(plain_beam)[1]
    corrupt = patch_u32(bundle, data_start + chunk_off + 4, len(plain_beam))
    with pytest.raises(BundleError, match="broken BEAM") as info:
        avm.validate(corrupt)
    assert info.value.entry == name
    assert repr(name) in str(info.value)
    # The offset points at the broken chunk's header in the bundle file.
    assert info.value.offset == data_start + chunk_off
    assert corrupt[info.value.offset : info.value.offset + 4] == plain_beam[chunk_off : chunk_off + 4]


def test_beam_entry_with_garbage_data() -> None:
    data = avm.write([Entry("junk.beam", Flag.BEAM, b"this is not a beam file at all!!")])
    with pytest.raises(BundleError, match="broken BEAM") as info:
        avm.read(data)
    assert info.value.entry == "junk.beam"


def test_entry_name_must_match_module(plain_beam: bytes) -> None:
    data = avm.write([Entry("other.beam", Flag.BEAM, plain_beam)])
    with pytest.raises(BundleError) as info:
        avm.read(data)
    assert (info.value.offset, info.value.entry) == (24, "other.beam")
    assert repr(PLAIN_MODULE) in str(info.value)
