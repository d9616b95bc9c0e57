"""Embedding a shim's JavaScript in its Erlang module (bundle/js_header.py): the header, compiled
by erlc, must give back the file's exact bytes."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

from missing import require_tools

from pytest_wasmblog.bundle import js_header
from pytest_wasmblog.bundle.rebuild import SHIMS_DIR


def embedded_bytes(js: Path, work: Path) -> bytes:
    require_tools("erl", "erlc")
    js_header.write_headers(js.parent, work)
    macro = js_header.macro_name(js)
    (work / "embed.erl").write_text(
        f'-module(embed).\n-export([main/0]).\n-include("{js.stem}_js.hrl").\n'
        f"main() -> io:put_chars(base64:encode(iolist_to_binary(?{macro}))), halt().\n")
    subprocess.run(["erlc", "-I", str(work), "-o", str(work), str(work / "embed.erl")], check=True, capture_output=True)
    done = subprocess.run(["erl", "-noshell", "-pa", str(work), "-s", "embed", "main"],
                          check=True, capture_output=True, text=True, timeout=60)
    return base64.b64decode(done.stdout)


def test_every_byte_survives(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    data = ("// \"quotes\" \\backslashes\\ \t tabs, é, 😀\n" * 200).encode() + bytes(range(256))
    (source / "odd.js").write_bytes(data)
    assert len(data) > 3 * js_header.CHUNK  # several literals
    assert embedded_bytes(source / "odd.js", tmp_path / "out") == data


def test_the_re_shim_embeds_re_js(tmp_path: Path) -> None:
    assert embedded_bytes(SHIMS_DIR / "re.js", tmp_path) == (SHIMS_DIR / "re.js").read_bytes()


def test_one_header_per_script(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("1")
    (tmp_path / "b.js").write_text("")
    (tmp_path / "c.erl").write_text("")
    written = js_header.write_headers(tmp_path, tmp_path / "inc")
    assert [p.name for p in written] == ["a_js.hrl", "b_js.hrl"]
    assert "-define(B_JS, [\n    <<\"\">>\n])." in (tmp_path / "inc" / "b_js.hrl").read_text()
