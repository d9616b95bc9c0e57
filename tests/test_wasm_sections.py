"""Tests for wasm_sections, on modules assembled byte by byte."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from node_wasm import node_compiles

from pytest_wasmblog.bundle import wasm_sections
from pytest_wasmblog.bundle.runtime import fetch_runtime
from pytest_wasmblog.bundle.wasm_sections import (
    Section,
    WasmFormatError,
    read_leb128_u32,
    sections,
    strip,
    summary,
)

HEADER = b"\0asm\x01\x00\x00\x00"
@pytest.fixture(scope="module")
def real_wasm() -> Path:
    return fetch_runtime().wasm


def leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id]) + leb128(len(payload)) + payload


def custom(name: str, content: bytes = b"") -> bytes:
    encoded = name.encode()
    return section(0, leb128(len(encoded)) + encoded + content)


# A valid module with one function `() -> ()` whose body is empty.
TYPE_SECTION = section(1, b"\x01\x60\x00\x00")  # one type: func () -> ()
FUNCTION_SECTION = section(3, b"\x01\x00")  # one function of type 0
CODE_SECTION = section(10, b"\x01\x02\x00\x0b")  # one body: 2 bytes, no locals, `end`
NAME_SECTION = custom("name", b"\x01\x04\x01\x00\x01f")  # function 0 is called "f"
DEBUG_INFO_SECTION = custom(".debug_info", bytes(range(200)))  # > 127 bytes: 2-byte size field
PRODUCERS_SECTION = custom("producers", b"\x00")

MODULE = HEADER + TYPE_SECTION + FUNCTION_SECTION + CODE_SECTION + NAME_SECTION + DEBUG_INFO_SECTION
CODE_ONLY = HEADER + TYPE_SECTION + FUNCTION_SECTION + CODE_SECTION

OFFSET_IN_MESSAGE = re.compile(r"at byte \d+")


def test_lists_sections_in_order_with_offsets_and_sizes() -> None:
    found = sections(MODULE)
    assert [(s.id, s.name) for s in found] == [
        (1, "type"),
        (3, "function"),
        (10, "code"),
        (0, "name"),
        (0, ".debug_info"),
    ]
    assert found[0] == Section(id=1, name="type", offset=8, size=4, total_size=6)
    assert [s.offset for s in found[1:]] == [s.end for s in found[:-1]]
    assert found[-1].end == len(MODULE)


def test_multi_byte_size_field() -> None:
    debug_info = sections(MODULE)[-1]
    assert debug_info.size == 1 + len(".debug_info") + 200  # name length byte, name, content
    assert debug_info.size > 127
    assert debug_info.total_size == 1 + 2 + debug_info.size  # id, 2-byte LEB128 size, payload


def test_header_only_module_has_no_sections() -> None:
    assert sections(HEADER) == []
    assert strip(HEADER) == HEADER


def test_strip_removes_every_custom_section_and_keeps_the_rest_byte_identical() -> None:
    module = HEADER + PRODUCERS_SECTION + TYPE_SECTION + NAME_SECTION + FUNCTION_SECTION + CODE_SECTION
    assert strip(module) == CODE_ONLY
    assert strip(MODULE) == CODE_ONLY


def test_strip_can_keep_the_name_section() -> None:
    assert strip(MODULE, keep=("name",)) == CODE_ONLY + NAME_SECTION
    assert strip(MODULE, keep=["name", "no-such-section"]) == CODE_ONLY + NAME_SECTION


def test_strip_only_debug_sections_with_the_predicate() -> None:
    module = MODULE + PRODUCERS_SECTION
    keep = [s.name for s in sections(module) if s.is_custom and not wasm_sections.DEBUG_SECTIONS(s.name)]
    assert strip(module, keep=keep) == CODE_ONLY + PRODUCERS_SECTION


@pytest.mark.parametrize(
    ("name", "is_debug"),
    [
        (".debug_info", True),
        (".debug_line", True),
        ("name", True),
        ("sourceMappingURL", True),
        ("external_debug_info", True),
        ("producers", False),
        ("target_features", False),
        ("debug_info", False),
    ],
)
def test_debug_predicate(name: str, is_debug: bool) -> None:
    assert wasm_sections.is_debug_section(name) is is_debug


def test_strip_preserves_padded_size_fields() -> None:
    # 0x84 0x80 0x00 is a valid, non-minimal encoding of 4; a rewrite would shorten it.
    padded_type_section = b"\x01\x84\x80\x00" + b"\x01\x60\x00\x00"
    module = HEADER + padded_type_section + NAME_SECTION
    assert sections(module)[0].size == 4
    assert strip(module) == HEADER + padded_type_section


def test_summary_adds_up_per_name() -> None:
    module = MODULE + custom("name")
    totals = summary(module)
    assert list(totals) == ["type", "function", "code", "name", ".debug_info"]
    assert totals["name"] == len(NAME_SECTION) + len(custom("name"))
    assert totals[".debug_info"] == len(DEBUG_INFO_SECTION)
    assert sum(totals.values()) == len(module) - len(HEADER)


def test_custom_section_with_empty_name() -> None:
    assert sections(HEADER + custom(""))[0].name == ""


def test_tag_section_is_valid_but_id_14_is_not() -> None:
    assert sections(HEADER + section(13, b"\x00"))[0].name == "tag"
    with pytest.raises(WasmFormatError, match=r"unknown section id 14 at byte 8"):
        sections(HEADER + section(14, b""))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b"\0asm",
            r"4 bytes long, shorter than the 8-byte header \(at byte 0\)",
            id="short",
        ),
        pytest.param(b"", r"0 bytes long", id="empty"),
        pytest.param(
            b"\x7fELF\x01\x00\x00\x00",
            r"magic at byte 0 is b'\\x7fELF'",
            id="bad-magic",
        ),
        pytest.param(
            b"\0asm\x02\x00\x00\x00",
            r"version at byte 4 is 2, not 1",
            id="wrong-version",
        ),
        pytest.param(
            b"\0asm\x01\x00\x00\x01",
            r"version at byte 4 is 16777217, not 1",
            id="version-high-byte",
        ),
        pytest.param(
            HEADER + b"\x03\x05\x00",
            r"section 3 \(function\) at byte 8 claims 5 bytes but only 1 remain",
            id="overrun",
        ),
        pytest.param(
            MODULE[:-1],
            r"section 0 \(custom\) at byte \d+ claims 212 bytes but only 211 remain",
            id="truncated-last",
        ),
        pytest.param(
            HEADER + b"\x01",
            r"size of section 1 \(type\) at byte 9 is cut off at byte 9",
            id="missing-size",
        ),
        pytest.param(
            HEADER + b"\x01\x80\x80",
            r"size of section 1 \(type\) at byte 9 is cut off at byte 11",
            id="leb-cut",
        ),
        pytest.param(
            HEADER + b"\x01\x80\x80\x80\x80\x80\x00",
            r"at byte 9 is longer than 5 bytes",
            id="leb-too-long",
        ),
        pytest.param(
            HEADER + b"\x01\xff\xff\xff\xff\x1f",
            r"at byte 9 does not fit in 32 bits",
            id="leb-over-32-bits",
        ),
        pytest.param(HEADER + b"\x0e\x00", r"unknown section id 14 at byte 8", id="bad-id"),
        pytest.param(HEADER + b"\xff\x00", r"unknown section id 255 at byte 8", id="bad-id-255"),
        pytest.param(
            HEADER + b"\x00\x00",
            r"custom section name length at byte 10 is cut off at byte 10",
            id="custom-empty-payload",
        ),
        pytest.param(
            HEADER + b"\x00\x02\x05ab",
            r"custom section name at byte 11 claims 5 bytes but the section has only 1 left",
            id="name-past-section",
        ),
        pytest.param(
            HEADER + b"\x00\x02\x05a",
            r"name at byte 11 claims 5 bytes but the section has only 1 left",
            id="name-past-end",
        ),
        pytest.param(
            HEADER + section(0, b"\x02\xc3\x28"),
            r"custom section name at byte 11 is not UTF-8 \(bad byte at 11\)",
            id="bad-utf8",
        ),
        pytest.param(
            HEADER + section(0, b"\x03ab\xff"),
            r"not UTF-8 \(bad byte at 13\)",
            id="bad-utf8-late",
        ),
    ],
)
def test_malformed_input_raises_with_offset(data: bytes, expected: str) -> None:
    with pytest.raises(WasmFormatError, match=expected) as caught:
        sections(data, source="AtomVM.wasm")
    message = str(caught.value)
    assert message.startswith("AtomVM.wasm is not a WebAssembly module: ")
    assert OFFSET_IN_MESSAGE.search(message)
    assert isinstance(caught.value, ValueError)
    # strip and summary validate the same way.
    with pytest.raises(WasmFormatError):
        strip(data)
    with pytest.raises(WasmFormatError):
        summary(data)


def test_error_offset_attribute_matches_the_message() -> None:
    with pytest.raises(WasmFormatError) as caught:
        sections(HEADER + TYPE_SECTION + b"\x03\x05\x00")
    assert caught.value.offset == 8 + len(TYPE_SECTION)
    assert f"at byte {caught.value.offset}" in str(caught.value)


def test_every_truncation_either_parses_or_raises_format_error() -> None:
    boundaries = {len(HEADER)} | {s.end for s in sections(MODULE)}
    for length in range(len(MODULE)):
        prefix = MODULE[:length]
        if length in boundaries:
            sections(prefix)
        else:
            with pytest.raises(WasmFormatError):
                sections(prefix)


def test_random_corruption_never_raises_anything_but_format_error() -> None:
    rng = random.Random(1234)
    for _ in range(2000):
        corrupted = bytearray(MODULE)
        for _ in range(rng.randint(1, 4)):
            corrupted[rng.randrange(len(corrupted))] = rng.randrange(256)
        try:
            found = sections(bytes(corrupted))
        except WasmFormatError:
            continue
        assert found == [] or found[-1].end == len(corrupted)


@pytest.mark.parametrize(
    ("encoded", "value"),
    [
        (b"\x00", 0),
        (b"\x7f", 127),
        (b"\x80\x01", 128),
        (b"\xe5\x8e\x26", 624485),
        (b"\x80\x80\x80\x80\x00", 0),
        (b"\xff\xff\xff\xff\x0f", 0xFFFF_FFFF),
    ],
)
def test_read_leb128_u32(encoded: bytes, value: int) -> None:
    assert read_leb128_u32(b"\xaa" + encoded + b"\xbb", 1) == (value, 1 + len(encoded))


def test_hand_built_module_compiles_in_node_before_and_after_strip(tmp_path: Path) -> None:
    for label, data in {"full": MODULE, "stripped": strip(MODULE)}.items():
        path = tmp_path / f"{label}.wasm"
        path.write_bytes(data)
        done = node_compiles(path)
        assert done.stdout.strip() == "ok", done.stderr


@pytest.mark.parametrize("keep", [(), ("name",)], ids=["all-custom-stripped", "name-kept"])
def test_stripped_atomvm_compiles_in_node(tmp_path: Path, keep: tuple[str, ...], real_wasm: Path) -> None:
    original = real_wasm.read_bytes()
    stripped = strip(original, keep=keep, source=real_wasm.name)
    assert len(stripped) < len(original)
    assert not any(s.name.startswith(".debug_") for s in sections(stripped))
    path = tmp_path / "AtomVM.stripped.wasm"
    path.write_bytes(stripped)
    done = node_compiles(path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
