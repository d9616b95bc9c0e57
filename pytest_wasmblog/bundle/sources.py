"""Find the compiled modules a bundle can draw on: the app's, the shims, Elixir's and OTP's."""

from __future__ import annotations

from pathlib import Path

from pytest_wasmblog.bundle import beam
from pytest_wasmblog.bundle.closure import ModuleSource, Origin
from pytest_wasmblog.bundle.toolchain import Toolchain

# OTP applications a browser app can use; the rest (ssl, inets, ...) need sockets or files.
OTP_APPS = ("stdlib", "kernel")


def scan(directory: Path, origin: Origin) -> dict[str, ModuleSource]:
    modules: dict[str, ModuleSource] = {}
    for path in sorted(directory.glob("*.beam")):
        info = beam.parse(path.read_bytes())
        modules[info.name] = ModuleSource(info.name, origin, info, str(path))
    return modules


def otp_ebins(tools: Toolchain) -> list[Path]:
    lib = tools.otp_root / "lib"
    return [ebin for app in OTP_APPS for ebin in sorted(lib.glob(f"{app}-*/ebin"))]


def library_modules(tools: Toolchain) -> dict[str, ModuleSource]:
    """Debian's OTP and Elixir modules, as shipped (before they are rebuilt for the VM)."""
    modules: dict[str, ModuleSource] = {}
    for ebin in otp_ebins(tools):
        modules.update(scan(ebin, "otp"))
    modules.update(scan(tools.elixir_ebin, "elixir"))
    return modules


def layered(*layers: dict[str, ModuleSource]) -> dict[str, ModuleSource]:
    """Later layers win: a shim named like an OTP module replaces it."""
    merged: dict[str, ModuleSource] = {}
    for layer in layers:
        merged.update(layer)
    return merged
