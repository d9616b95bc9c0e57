"""Which app functions reach what this VM cannot run, and through which calls.

A forward walk over the function-level call graph (bundle/callgraph.py) from the app's exported
functions finds every function they can call; a call this VM can never answer (bundle/cannot_run.py)
or a NIF placeholder is a target and is not walked past. Then, for each kind of target, a walk
backwards from the targets gives every app function its nearest one, so each finding carries the
shortest chain. Modules are read lazily, in rounds, so a module nothing reaches is never read.

Only what the code states is followed: local and remote calls, funs made (passed to `Enum.map`,
say) and `apply`/`spawn` with literal module and function. Calls through a variable module,
protocol dispatch included, are not: the chains found are real, but not all there are.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pytest_wasmblog.bundle import not_followed, overrides
from pytest_wasmblog.bundle.callgraph import ModuleCalls
from pytest_wasmblog.bundle.cannot_run import WHY, Kind, classify_call, reason, sentence
from pytest_wasmblog.bundle.names import function_name

# (module, function, arity); arity -1: every arity of a function applied with literal atoms.
Node = tuple[str, str, int]
ANY_ARITY = -1


def mfa(node: Node) -> str:
    module, function, arity = node
    return f"{module}:{function}/{'?' if arity == ANY_ARITY else arity}"


def shown(node: Node) -> str:
    module, function, arity = node
    return function_name(module, function, None if arity == ANY_ARITY else arity)


@dataclass(frozen=True)
class Finding:
    function: Node
    target: Node
    via: tuple[Node, ...]  # the calls between them, nearest the app function first
    kind: Kind

    def to_json(self) -> dict[str, object]:
        return {"function": mfa(self.function), "target": mfa(self.target), "via": [mfa(n) for n in self.via],
                "kind": self.kind, "reason": reason(self.kind)}

    def line(self) -> str:
        """`MyApp.Files.read/1 calls :file.read_file/1 (through File.read/1), which this VM cannot run: ...`"""
        return sentence(shown(self.function), shown(self.target), [shown(n) for n in self.via], WHY[self.kind])


class Reach:
    """`load(modules)` returns the call graphs of those it knows (the rest stay unknown leaves)."""

    def __init__(self, load: Callable[[set[str]], dict[str, ModuleCalls]], native: frozenset[str]) -> None:
        self.load = load
        self.native = native
        self.app_modules: frozenset[str] = frozenset()
        self._shim: frozenset[tuple[str, int]] | None = None
        self.graph: dict[str, ModuleCalls] = {}
        self.tried: set[str] = set()
        self.successors: dict[Node, list[Node]] = {}
        self.targets: dict[Node, Kind] = {}

    def _erlang_shim(self) -> frozenset[tuple[str, int]]:
        """What the project's erlang module defines (its private helpers too: only it calls them)."""
        if self._shim is None:
            shim = self.graph.get("erlang")
            self._shim = frozenset(shim.functions) if shim is not None else frozenset()
        return self._shim

    def prefetch(self, modules: Iterable[str]) -> None:
        """Read these modules in one round (those a search will surely need)."""
        wanted = set(modules) - self.tried
        self.graph.update(self.load(wanted))
        self.tried |= wanted

    def search(self, roots: list[Node]) -> list[Finding]:
        self.app_modules = frozenset(module for module, _, _ in roots)
        self._walk(roots)
        return self._findings(roots)

    def _walk(self, roots: list[Node]) -> None:
        seen = set(roots)
        queue = deque(roots)
        while queue:
            deferred: list[Node] = []
            while queue:
                node = queue.popleft()
                next_nodes = self._visit(node)
                if next_nodes is None:
                    deferred.append(node)
                    continue
                for successor in next_nodes:
                    if successor not in seen:
                        seen.add(successor)
                        queue.append(successor)
            if deferred:
                self.prefetch({module for module, _, _ in deferred})
                queue.extend(deferred)

    def _visit(self, node: Node) -> list[Node] | None:
        """The node's successors; None when its module is still to be read."""
        module, function, arity = node
        known = self.successors.get(node)
        if known is not None or node in self.targets:
            return known or []
        if module == "erlang" and module not in self.tried:
            return None  # the erlang shim decides which erlang functions exist besides the NIFs
        kind = classify_call(module, function, None if arity == ANY_ARITY else arity, self.native,
                             self._erlang_shim() if module == "erlang" else frozenset())
        if kind is not None:
            self.targets[node] = kind
            return []
        if mfa(node) in self.native or node in overrides.overridden():
            return []  # answered by the VM, or written for it (vm/overrides): either runs here
        calls = self.graph.get(module)
        if calls is None:
            return None if module not in self.tried else []
        if not not_followed.walks_into(module, function, arity, calls):
            return []
        if arity == ANY_ARITY:
            found = sorted((module, f, a) for f, a in calls.functions if f == function)
            self.successors[node] = found
            return found
        definition = calls.functions.get((function, arity))
        if definition is None:
            return []
        if definition.kind in ("stub", "placeholder"):
            # A placeholder the VM has no NIF for: rebuilt, it raises nif_not_available_in_wasm.
            self.targets[node] = "nif"
            return []
        found = [callee for m, f, a in definition.calls
                 if not_followed.follows(node, callee := (m, f, ANY_ARITY if a is None else a), self.app_modules)]
        self.successors[node] = found
        return found

    def _findings(self, roots: list[Node]) -> list[Finding]:
        predecessors: dict[Node, list[Node]] = {}
        for node in sorted(self.successors):
            for successor in self.successors[node]:
                predecessors.setdefault(successor, []).append(node)
        findings: list[Finding] = []
        for kind in sorted(set(self.targets.values())):
            toward = _nearest(sorted(n for n, k in self.targets.items() if k == kind), predecessors)
            for root in roots:
                if root in toward and root not in self.targets:
                    chain = [root]
                    while (hop := toward[chain[-1]]) is not None:
                        chain.append(hop)
                    findings.append(Finding(root, chain[-1], tuple(chain[1:-1]), kind))
        return sorted(findings, key=lambda f: (mfa(f.function), len(f.via), f.kind))


def _nearest(targets: list[Node], predecessors: dict[Node, list[Node]]) -> dict[Node, Node | None]:
    """For each node that reaches one of `targets`, its next step on a shortest way there."""
    toward: dict[Node, Node | None] = {t: None for t in targets}
    queue = deque(targets)
    while queue:
        node = queue.popleft()
        for caller in predecessors.get(node, ()):
            if caller not in toward:
                toward[caller] = node
                queue.append(caller)
    return toward
