"""BEAM files: read the chunk table, atoms, imports and exports; prepare a module for AtomVM.

A BEAM file is an IFF container: ``FOR1`` <u32 size> ``BEAM`` then chunks of
<4-byte id> <u32 size> <data padded to 4 bytes>.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from pytest_wasmblog.errors import WasmblogError

# Chunks the VM reads. LitT (compressed literals) is inflated to LitU; LocT is emptied.
_KEPT_CHUNKS = ("AtU8", "Atom", "Code", "ExpT", "ImpT", "FunT", "StrT", "LitU", "Line", "LocT")
_REQUIRED_CHUNKS = ("Code", "ExpT", "ImpT")
_EMPTY_LOCAL_TABLE = b"\x00\x00\x00\x00"


class BeamFormatError(WasmblogError, ValueError):
    """A byte string that is not a well-formed BEAM module (a WasmblogError: the CLI reports it in a line)."""

    def __init__(self, problem: str, offset: int) -> None:
        super().__init__(f"{problem} (at byte {offset} of the BEAM file)")
        self.problem = problem
        self.offset = offset


@dataclass(frozen=True)
class Chunk:
    id: str
    data: bytes
    offset: int  # where the chunk header starts in the file


@dataclass
class BeamInfo:
    """What the bundle builder needs to know about one compiled module."""

    name: str
    atoms: list[str]
    imports: list[tuple[str, str, int]]
    exports: list[tuple[str, int]]
    chunks: list[Chunk] = field(repr=False)
    # Atoms inside constant terms (LitT): a struct built with constant fields names its module only there.
    literal_atoms: frozenset[str] = frozenset()

    def exports_function(self, function: str, arity: int) -> bool:
        return (function, arity) in self.exports


def read_chunks(data: bytes) -> list[Chunk]:
    """Walk the IFF chunk table; refuse anything that runs past the end."""
    if len(data) < 12:
        raise BeamFormatError("file too short for a BEAM header", 0)
    magic, size, form = struct.unpack_from(">4sI4s", data, 0)
    if magic != b"FOR1" or form != b"BEAM":
        raise BeamFormatError("missing FOR1/BEAM header", 0)
    end = 8 + size
    if end > len(data):
        raise BeamFormatError(f"BEAM header declares {size} bytes but only {len(data) - 8} follow", 4)
    chunks: list[Chunk] = []
    offset = 12
    while offset < end:
        if offset + 8 > end:
            raise BeamFormatError("truncated chunk header", offset)
        raw_id, chunk_size = struct.unpack_from(">4sI", data, offset)
        try:
            chunk_id = raw_id.decode("ascii")
        except UnicodeDecodeError:
            raise BeamFormatError(f"chunk id {raw_id!r} is not ASCII", offset) from None
        body_start = offset + 8
        if body_start + chunk_size > end:
            raise BeamFormatError(f"chunk {chunk_id} of {chunk_size} bytes runs past the end", offset)
        chunks.append(Chunk(chunk_id, data[body_start : body_start + chunk_size], offset))
        offset = body_start + _padded(chunk_size)
    return chunks


def parse(data: bytes) -> BeamInfo:
    chunks = read_chunks(data)
    by_id = {c.id: c for c in chunks}
    for needed in _REQUIRED_CHUNKS:
        if needed not in by_id:
            raise BeamFormatError(f"required chunk {needed} is missing", 12)
    atom_chunk = by_id.get("AtU8") or by_id.get("Atom")
    if atom_chunk is None:
        raise BeamFormatError("no atom table (AtU8)", 12)
    atoms = _read_atoms(atom_chunk)
    if not atoms:
        raise BeamFormatError("empty atom table", atom_chunk.offset)
    imports = [
        (_atom(atoms, m, by_id["ImpT"]), _atom(atoms, f, by_id["ImpT"]), arity)
        for m, f, arity in _read_triples(by_id["ImpT"])
    ]
    exports = [(_atom(atoms, f, by_id["ExpT"]), arity) for f, arity, _label in _read_triples(by_id["ExpT"])]
    literals = by_id.get("LitT")
    literal_atoms = _literal_atoms(_inflate_literals(literals), literals.offset) if literals else frozenset()
    return BeamInfo(name=atoms[0], atoms=atoms, imports=imports, exports=exports, chunks=chunks,
                    literal_atoms=literal_atoms)


def prepare_for_vm(data: bytes, keep_debug_info: bool = True) -> bytes:
    """Rebuild a BEAM file with only what AtomVM reads.

    Compressed literals are inflated (the VM has no zlib inflate for them); attributes, docs,
    debug info and type chunks are dropped. Line numbers and the local function table (which
    names private functions in stacktraces) are kept unless `keep_debug_info` is False.
    """
    kept: list[tuple[str, bytes]] = []
    for chunk in read_chunks(data):
        if chunk.id == "LitT":
            kept.append(("LitU", _inflate_literals(chunk)))
        elif chunk.id in ("LocT", "Line") and not keep_debug_info:
            if chunk.id == "LocT":
                kept.append(("LocT", _EMPTY_LOCAL_TABLE))
        elif chunk.id in _KEPT_CHUNKS:
            kept.append((chunk.id, chunk.data))
    return build(kept)


def build(chunks: list[tuple[str, bytes]]) -> bytes:
    body = b"BEAM" + b"".join(
        struct.pack(">4sI", chunk_id.encode("ascii"), len(payload)) + _pad(payload) for chunk_id, payload in chunks
    )
    return b"FOR1" + struct.pack(">I", len(body)) + body


def _inflate_literals(chunk: Chunk) -> bytes:
    if len(chunk.data) < 4:
        raise BeamFormatError("LitT chunk too short", chunk.offset)
    (expected,) = struct.unpack_from(">I", chunk.data, 0)
    try:
        inflated = zlib.decompress(chunk.data[4:])
    except zlib.error as exc:
        raise BeamFormatError(f"LitT chunk does not inflate: {exc}", chunk.offset) from None
    if len(inflated) != expected:
        raise BeamFormatError(f"LitT inflates to {len(inflated)} bytes, header says {expected}", chunk.offset)
    return inflated


# External term format: tags of terms whose body is a fixed number of bytes, or a length then bytes.
_FIXED_SIZE = {97: 1, 98: 4, 70: 8, 99: 31}
_LENGTH_PREFIXED = {107: ">H", 109: ">I"}  # string (byte list), binary
_ATOM_TAGS = {118: ">H", 100: ">H", 119: ">B", 115: ">B"}


def _literal_atoms(table: bytes, offset: int) -> frozenset[str]:
    """Every atom in the literal table: u32 count, then each term as u32 size + external format."""
    if len(table) < 4:
        raise BeamFormatError("literal table too short", offset)
    (count,) = struct.unpack_from(">I", table, 0)
    pos, atoms = 4, set[str]()
    for _ in range(count):
        if pos + 4 > len(table):
            raise BeamFormatError("literal table truncated", offset)
        (size,) = struct.unpack_from(">I", table, pos)
        term = table[pos + 4 : pos + 4 + size]
        if term[:1] != b"\x83":
            raise BeamFormatError("literal without the external term format's version byte", offset)
        _term_atoms(term, atoms, offset)
        pos += 4 + size
    return frozenset(atoms)


def _term_atoms(term: bytes, atoms: set[str], offset: int) -> None:
    """Walk one literal iteratively: `pending` counts the terms still to read."""
    pos, pending = 1, 1
    try:
        while pending:
            pending -= 1
            tag = term[pos]
            pos += 1
            if tag in _ATOM_TAGS:
                fmt = _ATOM_TAGS[tag]
                (length,) = struct.unpack_from(fmt, term, pos)
                pos += struct.calcsize(fmt)
                atoms.add(term[pos : pos + length].decode("utf-8", errors="replace"))
                pos += length
            elif tag in _FIXED_SIZE:
                pos += _FIXED_SIZE[tag]
            elif tag in _LENGTH_PREFIXED:
                fmt = _LENGTH_PREFIXED[tag]
                (length,) = struct.unpack_from(fmt, term, pos)
                pos += struct.calcsize(fmt) + length
            elif tag == 106:  # []
                pass
            elif tag == 104:  # small tuple
                pending += term[pos]
                pos += 1
            elif tag in (105, 108, 116):  # large tuple; list (elements + tail); map (keys + values)
                (length,) = struct.unpack_from(">I", term, pos)
                pos += 4
                pending += {105: length, 108: length + 1, 116: 2 * length}[tag]
            elif tag in (110, 111):  # integers beyond 32 bits
                length = term[pos] if tag == 110 else struct.unpack_from(">I", term, pos)[0]
                pos += (1 if tag == 110 else 4) + 1 + length
            elif tag == 77:  # bitstring: u32 length, bits used in the last byte, bytes
                (length,) = struct.unpack_from(">I", term, pos)
                pos += 5 + length
            elif tag == 113:  # fun M:F/A: three terms
                pending += 3
            else:
                raise BeamFormatError(f"literal term with tag {tag} is not supported", offset)
    except (IndexError, struct.error):
        raise BeamFormatError("literal term truncated", offset) from None


def _read_atoms(chunk: Chunk) -> list[str]:
    data = chunk.data
    if len(data) < 4:
        raise BeamFormatError("atom table too short", chunk.offset)
    (count,) = struct.unpack_from(">i", data, 0)
    # OTP 28+ writes a negative count and compact-term-encoded lengths (long atoms).
    compact = count < 0
    count = abs(count)
    atoms: list[str] = []
    pos = 4
    for _ in range(count):
        if compact:
            length, pos = _read_compact_length(data, pos, chunk.offset)
        else:
            if pos >= len(data):
                raise BeamFormatError("atom table truncated", chunk.offset + 8 + pos)
            length, pos = data[pos], pos + 1
        if pos + length > len(data):
            raise BeamFormatError("atom runs past its table", chunk.offset + 8 + pos)
        atoms.append(data[pos : pos + length].decode("utf-8", errors="replace"))
        pos += length
    return atoms


def _read_compact_length(data: bytes, pos: int, base: int) -> tuple[int, int]:
    if pos >= len(data):
        raise BeamFormatError("atom table truncated", base + 8 + pos)
    first = data[pos]
    if first & 0x08 == 0:
        return first >> 4, pos + 1
    if first & 0x10 == 0:
        if pos + 1 >= len(data):
            raise BeamFormatError("atom table truncated", base + 8 + pos)
        return ((first & 0xE0) << 3) | data[pos + 1], pos + 2
    raise BeamFormatError("atom length encoding not supported", base + 8 + pos)


def _read_triples(chunk: Chunk) -> list[tuple[int, int, int]]:
    data = chunk.data
    if len(data) < 4:
        raise BeamFormatError(f"{chunk.id} chunk too short", chunk.offset)
    (count,) = struct.unpack_from(">I", data, 0)
    if 4 + count * 12 > len(data):
        raise BeamFormatError(f"{chunk.id} declares {count} entries but is {len(data)} bytes", chunk.offset)
    return [struct.unpack_from(">III", data, 4 + i * 12) for i in range(count)]


def _atom(atoms: list[str], index: int, chunk: Chunk) -> str:
    if not 1 <= index <= len(atoms):
        raise BeamFormatError(f"{chunk.id} refers to atom {index} of {len(atoms)}", chunk.offset)
    return atoms[index - 1]


def _padded(size: int) -> int:
    return (size + 3) & ~3


def _pad(payload: bytes) -> bytes:
    return payload + b"\x00" * (_padded(len(payload)) - len(payload))
