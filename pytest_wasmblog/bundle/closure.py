"""Which modules a bundle needs: a closure over call edges, module-name atoms and protocols.

The runtime has no library built in, so every module the app can reach must be packed, but not
all of OTP: calls the VM answers natively are not edges, and a drop list keeps the compiler and
the network stack out. Each module records the edge that pulled it in, so a user can ask why.
"""

from __future__ import annotations

import fnmatch
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from pytest_wasmblog.bundle.beam import BeamInfo

Origin = Literal["app", "shim", "elixir", "otp"]
EdgeKind = Literal["root", "keep", "call", "atom", "protocol"]

# Modules the VM provides itself, or that must never be packed (packing `init` boots it).
VM_MODULES = frozenset({"erts_internal", "init", "prim_eval", "prim_file", "prim_inet", "prim_zip",
                        "erl_prim_loader", "emscripten", "atomvm", "console", "zlib", "prim_buffer",
                        "prim_socket", "prim_net", "erts_code_purger", "erlang"})
_BUILTIN_PROTOCOL_TYPES = ("Atom", "BitString", "Integer", "Float", "List", "Map", "Tuple",
                           "Function", "PID", "Port", "Reference", "Any")


@dataclass(frozen=True)
class ModuleSource:
    name: str
    origin: Origin
    info: BeamInfo
    path: str


@dataclass(frozen=True)
class Reason:
    kind: EdgeKind
    parent: str | None = None
    detail: str = ""


@dataclass
class Closure:
    modules: dict[str, Reason]
    unresolved: dict[str, set[str]] = field(default_factory=dict)  # "m:f/a" -> callers
    dropped: dict[str, set[str]] = field(default_factory=dict)  # module -> who wanted it
    unused: dict[str, Reason] = field(default_factory=dict)  # reachable, but no recorded run loaded it
    edges: dict[str, set[str]] = field(default_factory=dict)  # module -> the packed modules it reaches
    implementations: dict[str, set[str]] = field(default_factory=dict)  # protocol -> its packed implementations


@dataclass(frozen=True)
class Policy:
    """User-editable: modules (or fnmatch globs) always packed, and never packed; `allow` names
    modules the drop patterns match that may still be packed when something reaches them."""

    keep: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    allow: frozenset[str] = frozenset()

    def drops(self, module: str) -> bool:
        return module not in self.allow and not any(fnmatch.fnmatchcase(module, k) for k in self.keep) and any(
            fnmatch.fnmatchcase(module, pattern) for pattern in self.drop
        )


def compute(
    available: dict[str, ModuleSource],
    roots: list[str],
    native: frozenset[str],
    policy: Policy,
) -> Closure:
    closure = Closure(modules={})
    queue: deque[str] = deque()

    def add(module: str, reason: Reason) -> None:
        if module in closure.modules or (module in VM_MODULES and module not in available):
            return
        if reason.kind not in ("root", "keep") and policy.drops(module):
            closure.dropped.setdefault(module, set()).add(reason.parent or "?")
            return
        closure.modules[module] = reason
        queue.append(module)

    for root in roots:
        if root not in available:
            raise KeyError(f"root module {root} was not compiled")
        add(root, Reason("root"))
    for pattern in policy.keep:
        for name in sorted(available):
            if fnmatch.fnmatchcase(name, pattern):
                add(name, Reason("keep"))

    protocols: set[str] = set()
    structs: set[str] = set()
    while queue:
        name = queue.popleft()
        source = available[name]
        for target, reason in _edges(source, available, native, closure):
            add(target, reason)
            closure.edges.setdefault(name, set()).add(target)
        if source.info.exports_function("__protocol__", 1):
            protocols.add(name)
        if source.info.exports_function("__struct__", 0) and name.startswith("Elixir."):
            structs.add(name)
        # Unconsolidated protocols find implementations by building module names at run time.
        for protocol in protocols:
            for type_name in (*_BUILTIN_PROTOCOL_TYPES, *(s[len("Elixir."):] for s in structs)):
                impl = f"{protocol}.{type_name}"
                if impl in available:
                    add(impl, Reason("protocol", protocol, type_name))
                    if impl in closure.modules:
                        closure.implementations.setdefault(protocol, set()).add(impl)
    # Only edges to what was packed: dropped and VM modules are not part of the bundle's graph.
    closure.edges = {m: {t for t in targets if t in closure.modules} for m, targets in closure.edges.items()}
    return closure


def restrict(result: Closure, used: frozenset[str], policy: Policy) -> Closure:
    """Only what a recorded run loaded, plus roots and `keep`: the rest of the closure is left out."""
    def needed(module: str, reason: Reason) -> bool:
        return (module in used or reason.kind in ("root", "keep")
                or any(fnmatch.fnmatchcase(module, pattern) for pattern in policy.keep))

    kept = {module: reason for module, reason in result.modules.items() if needed(module, reason)}
    # A protocol dispatches on the data a call gets at run time, which a recorded run samples only in
    # part (inspect of a list, never of a map): a kept protocol keeps every implementation the static
    # closure found, with what those reach.
    pending = [impl for protocol, impls in result.implementations.items() if protocol in kept for impl in impls]
    while pending:
        module = pending.pop()
        if module not in kept:
            kept[module] = result.modules[module]
            pending.extend(result.edges.get(module, ()))
    unused = {module: reason for module, reason in result.modules.items() if module not in kept}
    return Closure(kept, result.unresolved, result.dropped, unused, result.edges, result.implementations)


def _edges(
    source: ModuleSource, available: dict[str, ModuleSource], native: frozenset[str], closure: Closure
) -> list[tuple[str, Reason]]:
    edges: list[tuple[str, Reason]] = []
    for module, function, arity in source.info.imports:
        mfa = f"{module}:{function}/{arity}"
        if mfa in native or module == source.name:
            continue
        target = available.get(module)
        if target is None or (module == "erlang" and not target.info.exports_function(function, arity)):
            closure.unresolved.setdefault(mfa, set()).add(source.name)
            continue
        edges.append((module, Reason("call", source.name, f"{function}/{arity}")))
    in_literals = sorted(source.info.literal_atoms.difference(source.info.atoms))
    for atom in [*source.info.atoms, *in_literals]:
        if atom.startswith("Elixir.") and atom in available and atom != source.name:
            edges.append((atom, Reason("atom", source.name)))
    return edges
