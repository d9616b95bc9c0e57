"""A site's wasmblog.toml (bundle/config.py) and the plugin's site settings (settings.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pytest_wasmblog.bundle import config
from pytest_wasmblog.bundle.config import (
    DEFAULT_DROP,
    SiteConfigError,
    load,
    module_atom,
)
from pytest_wasmblog.errors import SiteNotFoundError
from pytest_wasmblog.settings import Settings, SettingsError


def make_site(tmp_path: Path, toml: str | None, folders: tuple[str, ...] = ("lib",)) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    for folder in folders:
        (site / folder).mkdir(parents=True)
    if toml is not None:
        (site / "wasmblog.toml").write_text(toml)
    return site


# ---- module_atom ----

@pytest.mark.parametrize(
    ("name", "atom"),
    [
        ("Blog.App", "Elixir.Blog.App"),
        ("App", "Elixir.App"),
        ("Elixir.Blog.App", "Elixir.Blog.App"),
        ("blog_app", "blog_app"),
        ("lists", "lists"),
        ("_private", "_private"),
        ("Blog.*", "Elixir.Blog.*"),
        ("inet*", "inet*"),
    ],
)
def test_module_atom(name: str, atom: str) -> None:
    assert module_atom(name) == atom


# ---- load ----

def test_minimal_config_and_defaults(tmp_path: Path) -> None:
    site = make_site(tmp_path, '[bundle]\nstart_module = "Blog.App"\n')
    cfg = load(site)
    assert cfg.root == site
    assert cfg.start_module == "Blog.App"
    assert cfg.start_module_atom == "Elixir.Blog.App"
    assert cfg.sources == (site / "lib",)
    assert cfg.static is None  # no static/ folder
    assert cfg.test_bridge is True
    assert cfg.keep == ()
    assert cfg.drop == DEFAULT_DROP
    assert cfg.dist == site / "dist"


def test_full_config(tmp_path: Path) -> None:
    site = make_site(tmp_path, (
        '[bundle]\nstart_module = "blog_start"\nsources = ["src", "more/lib"]\ntest_bridge = false\n'
        'keep = ["Blog.Extra", "Inspect.*", "crypto"]\ndrop = ["Blog.Admin*", "my_erl_mod"]\n'
        '[site]\nstatic = "public"\n'
    ), folders=("src", "more/lib", "public"))
    cfg = load(site)
    assert cfg.start_module_atom == "blog_start"
    assert cfg.sources == (site / "src", site / "more" / "lib")
    assert cfg.static == site / "public"
    assert cfg.test_bridge is False
    assert cfg.keep == ("Elixir.Blog.Extra", "Elixir.Inspect.*", "crypto")
    # User drops are added to the defaults, never replace them.
    assert cfg.drop[: len(DEFAULT_DROP)] == DEFAULT_DROP
    assert cfg.drop[len(DEFAULT_DROP):] == ("Elixir.Blog.Admin*", "my_erl_mod")


def test_default_static_folder_is_found(tmp_path: Path) -> None:
    site = make_site(tmp_path, '[bundle]\nstart_module = "A"\n', folders=("lib", "static"))
    assert load(site).static == site / "static"


def test_missing_site_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(SiteNotFoundError) as info:
        load(missing)
    assert str(missing) in str(info.value)


def test_site_that_is_a_file(tmp_path: Path) -> None:
    afile = tmp_path / "site.txt"
    afile.write_text("")
    with pytest.raises(SiteNotFoundError):
        load(afile)


def test_missing_toml(tmp_path: Path) -> None:
    site = make_site(tmp_path, None)
    with pytest.raises(SiteConfigError) as info:
        load(site)
    message = str(info.value)
    assert str(site / "wasmblog.toml") in message and "not found" in message
    assert "start_module" in message  # says what the file needs


def test_invalid_toml(tmp_path: Path) -> None:
    site = make_site(tmp_path, '[bundle\nstart_module = "A"\n')
    with pytest.raises(SiteConfigError) as info:
        load(site)
    assert "not valid TOML" in str(info.value)
    assert str(site / "wasmblog.toml") in str(info.value)
    assert "line 1" in str(info.value)  # tomllib's location is passed on


@pytest.mark.parametrize("toml", ["", "[bundle]\n", '[bundle]\nstart_module = ""\n', "[bundle]\nstart_module = 3\n",
                                  '[site]\nstart_module = "A"\n'])
def test_missing_start_module(tmp_path: Path, toml: str) -> None:
    site = make_site(tmp_path, toml)
    with pytest.raises(SiteConfigError) as info:
        load(site)
    assert "start_module is missing" in str(info.value)
    assert str(site / "wasmblog.toml") in str(info.value)


def test_nonexistent_sources_folder(tmp_path: Path) -> None:
    site = make_site(tmp_path, '[bundle]\nstart_module = "A"\nsources = ["lib", "src"]\n')
    with pytest.raises(SiteConfigError) as info:
        load(site)
    assert f"[bundle] sources: folder {site / 'src'} does not exist" in str(info.value)


def test_sources_given_as_a_string_is_refused(tmp_path: Path) -> None:
    site = make_site(tmp_path, '[bundle]\nstart_module = "A"\nsources = "lib"\n')
    with pytest.raises(SiteConfigError, match="sources must be a list of folders"):
        load(site)


def test_default_sources_folder_must_exist(tmp_path: Path) -> None:
    site = make_site(tmp_path, '[bundle]\nstart_module = "A"\n', folders=())
    with pytest.raises(SiteConfigError, match=r"\[bundle\] sources: folder .*lib does not exist"):
        load(site)


def test_config_error_is_a_wasmblog_error() -> None:
    from pytest_wasmblog.errors import WasmblogError

    assert issubclass(config.SiteConfigError, WasmblogError)


# ---- Settings.require_site ----

def settings(site: Path | None, page: str = "/index.html") -> Settings:
    values = {"site": site, "page": page, "engines": ("chromium",), "browser_paths": {}, "isolation": "require-corp",
              "boot_timeout_s": 20.0, "call_timeout_s": 10.0, "headed": False, "in_ci": False}
    # Fields added later (none of them matter to require_site) get an empty value of their kind.
    for f in dataclasses.fields(Settings):
        if f.name not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            values[f.name] = () if "tuple" in str(f.type) else None
    return Settings(**values)


def test_require_site_without_a_site() -> None:
    with pytest.raises(SettingsError) as info:
        settings(None).require_site()
    assert "--wasm-site" in str(info.value) and "wasm_site" in str(info.value)


def test_require_site_missing_folder_beside_a_wasmblog_toml(tmp_path: Path) -> None:
    (tmp_path / "wasmblog.toml").write_text('[bundle]\nstart_module = "A"\n')
    dist = tmp_path / "dist"
    with pytest.raises(SettingsError) as info:
        settings(dist).require_site()
    assert f"the site folder {dist} does not exist" in str(info.value)
    assert f"`wasmblog build {tmp_path}`" in str(info.value)


def test_require_site_missing_folder_without_a_wasmblog_toml(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    with pytest.raises(SettingsError) as info:
        settings(dist).require_site()
    assert str(dist) in str(info.value)
    assert "wasmblog build" not in str(info.value)


def test_require_site_missing_page(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>")
    with pytest.raises(SettingsError) as info:
        settings(tmp_path, "/blog.html").require_site()
    assert "/blog.html" in str(info.value) and "--wasm-page" in str(info.value)


def test_require_site_ok(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "page.html").write_text("<!doctype html>")
    assert settings(tmp_path, "/sub/page.html").require_site() == tmp_path
    with pytest.raises(SettingsError):
        settings(tmp_path, "/index.html").require_site()


# ---- [site] service_worker, [site] precache_exclude, [bundle] inputs ----

def test_service_worker_precache_and_inputs_default_to_off(tmp_path: Path) -> None:
    cfg = load(make_site(tmp_path, '[bundle]\nstart_module = "A"\n'))
    assert cfg.service_worker is None
    assert cfg.precache_exclude == ()
    assert cfg.inputs == ()


def test_service_worker_precache_and_inputs_load(tmp_path: Path) -> None:
    site = make_site(tmp_path, (
        '[bundle]\nstart_module = "A"\ninputs = ["posts", "content/pages"]\n'
        '[site]\nservice_worker = "sw.js"\nprecache_exclude = ["*.txt", "drafts/*"]\n'
    ), folders=("lib", "posts", "content/pages"))
    cfg = load(site)
    assert cfg.service_worker == "sw.js"
    assert cfg.precache_exclude == ("*.txt", "drafts/*")
    assert cfg.inputs == (site / "posts", site / "content" / "pages")  # relative to the site


def test_empty_lists_are_accepted(tmp_path: Path) -> None:
    site = make_site(tmp_path, '[bundle]\nstart_module = "A"\ninputs = []\n[site]\nprecache_exclude = []\n')
    cfg = load(site)
    assert cfg.inputs == () and cfg.precache_exclude == ()


def test_the_example_sites_config() -> None:
    example = Path(__file__).parent.parent / "example_site"
    cfg = load(example)
    assert cfg.service_worker == "sw.js"
    assert cfg.static is not None and (cfg.static / "sw.js").is_file()
    assert cfg.inputs == (example / "posts",)


@pytest.mark.parametrize("value", ['""', "3", "true", '["sw.js"]', '{ file = "sw.js" }'])
def test_bad_service_worker(tmp_path: Path, value: str) -> None:
    site = make_site(tmp_path, f'[bundle]\nstart_module = "A"\n[site]\nservice_worker = {value}\n')
    with pytest.raises(SiteConfigError) as info:
        load(site)
    assert "[site] service_worker must be the name of a file at the root" in str(info.value)
    assert str(site / "wasmblog.toml") in str(info.value)


@pytest.mark.parametrize("value", ['"*.txt"', "3", "[1]", '["*.txt", 2]', '[["*.txt"]]', '{ glob = "*.txt" }'])
def test_bad_precache_exclude(tmp_path: Path, value: str) -> None:
    site = make_site(tmp_path, f'[bundle]\nstart_module = "A"\n[site]\nprecache_exclude = {value}\n')
    with pytest.raises(SiteConfigError) as info:
        load(site)
    assert "[site] precache_exclude must be a list of globs" in str(info.value)
    assert str(site / "wasmblog.toml") in str(info.value)


@pytest.mark.parametrize("value", ['"posts"', "3", "[1]", '["posts", 2]', '[["posts"]]', "{}"])
def test_bad_inputs_type(tmp_path: Path, value: str) -> None:
    site = make_site(tmp_path, f'[bundle]\nstart_module = "A"\ninputs = {value}\n', folders=("lib", "posts"))
    with pytest.raises(SiteConfigError) as info:
        load(site)
    assert "[bundle] inputs must be a list of folders" in str(info.value)
    assert str(site / "wasmblog.toml") in str(info.value)


def test_nonexistent_input_folder(tmp_path: Path) -> None:
    site = make_site(tmp_path, '[bundle]\nstart_module = "A"\ninputs = ["posts", "drafts"]\n',
                     folders=("lib", "posts"))
    with pytest.raises(SiteConfigError) as info:
        load(site)
    assert f"[bundle] inputs: folder {site / 'drafts'} does not exist" in str(info.value)
    assert str(site / "wasmblog.toml") in str(info.value)


def test_input_that_is_a_file_is_refused(tmp_path: Path) -> None:
    site = make_site(tmp_path, '[bundle]\nstart_module = "A"\ninputs = ["posts.md"]\n')
    (site / "posts.md").write_text("# not a folder")
    with pytest.raises(SiteConfigError, match=r"\[bundle\] inputs: folder .*posts.md does not exist"):
        load(site)


def test_settings_in_the_wrong_section_are_not_picked_up(tmp_path: Path) -> None:
    # inputs belong to [bundle] (the compile), service_worker to [site] (dist/): no silent guessing.
    site = make_site(tmp_path, '[bundle]\nstart_module = "A"\nservice_worker = "sw.js"\n[site]\ninputs = ["posts"]\n',
                     folders=("lib", "posts"))
    cfg = load(site)
    assert cfg.service_worker is None
    assert cfg.inputs == ()


@pytest.mark.parametrize("name", ["/sw.js", "../sw.js", "workers/sw.js", ".."])
def test_service_worker_must_be_a_file_at_the_static_root(tmp_path: Path, name: str) -> None:
    site = make_site(tmp_path, f'[bundle]\nstart_module = "A"\n[site]\nservice_worker = "{name}"\n')
    with pytest.raises(SiteConfigError, match="service_worker must be the name of a file at the root"):
        config.load(site)


@pytest.mark.parametrize("folder", [".", "dist"])
def test_inputs_cannot_be_the_build_output(tmp_path: Path, folder: str) -> None:
    site = make_site(tmp_path, f'[bundle]\nstart_module = "A"\ninputs = ["{folder}"]\n')
    (site / "dist").mkdir(exist_ok=True)
    with pytest.raises(SiteConfigError, match="holds the build's own output"):
        config.load(site)
