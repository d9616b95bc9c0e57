"""A site's build settings, from `wasmblog.toml` in the site directory.

    [bundle]
    start_module = "Blog.App"     # Elixir alias or erlang module; must export start/0
    sources = ["lib"]             # folders of .ex and .erl files, relative to the site
    inputs = []                   # folders the code reads while compiling (@external_resource)
    test_bridge = true            # pack PytestWasmblog.Bridge, JSON and Terms for the fixtures
    keep = []                     # modules (fnmatch globs) always packed
    drop = []                     # modules never packed, added to the default drop list
    used_modules = "modules.txt"  # optional: the modules a test run loaded (`--wasm-record-modules`);
                                  # the static closure's other modules are left out (edit it freely)

    [site]
    static = "static"             # copied as-is into dist/ (index.html, scripts, styles)
    service_worker = "sw.js"      # optional: its self.__WASMBLOG_PRECACHE__ becomes the precache list
    precache_exclude = []         # globs of dist/ files the service worker must not precache
    wasm_debug = "strip"          # AtomVM.wasm without debug info and names ("strip"), with function
                                  # names for stack traces ("names"), or the npm file as it is ("keep")
    precompress = true            # write .gz and .br beside each compressible file, for static hosts
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pytest_wasmblog.bundle.sources import OPTIONAL_ELIXIR_APPS
from pytest_wasmblog.errors import SiteNotFoundError, WasmblogError

CONFIG_NAME = "wasmblog.toml"
WASM_DEBUG_MODES = ("strip", "names", "keep")

# Chains that pull the compiler, the parser, files and sockets in; none can run in the browser.
DEFAULT_DROP = (
    "elixir", "elixir_*", "Elixir.Kernel.*", "Elixir.Code", "Elixir.Code.[!I]*", "Elixir.Macro.*", "Elixir.Module.*",
    "Elixir.Protocol", "Elixir.Mix*", "Elixir.IEx*", "Elixir.ExUnit*",
    "Elixir.System.SignalHandler",
    "compile", "erl_lint", "v3_*", "beam_*", "sys_*", "cerl*", "core_*", "sys_pre_*",
    "erl_eval", "erl_parse", "erl_scan", "erl_expand_records", "epp", "erl_pp", "ms_transform",
    "qlc*", "dets*", "disk_log*", "socket", "inet*", "gen_tcp*", "gen_udp*", "gen_sctp*", "net_*",
    "global*", "rpc", "erpc", "auth", "dist_*", "erl_distribution", "erl_epmd", "file", "file_*",
    "filelib", "code", "code_server", "application_*", "shell*", "c", "edlin*", "group*", "user*",
    "logger_*", "heart", "os_mon*", "standard_error", "erl_signal_handler",
    "otp_internal", "erl_features", "kernel*", "ram_file", "raw_file_io*", "httpd*", "digraph*",
    "sofs", "zip", "erl_tar", "escript", "erl_compile",
)

# Modules of those families that run in the VM and are reached at run time: protocol dispatch
# builds implementation names with Module.concat (elixir_aliases), Macro's atom classification
# (inspect) asks elixir_config for the identifier tokenizer, `raise` and `destructure` expand to
# Kernel.Utils calls, IO.warn prints through elixir_errors, and uri_string parses IP hosts with
# inet_parse. Their own edges into the compiler, files and sockets stay dropped.
RUNTIME_ALLOWED = frozenset({"elixir_aliases", "elixir_config", "elixir_errors", "Elixir.Kernel.Utils", "inet_parse"})


class SiteConfigError(WasmblogError):
    pass


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    start_module: str
    sources: tuple[Path, ...]
    static: Path | None
    inputs: tuple[Path, ...] = ()
    test_bridge: bool = True
    service_worker: str | None = None
    precache_exclude: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    drop: tuple[str, ...] = field(default=DEFAULT_DROP)
    used_modules: Path | None = None
    wasm_debug: str = "strip"
    precompress: bool = True
    tests: tuple[Path, ...] = ()  # folders of ExUnit tests (`*_test.exs`)
    libraries: tuple[str, ...] = ()  # more of Elixir's applications to draw modules from

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    @property
    def start_module_atom(self) -> str:
        return module_atom(self.start_module)


def module_atom(name: str) -> str:
    """`Blog.App` -> `Elixir.Blog.App`; erlang names (lowercase) stay as they are."""
    if name.startswith("Elixir.") or not name[:1].isupper():
        return name
    return f"Elixir.{name}"


def load(site: Path) -> SiteConfig:
    if not site.is_dir():
        raise SiteNotFoundError(str(site))
    path = site / CONFIG_NAME
    if not path.is_file():
        raise SiteConfigError(
            f"{path} not found: a site needs a {CONFIG_NAME} with at least "
            "[bundle] start_module = \"MyApp.Start\" (a module exporting start/0)"
        )
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(f"{path} is not valid TOML: {exc}") from None
    bundle = raw.get("bundle", {})
    site_section = raw.get("site", {})
    start = bundle.get("start_module")
    if not isinstance(start, str) or not start:
        raise SiteConfigError(f"{path}: [bundle] start_module is missing (the module whose start/0 boots the app)")
    sources = _folders(path, site, "[bundle] sources", _strings(path, bundle, "sources", ["lib"], "[bundle] sources",
                                                                 'a list of folders, like sources = ["lib"]'))
    inputs = _folders(path, site, "[bundle] inputs", _strings(path, bundle, "inputs", [], "[bundle] inputs",
                                                              'a list of folders, like inputs = ["posts"]'))
    for folder in inputs:
        if folder.resolve() == site.resolve() or site.resolve() / "dist" in (folder.resolve(), *folder.resolve().parents):
            raise SiteConfigError(f"{path}: [bundle] inputs: {folder} holds the build's own output; "
                                  'name the folders the code reads, like inputs = ["posts"]')
    service_worker = _service_worker(path, site_section.get("service_worker"))
    precache_exclude = _strings(path, site_section, "precache_exclude", [], "[site] precache_exclude",
                                'a list of globs, like ["*.txt"]')
    wasm_debug = site_section.get("wasm_debug", "strip")
    if wasm_debug not in WASM_DEBUG_MODES:
        raise SiteConfigError(f"{path}: [site] wasm_debug must be one of {', '.join(map(repr, WASM_DEBUG_MODES))}, "
                              f"not {wasm_debug!r}")
    precompress = site_section.get("precompress", True)
    if not isinstance(precompress, bool):
        raise SiteConfigError(f"{path}: [site] precompress must be true or false, not {precompress!r}")
    tests = _test_folders(path, site, raw.get("tests", {}))
    libraries = _strings(path, bundle, "libraries", [], "[bundle] libraries", 'a list of names, like ["ex_unit"]')
    unknown = [name for name in libraries if name not in OPTIONAL_ELIXIR_APPS]
    if unknown:
        raise SiteConfigError(f"{path}: [bundle] libraries: {', '.join(map(repr, unknown))} cannot be packed; "
                              f"the choices are {', '.join(map(repr, OPTIONAL_ELIXIR_APPS))}")
    static_name = site_section.get("static", "static")
    static = site / static_name
    return SiteConfig(
        root=site,
        start_module=start,
        sources=sources,
        static=static if static.is_dir() else None,
        inputs=inputs,
        test_bridge=bool(bundle.get("test_bridge", True)),
        service_worker=service_worker,
        precache_exclude=precache_exclude,
        keep=tuple(module_atom(k) for k in bundle.get("keep", [])),
        drop=DEFAULT_DROP + tuple(module_atom(d) for d in bundle.get("drop", [])),
        used_modules=_used_modules(path, site, bundle.get("used_modules")),
        wasm_debug=wasm_debug,
        precompress=precompress,
        tests=tests,
        libraries=libraries,
    )


def _test_folders(path: Path, site: Path, section: object) -> tuple[Path, ...]:
    """[tests] paths, or `test/` when it exists: where the app's ExUnit files are."""
    if not isinstance(section, dict):
        raise SiteConfigError(f'{path}: [tests] must be a table, like [tests] paths = ["test"]')
    if "paths" not in section:
        return (site / "test",) if (site / "test").is_dir() else ()
    relative = _strings(path, section, "paths", [], "[tests] paths", 'a list of folders, like paths = ["test"]')
    return _folders(path, site, "[tests] paths", relative)


def _used_modules(path: Path, site: Path, value: object) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise SiteConfigError(f'{path}: [bundle] used_modules must be a file name, like used_modules = "modules.txt"')
    file = site / value
    if not file.is_file():
        raise SiteConfigError(
            f"{path}: [bundle] used_modules: {file} does not exist. Record it with a full build "
            f"(`wasmblog build {site} --all-modules`) and a test run with `--wasm-record-modules {file}`")
    return file


def _strings(path: Path, section: dict[str, object], key: str, default: list[str], name: str,
             expected: str) -> tuple[str, ...]:
    value = section.get(key, default)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SiteConfigError(f"{path}: {name} must be {expected}")
    return tuple(value)


def _folders(path: Path, site: Path, name: str, relative: tuple[str, ...]) -> tuple[Path, ...]:
    folders = tuple(site / r for r in relative)
    for folder in folders:
        if not folder.is_dir():
            raise SiteConfigError(f"{path}: {name}: folder {folder} does not exist")
    return folders


def _service_worker(path: Path, value: object) -> str | None:
    if value is None:
        return None
    # At the root: a worker controls only the folder it is served from, and the precache list's
    # URLs are relative to the site's root.
    if not isinstance(value, str) or not value or "/" in value or "\\" in value or value in (".", ".."):
        raise SiteConfigError(f"{path}: [site] service_worker must be the name of a file at the root of the "
                              f'static folder, like service_worker = "sw.js", not {value!r}')
    return value
