"""List, measure and strip the sections of a WebAssembly binary module.

Only the module's outer structure is read: the 8-byte header and the
sequence of sections (id byte, LEB128 u32 payload size, payload). Section
contents are never decoded except for a custom section's name, so a module
this accepts may still be rejected by an engine; what it rejects is surely
broken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from pytest_wasmblog.errors import WasmblogError

MAGIC: Final = b"\0asm"
VERSION: Final = 1
HEADER_SIZE: Final = 8
CUSTOM_SECTION_ID: Final = 0

# Index = section id. Id 13 ("tag") comes from the exception-handling proposal,
# which Emscripten emits for native wasm exceptions.
STANDARD_SECTION_NAMES: Final = (
    "custom",
    "type",
    "import",
    "function",
    "table",
    "memory",
    "global",
    "export",
    "start",
    "element",
    "code",
    "data",
    "datacount",
    "tag",
)

U32_MAX: Final = 0xFFFF_FFFF
# A u32 needs at most ceil(32 / 7) = 5 LEB128 bytes.
_MAX_LEB128_U32_BYTES: Final = 5

DEBUG_SECTION_PREFIX: Final = ".debug_"  # DWARF: .debug_info, .debug_line, ...
DEBUG_SECTION_NAMES: Final = frozenset({"name", "sourceMappingURL", "external_debug_info"})


class WasmFormatError(WasmblogError, ValueError):
    """The bytes are not a well-formed WebAssembly module; `offset` is where it went wrong."""

    def __init__(self, source: str, problem: str, offset: int) -> None:
        super().__init__(f"{source} is not a WebAssembly module: {problem}")
        self.source = source
        self.problem = problem
        self.offset = offset


@dataclass(frozen=True)
class Section:
    """One section. `offset` is where its id byte sits in the module."""

    id: int
    name: str  # a custom section's own name, else the standard name ("code", "data", ...)
    offset: int
    size: int  # payload bytes, as the size field states (a custom section's name included)
    total_size: int  # id byte + size field + payload

    @property
    def is_custom(self) -> bool:
        return self.id == CUSTOM_SECTION_ID

    @property
    def end(self) -> int:
        return self.offset + self.total_size


def is_debug_section(name: str) -> bool:
    """True for custom sections that only serve debuggers and stack traces."""
    return name.startswith(DEBUG_SECTION_PREFIX) or name in DEBUG_SECTION_NAMES


# What "debug" means, for callers that want to strip only that.
DEBUG_SECTIONS: Final[Callable[[str], bool]] = is_debug_section


def sections(data: bytes, *, source: str = "input") -> list[Section]:
    """Every section of the module, in file order. `source` names the data in errors."""
    _check_header(data, source)
    found: list[Section] = []
    offset = HEADER_SIZE
    while offset < len(data):
        section = _read_section(data, offset, source)
        found.append(section)
        offset = section.end
    return found


def strip(data: bytes, keep: Iterable[str] = (), *, source: str = "input") -> bytes:
    """The module without its custom sections, except those named in `keep`.

    Everything that stays is copied byte for byte, size fields included.
    The default drops all custom sections, "producers" and "target_features"
    too: they describe the toolchain, and engines ignore them.
    """
    kept_names = frozenset(keep)
    parts = [data[:HEADER_SIZE]]
    for section in sections(data, source=source):
        if not section.is_custom or section.name in kept_names:
            parts.append(data[section.offset : section.end])
    return b"".join(parts)


def summary(data: bytes, *, source: str = "input") -> dict[str, int]:
    """Bytes (headers included) per section name, in order of first appearance.

    Repeated names are added up. The 8-byte module header is not counted, so
    the values sum to len(data) - 8.
    """
    totals: dict[str, int] = {}
    for section in sections(data, source=source):
        totals[section.name] = totals.get(section.name, 0) + section.total_size
    return totals


def _check_header(data: bytes, source: str) -> None:
    if len(data) < HEADER_SIZE:
        raise WasmFormatError(
            source,
            f"it is {len(data)} bytes long, shorter than the {HEADER_SIZE}-byte header (at byte 0)",
            0,
        )
    if data[:4] != MAGIC:
        raise WasmFormatError(source, f"magic at byte 0 is {data[:4]!r}, not {MAGIC!r}", 0)
    version = int.from_bytes(data[4:8], "little")
    if version != VERSION:
        raise WasmFormatError(source, f"version at byte 4 is {version}, not {VERSION}", 4)


def _read_section(data: bytes, offset: int, source: str) -> Section:
    section_id = data[offset]
    if section_id >= len(STANDARD_SECTION_NAMES):
        raise WasmFormatError(source, f"unknown section id {section_id} at byte {offset}", offset)
    kind = STANDARD_SECTION_NAMES[section_id]
    size, payload_start = read_leb128_u32(data, offset + 1, source, what=f"size of section {section_id} ({kind})")
    remaining = len(data) - payload_start
    if size > remaining:
        raise WasmFormatError(
            source,
            f"section {section_id} ({kind}) at byte {offset} claims {size} bytes but only {remaining} remain",
            offset,
        )
    payload_end = payload_start + size
    name = _read_custom_name(data, payload_start, payload_end, source) if section_id == CUSTOM_SECTION_ID else kind
    return Section(
        id=section_id,
        name=name,
        offset=offset,
        size=size,
        total_size=payload_end - offset,
    )


def _read_custom_name(data: bytes, start: int, end: int, source: str) -> str:
    # The name must fit in the section's own payload, not merely in the file.
    payload = data[:end]
    length, name_start = read_leb128_u32(payload, start, source, what="custom section name length")
    remaining = end - name_start
    if length > remaining:
        raise WasmFormatError(
            source,
            f"custom section name at byte {name_start} claims {length} bytes but the section has only {remaining} left",
            name_start,
        )
    raw = data[name_start : name_start + length]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        bad_byte = name_start + error.start
        raise WasmFormatError(
            source,
            f"custom section name at byte {name_start} is not UTF-8 (bad byte at {bad_byte})",
            bad_byte,
        ) from None


def read_leb128_u32(data: bytes, offset: int, source: str = "input", *, what: str = "LEB128 u32") -> tuple[int, int]:
    """Decode an unsigned LEB128 u32 at `offset`; return (value, offset just past it).

    Padded encodings (e.g. 0x80 0x00 for 0) are valid wasm and accepted.
    """
    value = 0
    for index in range(_MAX_LEB128_U32_BYTES):
        position = offset + index
        if position >= len(data):
            raise WasmFormatError(source, f"{what} at byte {offset} is cut off at byte {position}", offset)
        byte = data[position]
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if value > U32_MAX:
                raise WasmFormatError(source, f"{what} at byte {offset} does not fit in 32 bits", offset)
            return value, position + 1
    raise WasmFormatError(
        source,
        f"{what} at byte {offset} is longer than {_MAX_LEB128_U32_BYTES} bytes",
        offset,
    )
