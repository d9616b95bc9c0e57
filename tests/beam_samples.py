"""Test data builders shared by the bundle tests: real BEAM files compiled with `erlc`, and
synthetic chunks/modules built byte by byte (independently of the code under test)."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from missing import missing

from pytest_wasmblog.bundle.beam import BeamInfo

# A module that boots: exports start/0, makes a remote call and holds a literal big enough
# for the compiler to store it compressed (LitT).
START_MODULE = "wb_start"
START_SOURCE = """
-module(wb_start).
-export([start/0, rev/1]).
start() -> rev(table()).
rev(L) -> lists:reverse(L).
table() ->
    [{row, 1, <<"first literal row">>, "a string"}, {row, 2, <<"second literal row">>, "b string"},
     {row, 3, <<"third literal row">>, "c string"}, {row, 4, <<"fourth literal row">>, "d string"},
     {row, 5, <<"fifth literal row">>, "e string"}, {row, 6, <<"sixth literal row">>, "f string"},
     {row, 7, <<"seventh literal row">>, "g string"}, {row, 8, <<"eighth literal row">>, "h string"},
     {row, 9, <<"ninth literal row">>, "i string"}, {row, 10, <<"tenth literal row">>, "j string"},
     {row, 11, 3.25, #{key => value}}, {row, 12, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], {nested, tuple}}].
"""

# A module without start/0 (and with a private function, so LocT is not empty).
PLAIN_MODULE = "wb_plain"
PLAIN_SOURCE = """
-module(wb_plain).
-export([hello/1]).
hello(X) -> {greeting, helper(X)}.
helper(X) -> [X, X].
"""


def compile_erlang(directory: Path, sources: dict[str, str]) -> dict[str, bytes]:
    """Compile each module with `erlc +debug_info`; returns module name -> BEAM bytes."""
    erlc = shutil.which("erlc")
    if erlc is None:
        missing("erlc is not installed (Debian package `erlang`)")
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for name, text in sources.items():
        path = directory / f"{name}.erl"
        path.write_text(text)
        files.append(str(path))
    subprocess.run([erlc, "+debug_info", "-o", str(directory), *files], check=True, capture_output=True)
    return {name: (directory / f"{name}.beam").read_bytes() for name in sources}


@pytest.fixture(scope="session")
def compiled_beams(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return compile_erlang(
        tmp_path_factory.mktemp("beams"), {START_MODULE: START_SOURCE, PLAIN_MODULE: PLAIN_SOURCE}
    )


# ---- independent IFF walking (does not use the code under test) ----

def iff_chunks(data: bytes) -> list[tuple[str, int, bytes]]:
    """(id, offset of the chunk header, payload) for each chunk of a FOR1/BEAM file."""
    assert data[:4] == b"FOR1" and data[8:12] == b"BEAM"
    (size,) = struct.unpack(">I", data[4:8])
    end = 8 + size
    out = []
    pos = 12
    while pos < end:
        cid = data[pos : pos + 4].decode("ascii")
        (csize,) = struct.unpack(">I", data[pos + 4 : pos + 8])
        out.append((cid, pos, data[pos + 8 : pos + 8 + csize]))
        pos += 8 + csize + (-csize % 4)
    return out


def iff(chunks: list[tuple[str, bytes]]) -> bytes:
    body = b"BEAM"
    for cid, payload in chunks:
        body += cid.encode("ascii") + struct.pack(">I", len(payload)) + payload + b"\0" * (-len(payload) % 4)
    return b"FOR1" + struct.pack(">I", len(body)) + body


# ---- synthetic chunks ----

def compact_length(n: int) -> bytes:
    """The compact term encoding (tag u = 0) OTP 28 uses for atom lengths."""
    if n < 16:
        return bytes([n << 4])
    assert n < 2048
    return bytes([((n >> 3) & 0xE0) | 0x08, n & 0xFF])


def atom_chunk(atoms: list[str], compact: bool = False) -> bytes:
    if compact:
        out = struct.pack(">i", -len(atoms))
        for atom in atoms:
            raw = atom.encode("utf-8")
            out += compact_length(len(raw)) + raw
        return out
    out = struct.pack(">i", len(atoms))
    for atom in atoms:
        raw = atom.encode("utf-8")
        out += bytes([len(raw)]) + raw
    return out


def triples(rows: list[tuple[int, int, int]]) -> bytes:
    return struct.pack(">I", len(rows)) + b"".join(struct.pack(">III", *row) for row in rows)


def synthetic_beam(
    atoms: list[str],
    exports: list[tuple[str, int]],
    imports: list[tuple[str, str, int]] = (),
    compact: bool = False,
) -> bytes:
    """A structurally valid BEAM file (not runnable code) with the given atom/export/import tables."""
    index = {a: i + 1 for i, a in enumerate(atoms)}
    exp = triples([(index[f], arity, n + 2) for n, (f, arity) in enumerate(exports)])
    imp = triples([(index[m], index[f], arity) for m, f, arity in imports])
    return iff([("AtU8", atom_chunk(atoms, compact)), ("Code", b"\0" * 16), ("ExpT", exp), ("ImpT", imp)])


def info(
    name: str,
    imports: list[tuple[str, str, int]] = (),
    exports: list[tuple[str, int]] = (),
    atoms: list[str] = (),
    literal_atoms: frozenset[str] = frozenset(),
) -> BeamInfo:
    """A BeamInfo for closure tests; the module's own name is the first atom as in real files."""
    return BeamInfo(name=name, atoms=[name, *atoms], imports=list(imports), exports=list(exports), chunks=[],
                    literal_atoms=literal_atoms)


@pytest.fixture(scope="session")
def start_beam(compiled_beams: dict[str, bytes]) -> bytes:
    return compiled_beams[START_MODULE]


@pytest.fixture(scope="session")
def plain_beam(compiled_beams: dict[str, bytes]) -> bytes:
    return compiled_beams[PLAIN_MODULE]
