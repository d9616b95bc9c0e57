"""Module and function names as an Elixir user reads them: `File.read/1`, `:file.read_file/1`."""

from __future__ import annotations

import re

_LAMBDA = re.compile(r"^-(?P<name>.+)/(?P<arity>\d+)-fun-\d+-$")


def module_name(module: str) -> str:
    """`Elixir.File` -> `File`; `file` -> `:file`."""
    return module.removeprefix("Elixir.") if module.startswith("Elixir.") else f":{module}"


def function_name(module: str, function: str, arity: int | None) -> str:
    """`Elixir.File`, `read`, 1 -> `File.read/1`; a fun's body -> `anonymous fn/1 in T.many/1`."""
    shown_arity = "?" if arity is None or arity < 0 else str(arity)
    lambda_of = _LAMBDA.match(function)
    if lambda_of:
        return (f"anonymous fn/{shown_arity} in "
                f"{module_name(module)}.{lambda_of['name']}/{lambda_of['arity']}")
    return f"{module_name(module)}.{function}/{shown_arity}"


def parse_mfa(mfa: str) -> tuple[str, str, int | None] | None:
    """`Elixir.File:read/1` -> (`Elixir.File`, `read`, 1); arity `?` -> None."""
    module, sep, rest = mfa.partition(":")
    function, slash, arity = rest.rpartition("/")
    if not sep or not slash or not module or not function:
        return None
    if arity == "?":
        return module, function, None
    return (module, function, int(arity)) if arity.isdigit() else None


def display_mfa(mfa: str) -> str:
    """`file:read_file/1` (as build-report.json writes it) -> `:file.read_file/1`."""
    parsed = parse_mfa(mfa)
    return function_name(*parsed) if parsed else mfa
