"""Does a module exist at all: in the host's Erlang/OTP (every application, not only those a
bundle draws on) or Elixir (elixir, logger, eex, mix, ...)? Asked when the VM names a module it
cannot resolve, to tell a typo from a module the bundle left out."""

from __future__ import annotations

from functools import cache

from pytest_wasmblog.bundle import toolchain
from pytest_wasmblog.errors import WasmblogError


@cache
def host_modules() -> frozenset[str] | None:
    """Every module name the host's Erlang/OTP and Elixir ship; None without a toolchain."""
    try:
        tools = toolchain.find_toolchain()
    except WasmblogError:
        return None
    folders = [*(tools.otp_root / "lib").glob("*/ebin"), *tools.elixir_ebin.parent.parent.glob("*/ebin")]
    return frozenset(beam.stem for folder in folders for beam in folder.glob("*.beam"))


def exists(module: str, app_modules: frozenset[str] = frozenset()) -> bool | None:
    """True or False; None when the host has no toolchain to ask."""
    if module in app_modules:
        return True
    known = host_modules()
    return None if known is None else module in known
