"""The AtomVM "packbeam" (.avm) format: write bundles and validate them before they are served.

Layout: a 24-byte header (``#!/usr/bin/env AtomVM\\n`` and two NUL bytes), then entries of
<u32 size> <u32 flags> <u32 reserved> <NUL-terminated name padded to 4> <data padded to 4>,
big-endian, ``size`` counting the whole entry. The last entry has size 0 and the name ``end``.
The VM segfaults on a malformed bundle, so everything served goes through :func:`validate`.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from pathlib import Path

from pytest_wasmblog.bundle import beam
from pytest_wasmblog.errors import WasmblogError

MAGIC = b"#!/usr/bin/env AtomVM\n\x00\x00"
_ENTRY_HEADER = struct.Struct(">III")
_END_NAME = "end"


class Flag(enum.IntFlag):
    START = 1
    BEAM = 2
    FILE = 4


class BundleError(WasmblogError):
    """A bundle the VM must not be given; names the entry and the byte offset."""

    def __init__(self, problem: str, offset: int, entry: str | None = None, source: str = "bundle") -> None:
        where = f"entry {entry!r} at byte {offset}" if entry else f"byte {offset}"
        super().__init__(
            f"{source}: invalid .avm bundle, {where}: {problem}. "
            "The VM would crash on it; rebuild it with `wasmblog build SITE`."
        )
        self.problem = problem
        self.offset = offset
        self.entry = entry


@dataclass(frozen=True)
class Entry:
    name: str
    flags: Flag
    data: bytes  # BEAM bytes, or a plain file's content without its length prefix
    offset: int = 0

    @property
    def module(self) -> str | None:
        return self.name[: -len(".beam")] if self.name.endswith(".beam") else None


def write(entries: list[Entry]) -> bytes:
    """Pack entries in order; the caller puts the start module first."""
    out = bytearray(MAGIC)
    for entry in entries:
        if "\x00" in entry.name:
            # The format ends a name at its first NUL: such a name would read back as another one.
            raise ValueError(f"entry name {entry.name!r} cannot be written: names cannot hold a NUL byte")
        payload = entry.data
        if Flag.FILE in entry.flags:
            payload = struct.pack(">I", len(payload)) + payload
        out += _entry_bytes(entry.name, int(entry.flags), payload)
    out += _ENTRY_HEADER.pack(0, 0, 0) + _padded_name(_END_NAME)
    return bytes(out)


def _entry_bytes(name: str, flags: int, payload: bytes) -> bytes:
    name_bytes = _padded_name(name)
    body = name_bytes + payload + b"\x00" * (-len(payload) % 4)
    return _ENTRY_HEADER.pack(_ENTRY_HEADER.size + len(body), flags, 0) + body


def _padded_name(name: str) -> bytes:
    raw = name.encode("utf-8") + b"\x00"
    return raw + b"\x00" * (-len(raw) % 4)


def read(data: bytes, source: str = "bundle") -> list[Entry]:
    """Parse a bundle, refusing anything malformed with the entry and offset."""
    if len(data) < len(MAGIC):
        raise BundleError(f"file is {len(data)} bytes, shorter than the {len(MAGIC)}-byte header", 0, source=source)
    if data[: len(MAGIC)] != MAGIC:
        raise BundleError("bad magic: not an AtomVM bundle", 0, source=source)
    entries: list[Entry] = []
    offset = len(MAGIC)
    while True:
        if offset + _ENTRY_HEADER.size > len(data):
            raise BundleError("ends without the terminating 'end' entry", offset, source=source)
        size, flags, reserved = _ENTRY_HEADER.unpack_from(data, offset)
        name, name_end = _read_name(data, offset, size, source)
        if size == 0:
            if name != _END_NAME:
                raise BundleError(f"zero-size entry named {name!r}, expected the 'end' terminator", offset, source=source)
            return entries
        if size % 4:
            raise BundleError(f"size {size} is not a multiple of 4", offset, name, source)
        if offset + size > len(data):
            raise BundleError(f"size {size} runs past the end of the file ({len(data)} bytes)", offset, name, source)
        if reserved != 0:
            raise BundleError(f"reserved field is {reserved}, expected 0", offset, name, source)
        payload = data[name_end : offset + size]
        entries.append(_decode_entry(name, flags, payload, offset, name_end, source))
        offset += size


def _read_name(data: bytes, offset: int, size: int, source: str) -> tuple[str, int]:
    start = offset + _ENTRY_HEADER.size
    limit = len(data) if size == 0 else min(len(data), offset + size)
    nul = data.find(b"\x00", start, limit)
    if nul < 0:
        raise BundleError("entry name is not NUL-terminated within the entry", offset, source=source)
    try:
        name = data[start:nul].decode("utf-8")
    except UnicodeDecodeError:
        raise BundleError("entry name is not UTF-8", offset, source=source) from None
    name_end = start + ((nul - start + 1 + 3) & ~3)
    return name, name_end


def _decode_entry(name: str, raw_flags: int, payload: bytes, offset: int, data_offset: int, source: str) -> Entry:
    if raw_flags & ~int(Flag.START | Flag.BEAM | Flag.FILE):
        raise BundleError(f"unknown flags {raw_flags:#x}", offset, name, source)
    flags = Flag(raw_flags)
    if Flag.BEAM in flags:
        try:
            info = beam.parse(payload)
        except beam.BeamFormatError as exc:
            raise BundleError(f"broken BEAM: {exc.problem}", data_offset + exc.offset, name, source) from None
        if info.name + ".beam" != name:
            raise BundleError(f"holds module {info.name!r}, not what its name says", offset, name, source)
        return Entry(name, flags, payload, offset)
    if Flag.FILE in flags:
        if len(payload) < 4:
            raise BundleError("plain file entry without its length prefix", offset, name, source)
        (length,) = struct.unpack_from(">I", payload, 0)
        if 4 + length > len(payload):
            raise BundleError(f"plain file declares {length} bytes but has {len(payload) - 4}", offset, name, source)
        return Entry(name, flags, payload[4 : 4 + length], offset)
    raise BundleError(f"flags {raw_flags:#x} mark neither BEAM code nor a file", offset, name, source)


def validate(data: bytes, source: str = "bundle") -> list[Entry]:
    """Everything :func:`read` checks, plus a start module the VM can boot."""
    entries = read(data, source)
    starts = [e for e in entries if Flag.START in e.flags]
    if not starts:
        raise BundleError("no start module (no entry carries flag 1)", len(MAGIC), source=source)
    first = starts[0]
    if Flag.BEAM not in first.flags:
        raise BundleError("the start entry is not BEAM code", first.offset, first.name, source)
    if not beam.parse(first.data).exports_function("start", 0):
        raise BundleError("the start module does not export start/0", first.offset, first.name, source)
    return entries


def validate_file(path: Path) -> list[Entry]:
    return validate(path.read_bytes(), source=str(path))
