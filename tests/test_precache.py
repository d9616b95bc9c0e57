"""What a changed file rebuilds: the service worker's precache manifest (bundle/precache.py) and
the compile cache of an app that reads input folders at compile time (compile_app inputs=...)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from missing import require_tools

from pytest_wasmblog.bundle import toolchain
from pytest_wasmblog.bundle.compile_app import compile_app
from pytest_wasmblog.bundle.precache import (
    ALWAYS_EXCLUDED,
    PLACEHOLDER,
    PrecacheError,
    inject,
    manifest,
)
from pytest_wasmblog.bundle.toolchain import find_toolchain
from pytest_wasmblog.errors import WasmblogError

WORKER = "sw.js"
WORKER_SOURCE = f"// header\nconst PRECACHE = {PLACEHOLDER};\nconst CACHE = 'c-' + PRECACHE.version;\n"
SITE_FILES = {
    "index.html": "<!doctype html>",
    "bundle.avm": "avm bytes",
    "AtomVM.wasm": "wasm bytes",
    "js/app.js": "console.log(1)",
    "css/deep/style.css": "body {}",
}


def make_static(tmp_path: Path, files: dict[str, str], worker: str | None = WORKER,
                worker_source: str = WORKER_SOURCE) -> Path:
    site = tmp_path / "dist"
    site.mkdir(parents=True)
    for name, text in files.items():
        write(site / name, text)
    if worker is not None:
        write(site / worker, worker_source)
    return site


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def injected_json(source: str) -> object:
    """The precache list the build wrote in place of the placeholder, parsed back."""
    _, rest = source.split("const PRECACHE = ", 1)
    literal, _ = rest.split(";\n", 1)
    return json.loads(literal)


# ---- manifest: which files ----

def test_manifest_lists_every_site_file_but_the_worker(tmp_path: Path) -> None:
    site = make_static(tmp_path, SITE_FILES)
    result = manifest(site, WORKER)
    assert set(result.files) == set(SITE_FILES)
    assert WORKER not in result.files


def test_urls_are_posix_paths_relative_to_the_site(tmp_path: Path) -> None:
    site = make_static(tmp_path, SITE_FILES)
    urls = list(manifest(site, WORKER).files)
    assert "js/app.js" in urls and "css/deep/style.css" in urls
    assert all(not url.startswith(("/", "./")) and "\\" not in url and str(tmp_path) not in url for url in urls)
    assert urls == sorted(urls)  # a stable order, so the injected script is stable too


@pytest.mark.parametrize("name", ["build-report.json", "app.js.map", "js/deep/app.js.map", "bundle.avm.br",
                                  "js/app.js.br", "bundle.avm.gz", "css/style.css.gz"])
def test_always_excluded_files(tmp_path: Path, name: str) -> None:
    site = make_static(tmp_path, {**SITE_FILES, name: "excluded"})
    result = manifest(site, WORKER)
    assert name not in result.files
    assert set(result.files) == set(SITE_FILES)


def test_always_excluded_list() -> None:
    assert set(ALWAYS_EXCLUDED) == {"build-report.json", "*.map", "*.br", "*.gz"}


def test_look_alikes_of_excluded_names_are_kept(tmp_path: Path) -> None:
    kept = {"sitemap.xml": "x", "gzip-notes.html": "x", "js/sw.js": "a different file", "report.json": "{}"}
    site = make_static(tmp_path, {**SITE_FILES, **kept})
    assert set(manifest(site, WORKER).files) == set(SITE_FILES) | set(kept)


def test_user_globs_exclude_files_in_subfolders_too(tmp_path: Path) -> None:
    excluded = {"notes.txt": "x", "docs/deep/notes.txt": "x", "drafts/a.html": "x", "drafts/2024/b.html": "x"}
    kept = {"drafts.html": "x", "notes.txt.html": "x", "docs/readme.md": "x"}
    site = make_static(tmp_path, {**SITE_FILES, **excluded, **kept})
    result = manifest(site, WORKER, ("*.txt", "drafts/*"))
    assert set(result.files) == set(SITE_FILES) | set(kept)


def test_user_globs_add_to_the_defaults(tmp_path: Path) -> None:
    site = make_static(tmp_path, {**SITE_FILES, "a.js.map": "x", "b.txt": "x"})
    assert set(manifest(site, WORKER, ("*.txt",)).files) == set(SITE_FILES)


def test_worker_in_a_subfolder_is_excluded_by_its_path(tmp_path: Path) -> None:
    site = make_static(tmp_path, {**SITE_FILES, "sw.js": "a root file of the same name"}, worker="workers/sw.js")
    files = manifest(site, "workers/sw.js").files
    assert "workers/sw.js" not in files
    assert "sw.js" in files


def test_worker_name_with_glob_characters_is_still_excluded(tmp_path: Path) -> None:
    site = make_static(tmp_path, SITE_FILES, worker="sw[1].js")
    assert "sw[1].js" not in manifest(site, "sw[1].js").files


def test_an_empty_site_has_an_empty_manifest(tmp_path: Path) -> None:
    site = make_static(tmp_path, {})
    result = manifest(site, WORKER)
    assert result.files == {}
    assert result.version


# ---- manifest: revisions and version ----

def test_revisions_follow_content(tmp_path: Path) -> None:
    site = make_static(tmp_path, {**SITE_FILES, "copy.html": SITE_FILES["index.html"]})
    files = manifest(site, WORKER).files
    assert files["copy.html"] == files["index.html"]  # same bytes, same revision
    assert len(set(files.values())) == len(SITE_FILES)
    assert all(len(r) >= 8 and all(c in "0123456789abcdef" for c in r) for r in files.values())


@pytest.mark.parametrize("changed", sorted(SITE_FILES))
def test_a_changed_file_changes_its_revision_and_the_version(tmp_path: Path, changed: str) -> None:
    site = make_static(tmp_path, SITE_FILES)
    before = manifest(site, WORKER)
    (site / changed).write_text(SITE_FILES[changed] + " edited")
    after = manifest(site, WORKER)
    assert after.version != before.version
    assert after.files[changed] != before.files[changed]
    assert {u: r for u, r in after.files.items() if u != changed} == {
        u: r for u, r in before.files.items() if u != changed}


def test_the_same_files_give_the_same_manifest(tmp_path: Path) -> None:
    site = make_static(tmp_path, SITE_FILES)
    first = manifest(site, WORKER)
    assert manifest(site, WORKER) == first
    # The site's own path plays no part: the build makes dist/ in a staging folder, then renames it.
    moved = tmp_path / "elsewhere" / "dist.partial"
    shutil.copytree(site, moved)
    assert manifest(moved, WORKER) == first


def test_mtime_alone_does_not_change_the_version(tmp_path: Path) -> None:
    site = make_static(tmp_path, SITE_FILES)
    before = manifest(site, WORKER)
    os.utime(site / "index.html", (1, 1))
    assert manifest(site, WORKER) == before


@pytest.mark.parametrize("edit", ["add", "remove", "rename", "move"])
def test_adding_removing_or_renaming_a_file_changes_the_version(tmp_path: Path, edit: str) -> None:
    site = make_static(tmp_path, SITE_FILES)
    before = manifest(site, WORKER)
    if edit == "add":
        write(site / "js" / "more.js", "new")
    elif edit == "remove":
        (site / "js" / "app.js").unlink()
    elif edit == "rename":
        (site / "js" / "app.js").rename(site / "js" / "main.js")
    else:
        (site / "js" / "app.js").rename(site / "app.js")
    after = manifest(site, WORKER)
    assert after.version != before.version
    assert set(after.files) != set(before.files)


def test_the_workers_own_code_changes_the_version(tmp_path: Path) -> None:
    site = make_static(tmp_path, SITE_FILES)
    before = manifest(site, WORKER)
    (site / WORKER).write_text(WORKER_SOURCE + "self.addEventListener('fetch', () => {});\n")
    after = manifest(site, WORKER)
    assert after.version != before.version
    assert after.files == before.files  # the worker is never one of the files


@pytest.mark.parametrize("excluded", ["build-report.json", "js/app.js.map", "bundle.avm.br", "bundle.avm.gz",
                                      "notes.txt", "drafts/deep/post.html"])
def test_an_excluded_file_does_not_change_the_version(tmp_path: Path, excluded: str) -> None:
    site = make_static(tmp_path, {**SITE_FILES, excluded: "one"})
    exclude = ("*.txt", "drafts/*")
    before = manifest(site, WORKER, exclude)
    (site / excluded).write_text("two")
    assert manifest(site, WORKER, exclude) == before
    (site / excluded).unlink()
    assert manifest(site, WORKER, exclude) == before


def test_to_json_shape(tmp_path: Path) -> None:
    site = make_static(tmp_path, SITE_FILES)
    result = manifest(site, WORKER)
    data = result.to_json()
    assert data == {"version": result.version,
                    "files": [{"url": url, "revision": rev} for url, rev in result.files.items()]}
    assert json.loads(json.dumps(data)) == data


# ---- inject ----

def test_inject_writes_the_manifest_as_json_in_place_of_the_placeholder(tmp_path: Path) -> None:
    site = make_static(tmp_path, SITE_FILES)
    expected = manifest(site, WORKER)
    result = inject(site, WORKER)
    assert result == expected  # the version covers the worker's code as written, placeholder and all
    source = (site / WORKER).read_text()
    assert PLACEHOLDER not in source
    assert injected_json(source) == result.to_json()
    # The rest of the script is untouched.
    before, after = WORKER_SOURCE.split(PLACEHOLDER)
    assert source.startswith(before) and source.endswith(after)


def test_inject_replaces_every_placeholder(tmp_path: Path) -> None:
    site = make_static(tmp_path, SITE_FILES, worker_source=f"const A = {PLACEHOLDER};\nconst B = {PLACEHOLDER};\n")
    result = inject(site, WORKER)
    lines = (site / WORKER).read_text().splitlines()
    assert [json.loads(line.split(" = ", 1)[1].rstrip(";")) for line in lines] == [result.to_json()] * 2


def test_inject_with_excludes_and_a_worker_in_a_subfolder(tmp_path: Path) -> None:
    site = make_static(tmp_path, {**SITE_FILES, "notes.txt": "x", "a.js.map": "x"}, worker="workers/sw.js")
    result = inject(site, "workers/sw.js", ("*.txt",))
    parsed = injected_json((site / "workers" / "sw.js").read_text())
    assert isinstance(parsed, dict)
    assert [f["url"] for f in parsed["files"]] == sorted(SITE_FILES)
    assert parsed["version"] == result.version


def test_inject_escapes_odd_file_names_as_json(tmp_path: Path) -> None:
    odd = {'say "hi".html': "x", "caf\u00e9/\u2028line.js": "x"}
    site = make_static(tmp_path, {**SITE_FILES, **odd})
    inject(site, WORKER)
    source = (site / WORKER).read_text()
    assert "\u2028" not in source  # a raw U+2028 would end a JS line in older engines
    parsed = injected_json(source)
    assert isinstance(parsed, dict)
    assert {f["url"] for f in parsed["files"]} == set(SITE_FILES) | set(odd)


def test_a_changed_bundle_makes_a_different_injected_script(tmp_path: Path) -> None:
    first = make_static(tmp_path / "a", SITE_FILES)
    second = make_static(tmp_path / "b", {**SITE_FILES, "bundle.avm": "rebuilt"})
    assert inject(first, WORKER).version != inject(second, WORKER).version
    assert (first / WORKER).read_bytes() != (second / WORKER).read_bytes()


def test_worker_without_the_placeholder(tmp_path: Path) -> None:
    source = "const PRECACHE = self.__WASMBLOG_PRECACHE;\n"  # a near miss
    site = make_static(tmp_path, SITE_FILES, worker_source=source)
    with pytest.raises(PrecacheError) as info:
        inject(site, WORKER)
    assert PLACEHOLDER in str(info.value)
    assert WORKER in str(info.value)
    assert (site / WORKER).read_text() == source  # left as it was


@pytest.mark.parametrize("worker", ["sw.js", "workers/sw.js"])
def test_missing_worker_file(tmp_path: Path, worker: str) -> None:
    site = make_static(tmp_path, SITE_FILES, worker=None)
    with pytest.raises(PrecacheError) as info:
        inject(site, worker)
    assert worker in str(info.value)
    assert "service_worker" in str(info.value)  # points at the setting to fix
    assert not (site / worker).exists()


def test_worker_that_is_a_folder(tmp_path: Path) -> None:
    site = make_static(tmp_path, SITE_FILES, worker=None)
    (site / WORKER).mkdir()
    with pytest.raises(PrecacheError, match=r"sw\.js"):
        inject(site, WORKER)


def test_precache_error_is_a_wasmblog_error() -> None:
    assert issubclass(PrecacheError, WasmblogError)


def test_the_example_sites_worker_can_be_injected(tmp_path: Path) -> None:
    static = Path(__file__).parent.parent / "example_site" / "static"
    if not (static / WORKER).is_file():
        pytest.skip("the example site has no static/sw.js")
    site = tmp_path / "dist"
    shutil.copytree(static, site)
    result = inject(site, WORKER)
    assert "index.html" in result.files
    assert f"const PRECACHE = {json.dumps(result.to_json())};" in (site / WORKER).read_text()


# ---- [bundle] inputs: the compile cache ----

POST_MODULE = """defmodule WasmblogTest.Post do
  @path Path.expand("../posts/hello.md", __DIR__)
  @external_resource @path
  @body File.read!(@path)
  def body, do: @body
end
"""

LISTING_MODULE = """defmodule WasmblogTest.Posts do
  @dir Path.expand("../posts", __DIR__)
  @paths @dir |> Path.join("**/*.md") |> Path.wildcard() |> Enum.sort()
  for path <- @paths, do: @external_resource path
  @names @paths |> Enum.map(&Path.relative_to(&1, @dir)) |> Enum.join(",")
  def names, do: @names
end
"""


def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str) -> tuple[Path, Path]:
    require_tools("elixirc", "erlc", "erl")
    monkeypatch.setenv("WASMBLOG_CACHE", str(tmp_path / "cache"))
    lib, posts = tmp_path / "site" / "lib", tmp_path / "site" / "posts"
    write(lib / "post.ex", module)
    write(posts / "hello.md", "first")
    return lib, posts


def call(ebin: Path, module: str, function: str) -> str:
    """What `module:function()` returns, run from `ebin` by the host's erl."""
    script = f"io:put_chars('{module}':{function}()), halt()."
    return toolchain.run([find_toolchain().erl, "-noshell", "-pa", str(ebin), "-eval", script])


def forbid_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(command: list[str], **kwargs: object) -> str:
        raise AssertionError(f"compiled again: {command}")
    monkeypatch.setattr(toolchain, "run", fail)


def test_a_changed_input_file_recompiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib, posts = make_app(tmp_path, monkeypatch, POST_MODULE)
    first = compile_app(find_toolchain(), [lib], with_bridge=False, inputs=[posts])
    assert first.is_relative_to(tmp_path / "cache")
    assert call(first, "Elixir.WasmblogTest.Post", "body") == "first"
    (posts / "hello.md").write_text("second")
    second = compile_app(find_toolchain(), [lib], with_bridge=False, inputs=[posts])
    assert second != first
    assert call(second, "Elixir.WasmblogTest.Post", "body") == "second"
    assert call(first, "Elixir.WasmblogTest.Post", "body") == "first"  # the old entry is left alone


def test_an_unchanged_input_file_reuses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib, posts = make_app(tmp_path, monkeypatch, POST_MODULE)
    tools = find_toolchain()
    first = compile_app(tools, [lib], with_bridge=False, inputs=[posts])
    os.utime(posts / "hello.md", (1, 1))  # touched, same bytes
    forbid_compiling(monkeypatch)
    assert compile_app(tools, [lib], with_bridge=False, inputs=[posts]) == first


def test_changing_an_input_back_reuses_the_first_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib, posts = make_app(tmp_path, monkeypatch, POST_MODULE)
    tools = find_toolchain()
    first = compile_app(tools, [lib], with_bridge=False, inputs=[posts])
    (posts / "hello.md").write_text("second")
    assert compile_app(tools, [lib], with_bridge=False, inputs=[posts]) != first
    (posts / "hello.md").write_text("first")
    forbid_compiling(monkeypatch)
    assert compile_app(tools, [lib], with_bridge=False, inputs=[posts]) == first


def test_a_new_input_file_recompiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib, posts = make_app(tmp_path, monkeypatch, LISTING_MODULE)
    tools = find_toolchain()
    first = compile_app(tools, [lib], with_bridge=False, inputs=[posts])
    assert call(first, "Elixir.WasmblogTest.Posts", "names") == "hello.md"
    write(posts / "2024" / "new.md", "new")
    second = compile_app(tools, [lib], with_bridge=False, inputs=[posts])
    assert second != first
    assert call(second, "Elixir.WasmblogTest.Posts", "names") == "2024/new.md,hello.md"


def test_moving_an_input_file_into_a_subfolder_recompiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib, posts = make_app(tmp_path, monkeypatch, LISTING_MODULE)
    tools = find_toolchain()
    first = compile_app(tools, [lib], with_bridge=False, inputs=[posts])
    (posts / "2024").mkdir()
    (posts / "hello.md").rename(posts / "2024" / "hello.md")
    second = compile_app(tools, [lib], with_bridge=False, inputs=[posts])
    assert call(second, "Elixir.WasmblogTest.Posts", "names") == "2024/hello.md"
    assert second != first
