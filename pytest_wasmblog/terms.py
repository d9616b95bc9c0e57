"""The JSON mapping of Elixir terms used by the test bridge, on the Python side.

    Elixir                      JSON                               Python
    integer, float              number                             int, float
    integer beyond ±(2^53-1)    {"__integer__": "digits"}          int
    float with integral value   {"__float__": 1.0}                 float
    UTF-8 binary                string                             str
    true / false / nil          true / false / null                True / False / None
    other atom                  {"__atom__": "name"}               Atom("name")
    tuple                       {"__tuple__": [...]}               tuple
    list                        array                              list
    map with string keys        object                             dict[str, ...]
    any other map               {"__map__": [[k, v], ...]}         dict (keys as mapped here)
    non-UTF-8 binary            {"__binary__": "<base64>"}         bytes
    pid, reference, function    {"__opaque__": "pid"}              Opaque("pid") (results only)

The same module is written in Elixir as PytestWasmblog.Terms. An Elixir alias is an atom too:
`Atom("Elixir.Blog.Posts")` (or `Atom.alias("Blog.Posts")`).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any

from pytest_wasmblog.errors import WasmblogError

# JSON numbers pass through JavaScript doubles: beyond this an integer would change value.
MAX_SAFE_INTEGER = 2**53 - 1


@dataclass(frozen=True, order=True)
class Atom:
    name: str

    @classmethod
    def alias(cls, name: str) -> Atom:
        return cls(name if name.startswith("Elixir.") else f"Elixir.{name}")

    def __repr__(self) -> str:
        return f":{self.name}" if not self.name.startswith("Elixir.") else self.name[len("Elixir."):]


@dataclass(frozen=True)
class Opaque:
    """A term that has no JSON form (pid, reference, function, port): only its kind comes back."""

    kind: str


class TermEncodingError(WasmblogError):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(
            f"cannot send argument {path} to Elixir: {problem}. Use int, float, str, bool, None, "
            "list, tuple, dict, bytes or pytest_wasmblog.Atom."
        )
        self.path = path


class TermDecodingError(WasmblogError):
    pass


def encode(value: Any, path: str = "arg") -> Any:
    """A Python value as the JSON value the bridge decodes into an Elixir term."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_INTEGER else {"__integer__": _decimal(value)}
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TermEncodingError(path, f"{value} has no Elixir float")
        # An integral float would reach Elixir as an integer through JavaScript.
        return {"__float__": value} if value.is_integer() else value
    if isinstance(value, Atom):
        return {"__atom__": value.name}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, f"{path}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (bytes, bytearray)):
        return {"__binary__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not _looks_tagged(value):
            return {k: encode(v, f"{path}[{k!r}]") for k, v in value.items()}
        return {"__map__": [[encode(k, f"{path}.key"), encode(v, f"{path}[{k!r}]")] for k, v in value.items()]}
    if isinstance(value, Opaque):
        raise TermEncodingError(path, f"an opaque {value.kind} cannot be sent back")
    raise TermEncodingError(path, f"{type(value).__name__} has no Elixir term mapping")


def decode(value: Any) -> Any:
    """A JSON value from the bridge as a Python value."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (tag, inner), = value.items()
        if tag == "__atom__":
            return Atom(_expect(inner, str, tag))
        if tag == "__float__":
            return float(_expect(inner, (int, float), tag))
        if tag == "__integer__":
            digits = _expect(inner, str, tag)
            try:
                return _from_decimal(digits)
            except ValueError:
                raise TermDecodingError(f"bridge sent __integer__ {digits!r}, not decimal digits") from None
        if tag == "__tuple__":
            return tuple(decode(v) for v in _expect(inner, list, tag))
        if tag == "__map__":
            pairs = _expect(inner, list, tag)
            if not all(isinstance(pair, list) and len(pair) == 2 for pair in pairs):
                raise TermDecodingError("bridge sent __map__ whose entries are not [key, value] pairs")
            return {_hashable(decode(k)): decode(v) for k, v in pairs}
        if tag == "__binary__":
            try:
                return base64.b64decode(_expect(inner, str, tag), validate=True)
            except ValueError:
                raise TermDecodingError("bridge sent __binary__ that is not valid base64") from None
        if tag == "__opaque__":
            return Opaque(_expect(inner, str, tag))
    return {k: decode(v) for k, v in value.items()}


def _looks_tagged(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith("__")


def _expect(inner: Any, kind: type | tuple[type, ...], tag: str) -> Any:
    if not isinstance(inner, kind) or isinstance(inner, bool):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise TermDecodingError(f"bridge sent {tag} with a {type(inner).__name__}, expected {expected}")
    return inner


_DIGITS_PER_CHUNK = 4000  # below Python's 4300-digit limit on int <-> str; Elixir integers have none
_CHUNK = 10**_DIGITS_PER_CHUNK


def _decimal(value: int) -> str:
    """str(value) for integers of any size."""
    if abs(value) < _CHUNK:
        return str(value)
    sign, value = ("-", -value) if value < 0 else ("", value)
    chunks = []
    while value:
        value, chunk = divmod(value, _CHUNK)
        chunks.append(chunk)
    text = str(chunks[-1]) + "".join(str(c).zfill(_DIGITS_PER_CHUNK) for c in reversed(chunks[:-1]))
    return sign + text


def _from_decimal(digits: str) -> int:
    """int(digits) for decimal strings of any length."""
    sign, body = (-1, digits[1:]) if digits.startswith("-") else (1, digits)
    if not body or not body.isascii() or not body.isdigit():
        raise ValueError(digits)
    value = 0
    for start in range(0, len(body), _DIGITS_PER_CHUNK):
        part = body[start:start + _DIGITS_PER_CHUNK]
        value = value * 10 ** len(part) + int(part)
    return sign * value


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_hashable(k) for k in key)
    if isinstance(key, dict):
        # Sorted by text alone: two keys may print alike (1 and :"Elixir.1") and their values not compare.
        return tuple(sorted(((repr(k), _hashable(v)) for k, v in key.items()), key=repr))
    return key
