"""Compile the app's Elixir/Erlang sources and the VM shims with the host's compilers, cached."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from pytest_wasmblog.bundle import js_header, toolchain
from pytest_wasmblog.bundle.cache import cache_root
from pytest_wasmblog.bundle.rebuild import SHIMS_DIR, VM_DIR, fingerprint
from pytest_wasmblog.bundle.toolchain import Toolchain

BRIDGE_SOURCES = VM_DIR / "elixir"


def source_files(folders: list[Path]) -> list[Path]:
    """Sources to compile, and `.beam` files compiled elsewhere, which are packed as they are."""
    return sorted(p for folder in folders for p in folder.rglob("*")
                  if p.suffix in (".ex", ".erl", ".beam") and p.is_file())


def compile_sources(tools: Toolchain, files: list[Path], label: str, extra_inputs: Sequence[Path] = (),
                    include_dirs: Sequence[Path] = ()) -> Path:
    """An ebin folder holding the compiled `files`; reused while no input changes."""
    # Paths are part of the key: a moved file is a change even when its name and bytes are not.
    key = fingerprint([*files, *extra_inputs], tools.key + "\n" + "\n".join(str(f) for f in [*files, *extra_inputs]))
    ebin = cache_root() / label / key
    if (ebin / ".complete").is_file():
        return ebin
    # Per process: parallel test workers may compile the same sources at once.
    staging = ebin.with_name(f"{key}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    erlang_files = [str(f) for f in files if f.suffix == ".erl"]
    elixir_files = [str(f) for f in files if f.suffix == ".ex"]
    for prebuilt in (f for f in files if f.suffix == ".beam"):
        shutil.copy(prebuilt, staging / prebuilt.name)
    if erlang_files:
        includes = [arg for folder in include_dirs for arg in ("-I", str(folder))]
        toolchain.run([tools.erlc, *includes, "-o", str(staging), *erlang_files])
    if elixir_files:
        # --ignore-module-conflict: an app may define a module Debian's Elixir also ships. -pa: sources
        # may require modules given compiled, or compiled from Erlang just above.
        toolchain.run([tools.elixirc, "--ignore-module-conflict", "-pa", str(staging), "-o", str(staging),
                       *elixir_files])
    (staging / ".complete").write_text(key)
    if ebin.exists() and not (ebin / ".complete").is_file():
        shutil.rmtree(ebin, ignore_errors=True)  # what a build that was killed left
    try:
        staging.rename(ebin)
    except OSError:  # another process finished first: its copy is as good
        if not (ebin / ".complete").is_file():
            raise
        shutil.rmtree(staging, ignore_errors=True)
    return ebin


def compile_shims(tools: Toolchain) -> Path:
    # A shim's JavaScript (re.js) is embedded in its module through a generated header.
    scripts = sorted(SHIMS_DIR.glob("*.js"))
    include = cache_root() / "shims-include" / fingerprint(scripts, tools.key)
    js_header.write_headers(SHIMS_DIR, include)
    return compile_sources(tools, source_files([SHIMS_DIR]), "shims", scripts, include_dirs=[include])


def compile_app(tools: Toolchain, sources: list[Path], with_bridge: bool, inputs: Sequence[Path] = ()) -> Path:
    """`inputs`: folders of files the code reads while compiling (@external_resource), so a changed
    post recompiles the module that embeds it."""
    folders = [*sources, *([BRIDGE_SOURCES] if with_bridge else [])]
    files = source_files(folders)
    if not files:
        raise toolchain.ToolFailedError(["elixirc"], 1, f"no .ex, .erl or .beam files in {', '.join(map(str, folders))}")
    read_at_compile_time = sorted(p for folder in inputs for p in folder.rglob("*") if p.is_file())
    return compile_sources(tools, files, "app", read_at_compile_time)


# The VM prints only "Return value: error" when start/0 raises; this wrapper, packed as the
# bundle's start module, first prints the exception so the harness can show it.
_BOOT_WRAPPER = """-module(wasmblog_start).
-export([start/0]).

start() ->
    wasmblog_io:start(),
    try '{start}':start()
    catch Class:Reason:Stack ->
        erlang:display({{'CRASH REPORT', '{start}', start, 0, Class, Reason, Stack}}),
        erlang:raise(Class, Reason, Stack)
    end.
"""


def compile_boot_wrapper(tools: Toolchain, start_module: str) -> Path:
    source_dir = cache_root() / "boot-src" / fingerprint([], start_module)
    source_dir.mkdir(parents=True, exist_ok=True)
    source = source_dir / "wasmblog_start.erl"
    source.write_text(_BOOT_WRAPPER.format(start=start_module.replace("'", "\\'")))
    return compile_sources(tools, [source], "boot")


# Writes wasmblog_app_env.erl: defaults(App) -> the `env` list of App's .app file.
_APP_ENV_GENERATOR = """
[Out | Files] = init:get_plain_arguments(),
Clause = fun(File) ->
    {ok, [{application, App, Keys}]} = file:consult(File),
    io_lib:format("defaults(~p) -> ~p;~n", [App, proplists:get_value(env, Keys, [])])
end,
Source = ["%% Generated by pytest-wasmblog from the .app files of the library applications.\n",
          "-module(wasmblog_app_env).\n-export([defaults/1]).\n\n",
          [Clause(F) || F <- Files], "defaults(_) -> [].\n"],
ok = file:write_file(Out, Source),
halt().
"""


def compile_app_env(tools: Toolchain, apps: list[Path]) -> Path:
    """`wasmblog_app_env`, the default environment of each application in `apps` (.app files),
    which the application shim starts from as OTP's application controller does when it loads
    an application (Calendar reads :elixir's time_zone_database, Logger its translators)."""
    source_dir = cache_root() / "app-env-src" / fingerprint(apps, tools.key + "\n".join(map(str, apps)))
    source = source_dir / "wasmblog_app_env.erl"
    if not source.is_file():
        source_dir.mkdir(parents=True, exist_ok=True)
        partial = source.with_suffix(".partial")
        toolchain.run([tools.erl, "-noshell", "-eval", _APP_ENV_GENERATOR, "-extra", str(partial), *map(str, apps)])
        partial.rename(source)
    return compile_sources(tools, [source], "app-env")
