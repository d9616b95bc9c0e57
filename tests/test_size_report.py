"""`wasmblog size`: assets raw/gzip/brotli, the bundle by module and origin, import chains, JSON, PNG."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from pytest_wasmblog.cli import main
from pytest_wasmblog.size_report import LARGE_MODULE_BYTES, SizeReportError, measure


def test_assets_are_measured_as_a_static_host_sends_them(toolbox_site: Path) -> None:
    report = measure(toolbox_site)
    wasm = next(asset for asset in report.assets if asset.path == "AtomVM.wasm")
    assert wasm.raw == (toolbox_site / "AtomVM.wasm").stat().st_size
    assert wasm.br == (toolbox_site / "AtomVM.wasm.br").stat().st_size  # the precompressed sibling
    assert wasm.gzip == (toolbox_site / "AtomVM.wasm.gz").stat().st_size
    assert not any(asset.path.endswith((".br", ".gz")) or asset.path == "build-report.json" for asset in report.assets)
    assert report.total("br") < report.total("gzip") < report.total("raw")


def test_modules_add_up_to_the_bundle_and_large_ones_carry_their_chain(toolbox_site: Path) -> None:
    report = measure(toolbox_site)
    build = json.loads((toolbox_site / "build-report.json").read_text())
    assert {m.name for m in report.modules} == set(build["modules"])
    assert sum(g["bytes"] for g in report.by_origin().values()) == sum(m.bytes for m in report.modules)
    assert set(report.by_origin()) <= {"app", "Elixir", "OTP", "shims"}
    assert [m.bytes for m in report.modules] == sorted((m.bytes for m in report.modules), reverse=True)
    for module in report.modules:
        if module.bytes >= LARGE_MODULE_BYTES:
            assert module.chain[0].startswith(module.name) and module.chain[-1].endswith("(root)")
        else:
            assert module.chain == []


def test_the_command_prints_and_writes_json_and_a_treemap(toolbox_site: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out_json, out_png = tmp_path / "size.json", tmp_path / "size.png"
    assert main(["size", str(toolbox_site), "--json", str(out_json), "--png", str(out_png)]) == 0
    text = capsys.readouterr().out
    assert "AtomVM.wasm" in text and "largest modules and why they are in:" in text
    assert "debug sections stripped" in text
    data = json.loads(out_json.read_text())
    assert data["totals"]["raw"] == sum(a["raw"] for a in data["assets"])
    assert data["bundle"]["modules"] == len(data["bundle"]["module_sizes"])
    with Image.open(out_png) as image:
        assert image.size == (1200, 800) and image.format == "PNG"
        colours = image.convert("RGB").getcolors(maxcolors=100_000) or []
        assert len(colours) > 20  # tiles of several colours, not a blank canvas


def test_a_site_that_was_not_built_is_named_with_the_command_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(SizeReportError, match=r"has no build-report.json .* build it first \(`wasmblog build"):
        measure(tmp_path)
