"""Find the compiled modules a bundle can draw on: the app's, the shims, Elixir's and OTP's."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pytest_wasmblog.bundle import beam
from pytest_wasmblog.bundle.closure import ModuleSource, Origin
from pytest_wasmblog.bundle.toolchain import Toolchain

# OTP applications a browser app can use; the rest (ssl, inets, ...) need sockets or files.
OTP_APPS = ("stdlib", "kernel")
# Elixir's applications beside `elixir` itself (whose ebin the toolchain names): Logger, and what
# a site's `[bundle] libraries` adds (ExUnit, for a test bundle).
ELIXIR_APPS = ("logger",)
OPTIONAL_ELIXIR_APPS = ("ex_unit", "eex")


def scan(directory: Path, origin: Origin) -> dict[str, ModuleSource]:
    modules: dict[str, ModuleSource] = {}
    for path in sorted(directory.glob("*.beam")):
        info = beam.parse(path.read_bytes())
        modules[info.name] = ModuleSource(info.name, origin, info, str(path))
    return modules


def otp_ebins(tools: Toolchain) -> list[Path]:
    lib = tools.otp_root / "lib"
    return [ebin for app in OTP_APPS for ebin in sorted(lib.glob(f"{app}-*/ebin"))]


def elixir_ebins(tools: Toolchain, extra: Sequence[str] = ()) -> list[Path]:
    """`elixir`'s ebin and its siblings' (lib/logger/ebin beside lib/elixir/ebin) that exist, with the
    `extra` applications'."""
    lib = tools.elixir_ebin.parent.parent
    return [tools.elixir_ebin, *(ebin for app in (*ELIXIR_APPS, *extra) if (ebin := lib / app / "ebin").is_dir())]


def app_files(tools: Toolchain, extra: Sequence[str] = ()) -> list[Path]:
    """The .app file of each library application: their `env` is the default environment."""
    return [app for ebin in [*otp_ebins(tools), *elixir_ebins(tools, extra)] for app in sorted(ebin.glob("*.app"))]


def library_modules(tools: Toolchain, extra: Sequence[str] = ()) -> dict[str, ModuleSource]:
    """Debian's OTP and Elixir modules, as shipped (before they are rebuilt for the VM); `extra`
    names more of Elixir's applications to draw from."""
    modules: dict[str, ModuleSource] = {}
    for ebin in otp_ebins(tools):
        modules.update(scan(ebin, "otp"))
    for ebin in elixir_ebins(tools, extra):
        modules.update(scan(ebin, "elixir"))
    return modules


def layered(*layers: dict[str, ModuleSource]) -> dict[str, ModuleSource]:
    """Later layers win: a shim named like an OTP module replaces it."""
    merged: dict[str, ModuleSource] = {}
    for layer in layers:
        merged.update(layer)
    return merged
