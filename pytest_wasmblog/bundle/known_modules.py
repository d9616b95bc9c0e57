"""Does a module exist at all: in the host's Erlang/OTP (every application, not only those a
bundle draws on) or Elixir (elixir, logger, eex, mix, ...)? Asked when the VM names a module it
cannot resolve, to tell a typo from a module the bundle left out."""

from __future__ import annotations

from functools import cache

from pytest_wasmblog.bundle import toolchain
from pytest_wasmblog.bundle.sources import OTP_APPS
from pytest_wasmblog.errors import WasmblogError

# The applications a bundle draws modules from (bundle/sources.py).
BUNDLED_APPS = frozenset({*OTP_APPS, "elixir"})


@cache
def host_modules() -> dict[str, str] | None:
    """Every module the host's Erlang/OTP and Elixir ship, with its application; None without a toolchain."""
    try:
        tools = toolchain.find_toolchain()
    except WasmblogError:
        return None
    folders = [*(tools.otp_root / "lib").glob("*/ebin"), *tools.elixir_ebin.parent.parent.glob("*/ebin")]
    return {beam.stem: folder.parent.name.partition("-")[0] for folder in folders for beam in folder.glob("*.beam")}


def application(module: str, app_modules: frozenset[str] = frozenset()) -> str | None:
    """"app" for the site's own modules, the OTP or Elixir application otherwise, "" if none ships it;
    None when the host has no toolchain to ask."""
    if module in app_modules:
        return "app"
    known = host_modules()
    return None if known is None else known.get(module, "")
