"""The production build: AtomVM.wasm without debug sections, precompressed files, and a bundle cut
down to the modules a recorded run loaded."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import brotli
import pytest
from node_wasm import node_compiles

from pytest_wasmblog.bundle import avm
from pytest_wasmblog.bundle.build import build_site
from pytest_wasmblog.bundle.config import SiteConfigError
from pytest_wasmblog.bundle.runtime import fetch_runtime
from pytest_wasmblog.bundle.wasm_sections import sections
from pytest_wasmblog.cli import main

SITES = Path(__file__).parent / "sites"


def copy_toolbox(tmp_path: Path) -> Path:
    shutil.copytree(SITES / "toolbox", tmp_path / "toolbox", ignore=shutil.ignore_patterns("dist"))
    shutil.copytree(SITES / "static", tmp_path / "static")
    return tmp_path / "toolbox"


def name_used_modules(site: Path) -> None:
    """[bundle] used_modules = "modules.txt" in the site's wasmblog.toml."""
    toml = site / "wasmblog.toml"
    toml.write_text(toml.read_text().replace("[site]", 'used_modules = "modules.txt"\n\n[site]'))


def custom_sections(wasm: Path) -> list[str]:
    return [s.name for s in sections(wasm.read_bytes()) if s.is_custom]


def test_the_served_wasm_has_no_custom_sections_and_still_compiles(toolbox_site: Path) -> None:
    npm_wasm = fetch_runtime().wasm
    served = toolbox_site / "AtomVM.wasm"
    assert ".debug_info" in custom_sections(npm_wasm) and "name" in custom_sections(npm_wasm)
    assert custom_sections(served) == []
    # Everything else is the npm module's, byte for byte and in order.
    kept = [s for s in sections(npm_wasm.read_bytes()) if not s.is_custom]
    original = npm_wasm.read_bytes()
    assert b"\0asm\1\0\0\0" + b"".join(original[s.offset:s.end] for s in kept) == served.read_bytes()
    assert served.stat().st_size < 0.4 * npm_wasm.stat().st_size
    done = node_compiles(served)
    assert done.stdout.strip() == "ok", done.stderr


@pytest.mark.parametrize(("mode", "expected"), [("names", ["name"]), ("keep", None)])
def test_the_debug_option_keeps_names_or_the_whole_file(tmp_path: Path, mode: str, expected: list[str] | None) -> None:
    npm_wasm = fetch_runtime().wasm
    before = hashlib.sha256(npm_wasm.read_bytes()).hexdigest()
    result = build_site(copy_toolbox(tmp_path), log=lambda _: None, wasm_debug=mode)
    served = result.dist / "AtomVM.wasm"
    if expected is None:
        assert served.read_bytes() == npm_wasm.read_bytes()
    else:
        assert custom_sections(served) == expected
        assert node_compiles(served).stdout.strip() == "ok"
    assert hashlib.sha256(npm_wasm.read_bytes()).hexdigest() == before, "the npm package was modified"
    report = json.loads((result.dist / "build-report.json").read_text())
    assert report["runtime_wasm"] == {"npm": npm_wasm.stat().st_size, "served": served.stat().st_size}


def test_an_unknown_debug_mode_is_refused(tmp_path: Path) -> None:
    site = copy_toolbox(tmp_path)
    (site / "wasmblog.toml").write_text((site / "wasmblog.toml").read_text() + 'wasm_debug = "dwarf"\n')
    with pytest.raises(SiteConfigError, match=r"\[site\] wasm_debug must be one of 'strip', 'names', 'keep', not 'dwarf'"):
        build_site(site, log=lambda _: None)


@pytest.mark.parametrize("name", ["AtomVM.wasm", "AtomVM.mjs", "bundle.avm", "index.html", "popcorn.mjs"])
def test_compressible_files_have_smaller_gz_and_br_siblings_with_the_same_content(toolbox_site: Path,
                                                                                   name: str) -> None:
    data = (toolbox_site / name).read_bytes()
    gz, br = toolbox_site / f"{name}.gz", toolbox_site / f"{name}.br"
    assert gzip.decompress(gz.read_bytes()) == data
    assert brotli.decompress(br.read_bytes()) == data
    assert br.stat().st_size < gz.stat().st_size < len(data)


def test_no_sibling_for_the_build_report_or_incompressible_files(toolbox_site: Path) -> None:
    assert not (toolbox_site / "build-report.json.gz").exists()
    assert not list(toolbox_site.glob("*.gz.gz")) and not list(toolbox_site.glob("*.br.*"))


def test_precompress_can_be_turned_off(tmp_path: Path) -> None:
    site = copy_toolbox(tmp_path)
    (site / "wasmblog.toml").write_text((site / "wasmblog.toml").read_text() + "precompress = false\n")
    dist = build_site(site, log=lambda _: None).dist
    assert not list(dist.glob("*.br")) and not list(dist.glob("*.gz"))


def bundle_modules(dist: Path) -> set[str]:
    return {entry.name.removesuffix(".beam") for entry in avm.read((dist / "bundle.avm").read_bytes())}


def test_a_used_modules_list_packs_only_those_and_reports_the_rest(tmp_path: Path, toolbox_site: Path) -> None:
    full = json.loads((toolbox_site / "build-report.json").read_text())["modules"]
    assert "Elixir.Enum" in full and "unicode_util" in full
    site = copy_toolbox(tmp_path)
    (site / "modules.txt").write_text("# hand-made\nElixir.Enum\nlists\nno_longer_reachable\n")
    name_used_modules(site)
    result = build_site(site, log=lambda _: None)
    packed = bundle_modules(result.dist)
    app = {name for name, entry in full.items() if entry["reason"] == "root"}
    assert packed == app | {"Elixir.Enum", "lists"}
    report = json.loads((result.dist / "build-report.json").read_text())
    assert set(report["unused"]) == set(full) - packed
    assert report["unused"]["unicode_util"]["bytes"] == full["unicode_util"]["bytes"]
    assert any("no_longer_reachable" in note for note in result.notes)
    # `wasmblog build --all-modules` ignores the list, to record a new one.
    assert bundle_modules(build_site(site, log=lambda _: None, all_modules=True).dist) == set(full)


def test_why_explains_a_module_left_out_as_unused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = copy_toolbox(tmp_path)
    (site / "modules.txt").write_text("lists\n")
    name_used_modules(site)
    assert main(["build", str(site)]) == 0
    capsys.readouterr()
    assert main(["why", str(site), "Enum"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Elixir.Enum is left out: no recorded run loaded it")
    assert out[1].startswith("Elixir.Enum <- ") and out[-1].endswith("(root)")


def test_a_missing_used_modules_file_says_how_to_record_it(tmp_path: Path) -> None:
    site = copy_toolbox(tmp_path)
    name_used_modules(site)
    with pytest.raises(SiteConfigError, match=r"used_modules: .*modules.txt does not exist. Record it with a full "
                                              r"build .*--all-modules.* and a test run with `--wasm-record-modules"):
        build_site(site, log=lambda _: None)
