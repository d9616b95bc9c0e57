"""Examples known to fail in the VM, each with its reason (`known_failures.toml` beside this file).

A listed example is an expected failure (xfail) on the engines it names, strict unless it says
otherwise: when one starts passing, the run fails until the entry is removed, so the list and
`docs/compatibility.md` (generated from it) stay true.

    ["Float.round/2 #1"]
    reason = "the VM cannot build bitstrings that are not whole bytes"
    engines = ["webkit"]   # optional, default: every engine
    strict = false         # optional, for an example that passes only sometimes
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pytest_wasmblog.browsers.base import ENGINES
from pytest_wasmblog.errors import WasmblogError

KNOWN_FAILURES = Path(str(resources.files("pytest_wasmblog") / "conformance" / "known_failures.toml"))


class KnownFailuresError(WasmblogError):
    pass


@dataclass(frozen=True)
class KnownFailure:
    example: str
    reason: str
    engines: tuple[str, ...] = ENGINES
    strict: bool = True

    def applies_to(self, engine: str) -> bool:
        return engine in self.engines


def load(path: Path = KNOWN_FAILURES) -> dict[str, KnownFailure]:
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise KnownFailuresError(f"{path} is not valid TOML: {exc}") from None
    return {example: _entry(path, example, fields) for example, fields in raw.items()}


def _entry(path: Path, example: str, fields: object) -> KnownFailure:
    if not isinstance(fields, Mapping) or not isinstance(fields.get("reason"), str) or not fields["reason"]:
        raise KnownFailuresError(f'{path}: ["{example}"] needs reason = "why the VM fails it"')
    engines = fields.get("engines", list(ENGINES))
    if not isinstance(engines, list) or not engines or any(e not in ENGINES for e in engines):
        raise KnownFailuresError(f'{path}: ["{example}"] engines must list some of {", ".join(ENGINES)}')
    strict = fields.get("strict", True)
    if not isinstance(strict, bool):
        raise KnownFailuresError(f'{path}: ["{example}"] strict must be true or false')
    unknown = set(fields) - {"reason", "engines", "strict"}
    if unknown:
        raise KnownFailuresError(f'{path}: ["{example}"] has unknown keys {", ".join(sorted(unknown))}')
    return KnownFailure(example, fields["reason"], tuple(engines), strict)
