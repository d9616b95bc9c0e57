"""Compare what an example did in the VM with what it did on the host, and say how they differ.

Observations come from vm/conformance/runner.ex: `["value", json]`, `["raise", module, message]`,
`["output", text]`, and one ending (`["returned"]`, `["uncaught", ...]`, `["timeout", ms]`,
`["died", json]`). A value's JSON is the term's canonical form: `["i", "12"]` integer,
`["f", "<IEEE bits>"]` float, `["a", name]` atom, `["s", text]` UTF-8 binary, `["b", base64]`
other binary, `["bits", size]`, `["l", items(, tail)]` list, `["t", items]` tuple,
`["m", sorted pairs]` map, `["pid"]`, `["ref"]`, `["port"]`, `["fun", ...]`, and
`["big", bytes, crc32]` for a value too long to send whole.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pytest_wasmblog.conformance.suite import Example
from pytest_wasmblog.conformance.vm_runner import VMResult

Observation = Sequence[str]
_LEAVES = {"i", "f", "s", "b", "bits", "big"}


@dataclass(frozen=True)
class Verdict:
    passed: bool
    detail: str = ""


def compare(example: Example, result: VMResult) -> Verdict:
    if result.crash is not None:
        return Verdict(False, f"the VM died running it: {result.crash}")
    host, vm = list(example.host), list(result.observations)
    if example.exact:
        same = host == vm
    else:
        same = [shape(o) for o in host] == [shape(o) for o in vm]
    if same:
        return Verdict(True)
    return Verdict(False, difference(host, vm, exact=example.exact))


def difference(host: Sequence[Observation], vm: Sequence[Observation], *, exact: bool = True) -> str:
    """The first observation where host and VM part, both rendered in Elixir's notation."""
    for index in range(max(len(host), len(vm))):
        h = host[index] if index < len(host) else None
        v = vm[index] if index < len(vm) else None
        if (h == v) if exact else (h is not None and v is not None and shape(h) == shape(v)):
            continue
        what = "result" if exact else "result's shape"
        return f"{what} {index + 1} differs:\n  host: {describe(h)}\n  VM:   {describe(v)}"
    return "the observations differ"


def describe(observation: Observation | None) -> str:
    if observation is None:
        return "(nothing)"
    kind, *rest = observation
    if kind == "value":
        return render(json.loads(rest[0]))
    if kind == "no_raise":
        return f"no exception, returned {render(json.loads(rest[0]))}"
    if kind == "raise":
        return f"** ({_alias(rest[0])}) {rest[1]}"
    if kind == "uncaught":
        what = _alias(rest[1]) if rest[0] == "error" else render(json.loads(rest[1]))
        return f"uncaught {rest[0]}: {what} {rest[2]}".rstrip()
    if kind == "output":
        return f"printed {rest[0]!r}"
    if kind == "timeout":
        return f"still running after {rest[0]} ms"
    if kind == "died":
        return f"the example's process died: {render(json.loads(rest[0]))}"
    return " ".join(observation)


def render(value: Any) -> str:
    """A canonical term in Elixir's notation."""
    tag, *args = value
    if tag == "i":
        return str(args[0])
    if tag == "f":
        return repr(struct.unpack(">d", int(args[0]).to_bytes(8, "big"))[0])
    if tag == "a":
        return _atom(args[0])
    if tag == "s":
        return json.dumps(args[0], ensure_ascii=False)
    if tag == "b":
        return f"<<base64 {args[0]}>>"
    if tag == "bits":
        return f"<<a bitstring of {args[0]} bits>>"
    if tag == "l":
        items = ", ".join(render(v) for v in args[0])
        return f"[{items} | {render(args[1])}]" if len(args) > 1 else f"[{items}]"
    if tag == "t":
        return "{" + ", ".join(render(v) for v in args[0]) + "}"
    if tag == "m":
        return "%{" + ", ".join(f"{render(k)} => {render(v)}" for k, v in args[0]) + "}"
    if tag == "fun":
        return f"&{_alias(args[0])}.{args[1]}/{args[2]}" if len(args) == 3 else f"#Function<arity {args[0]}>"
    if tag == "big":
        return f"(a value of {args[0]} bytes of canonical JSON, crc32 {args[1]})"
    return f"#{tag.capitalize()}<>"


def shape(observation: Observation) -> Any:
    """What must agree when values vary between runs: kinds, atoms and structure, not numbers or text."""
    kind, *rest = observation
    if kind in ("value", "no_raise"):
        return [kind, _shape_term(json.loads(rest[0]))]
    if kind == "raise":  # the exception's module; its message may quote the varying values
        return [kind, rest[0]]
    if kind == "uncaught":
        return [kind, rest[0], rest[1] if rest[0] == "error" else ""]
    return [kind]


def _shape_term(value: Any) -> Any:
    tag, *args = value
    if tag in _LEAVES:
        return [tag]
    if tag in ("l", "t"):
        return [tag, [_shape_term(v) for v in args[0]], *[_shape_term(a) for a in args[1:]]]
    if tag == "m":
        return [tag, sorted(([_shape_term(k), _shape_term(v)] for k, v in args[0]), key=json.dumps)]
    return value


def _atom(name: str) -> str:
    if name in ("nil", "true", "false"):
        return name
    if name.startswith("Elixir."):
        return name.removeprefix("Elixir.")
    plain = name.replace("_", "a").replace("?", "").replace("!", "").replace("@", "")
    return f":{name}" if plain.isalnum() and name[:1].isalpha() and name[:1].islower() else f":{json.dumps(name)}"


def _alias(module: str) -> str:
    return module.removeprefix("Elixir.")
