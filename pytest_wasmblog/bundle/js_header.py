"""Embed a shim's JavaScript in its Erlang module: `re.js` becomes `re_js.hrl`, defining
`?RE_JS` as a list of binary literals that the shim joins and evaluates in the page.

Chunked because this VM has failed to load very large literals."""

from __future__ import annotations

from pathlib import Path

CHUNK = 2048


def macro_name(js: Path) -> str:
    return js.stem.upper() + "_JS"


def header_text(js: Path) -> str:
    data = js.read_bytes()
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    literals = ",\n    ".join(f'<<"{_escape(chunk)}">>' for chunk in chunks)
    return f"%% Generated from {js.name} by pytest_wasmblog.bundle.js_header; do not edit.\n" \
           f"-define({macro_name(js)}, [\n    {literals}\n]).\n"


def write_headers(shims: Path, include: Path) -> list[Path]:
    """One `<name>_js.hrl` in `include` for each `<name>.js` in `shims`."""
    include.mkdir(parents=True, exist_ok=True)
    written = []
    for js in sorted(shims.glob("*.js")):
        target = include / f"{js.stem}_js.hrl"
        target.write_text(header_text(js))
        written.append(target)
    return written


def _escape(chunk: bytes) -> str:
    out = []
    for byte in chunk:
        if byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\x{{{byte:X}}}")
    return "".join(out)
