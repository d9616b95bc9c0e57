"""The module closure: which modules a bundle must hold, and why each is there."""

from __future__ import annotations

import pytest
from beam_samples import info

from pytest_wasmblog.bundle.closure import (
    ModuleSource,
    Policy,
    Reason,
    compute,
    restrict,
)

NO_NATIVE: frozenset[str] = frozenset()


def lib(*sources: ModuleSource) -> dict[str, ModuleSource]:
    return {s.name: s for s in sources}


def mod(name: str, calls=(), exports=(), atoms=(), origin="otp", literal_atoms=()) -> ModuleSource:
    return ModuleSource(name, origin, info(name, imports=list(calls), exports=list(exports), atoms=list(atoms),
                                           literal_atoms=frozenset(literal_atoms)), f"/x/{name}.beam")


def chain(closure, module: str) -> list[str]:
    """Follow Reason.parent from a module back to its root."""
    out = [module]
    while (reason := closure.modules[out[-1]]).parent is not None:
        out.append(reason.parent)
        assert len(out) < 50, "parent cycle"
    return out


def test_call_edges_are_followed_transitively() -> None:
    available = lib(
        mod("app", calls=[("a", "f", 1)], origin="app"),
        mod("a", calls=[("b", "g", 0)]),
        mod("b", calls=[("c", "h", 2)]),
        mod("c"),
        mod("unused", calls=[("a", "f", 1)]),
    )
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert set(closure.modules) == {"app", "a", "b", "c"}
    assert closure.modules["app"] == Reason("root")
    assert closure.modules["b"] == Reason("call", "a", "g/0")
    assert closure.modules["c"] == Reason("call", "b", "h/2")
    assert chain(closure, "c") == ["c", "b", "a", "app"]
    assert closure.unresolved == {} and closure.dropped == {}


def test_parent_chain_is_the_shortest_path() -> None:
    available = lib(
        mod("app", calls=[("long1", "f", 0), ("target", "g", 0)]),
        mod("long1", calls=[("long2", "f", 0)]),
        mod("long2", calls=[("target", "g", 0)]),
        mod("target"),
    )
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert chain(closure, "target") == ["target", "app"]
    assert chain(closure, "long2") == ["long2", "long1", "app"]


def test_native_calls_are_not_edges() -> None:
    available = lib(
        mod("app", calls=[("lists", "reverse", 1), ("maps", "put", 3)]),
        mod("lists", calls=[("big", "x", 0)]),
        mod("maps"),
        mod("big"),
    )
    closure = compute(available, ["app"], frozenset({"lists:reverse/1"}), Policy())
    assert "lists" not in closure.modules and "big" not in closure.modules
    assert closure.modules["maps"] == Reason("call", "app", "put/3")
    # Only that exact arity is native.
    again = compute(available, ["app"], frozenset({"lists:reverse/2"}), Policy())
    assert "lists" in again.modules and "big" in again.modules


def test_self_calls_are_ignored() -> None:
    available = lib(mod("app", calls=[("app", "loop", 1)]))
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert set(closure.modules) == {"app"} and closure.unresolved == {}


def test_missing_callee_is_unresolved_with_its_callers() -> None:
    available = lib(
        mod("app", calls=[("ghost", "boo", 2), ("a", "f", 0)]),
        mod("a", calls=[("ghost", "boo", 2)]),
    )
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert "ghost" not in closure.modules
    assert closure.unresolved == {"ghost:boo/2": {"app", "a"}}


def test_erlang_calls_go_to_a_shim_only_for_what_it_exports() -> None:
    shim = mod("erlang", exports=[("apply", 2), ("send", 3)], origin="shim")
    available = lib(mod("app", calls=[("erlang", "apply", 2), ("erlang", "monitor", 3)]), shim)
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert closure.modules["erlang"] == Reason("call", "app", "apply/2")
    assert closure.unresolved == {"erlang:monitor/3": {"app"}}


def test_erlang_call_not_exported_by_shim_does_not_pull_it_in() -> None:
    shim = mod("erlang", exports=[("apply", 2)], origin="shim")
    available = lib(mod("app", calls=[("erlang", "send", 3)]), shim)
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert "erlang" not in closure.modules
    assert closure.unresolved == {"erlang:send/3": {"app"}}


def test_erlang_without_shim_is_unresolved_unless_native() -> None:
    available = lib(mod("app", calls=[("erlang", "apply", 3), ("erlang", "self", 0)]))
    closure = compute(available, ["app"], frozenset({"erlang:self/0"}), Policy())
    assert closure.unresolved == {"erlang:apply/3": {"app"}}
    assert set(closure.modules) == {"app"}


def test_elixir_named_atoms_are_edges() -> None:
    available = lib(
        mod("Elixir.Blog", atoms=["Elixir.Blog.Post", "Elixir.Missing", "ok", "lists"], origin="app"),
        mod("Elixir.Blog.Post"),
        mod("lists"),  # a plain atom naming an erlang module is not an edge
    )
    closure = compute(available, ["Elixir.Blog"], NO_NATIVE, Policy())
    assert set(closure.modules) == {"Elixir.Blog", "Elixir.Blog.Post"}
    assert closure.modules["Elixir.Blog.Post"] == Reason("atom", "Elixir.Blog")
    assert closure.unresolved == {}  # atoms that name nothing are not errors


def test_protocol_implementations_for_builtin_types() -> None:
    proto = "Elixir.String.Chars"
    available = lib(
        mod("app", calls=[(proto, "to_string", 1)]),
        mod(proto, exports=[("__protocol__", 1), ("to_string", 1)]),
        mod(f"{proto}.Integer"),
        mod(f"{proto}.List", calls=[("helper", "f", 0)]),
        mod(f"{proto}.Any"),
        mod(f"{proto}.Banana"),  # not a builtin type, not a struct in the closure
        mod("helper"),
    )
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert closure.modules[f"{proto}.Integer"] == Reason("protocol", proto, "Integer")
    assert closure.modules[f"{proto}.List"] == Reason("protocol", proto, "List")
    assert f"{proto}.Any" in closure.modules
    assert f"{proto}.Banana" not in closure.modules
    assert chain(closure, "helper") == ["helper", f"{proto}.List", proto, "app"]


def test_module_exporting_protocol_only_by_name_is_not_a_protocol() -> None:
    available = lib(mod("app", calls=[("Elixir.Fake", "f", 0)]), mod("Elixir.Fake"), mod("Elixir.Fake.Integer"))
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert "Elixir.Fake.Integer" not in closure.modules


@pytest.mark.parametrize("struct_first", [True, False])
def test_protocol_implementations_for_structs_in_the_closure(struct_first: bool) -> None:
    proto = "Elixir.Inspect"
    struct_mod = mod("Elixir.Date", exports=[("__struct__", 0), ("__struct__", 1)])
    protocol = mod(proto, exports=[("__protocol__", 1)])
    calls = [("Elixir.Date", "new", 3), (proto, "inspect", 2)]
    available = lib(
        mod("app", calls=calls if struct_first else calls[::-1]),
        struct_mod,
        protocol,
        mod(f"{proto}.Date"),
        mod("Elixir.Time", exports=[("__struct__", 0)]),  # a struct the app never reaches
        mod(f"{proto}.Time"),
    )
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert closure.modules[f"{proto}.Date"] == Reason("protocol", proto, "Date")
    assert "Elixir.Time" not in closure.modules
    assert f"{proto}.Time" not in closure.modules


def test_struct_reached_late_still_gets_its_implementation() -> None:
    proto = "Elixir.Enumerable"
    available = lib(
        mod("app", calls=[(proto, "count", 1), ("a", "f", 0)]),
        mod(proto, exports=[("__protocol__", 1)]),
        mod("a", calls=[("b", "f", 0)]),
        mod("b", calls=[("Elixir.MapSet", "new", 0)]),
        mod("Elixir.MapSet", exports=[("__struct__", 0)]),
        mod(f"{proto}.MapSet"),
    )
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert closure.modules[f"{proto}.MapSet"] == Reason("protocol", proto, "MapSet")


def test_erlang_module_exporting_struct_is_not_a_struct() -> None:
    proto = "Elixir.Inspect"
    available = lib(
        mod("app", calls=[(proto, "inspect", 2), ("recs", "f", 0)]),
        mod(proto, exports=[("__protocol__", 1)]),
        mod("recs", exports=[("__struct__", 0)]),
        mod(f"{proto}.recs"),
    )
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert f"{proto}.recs" not in closure.modules


def test_drop_excludes_and_records_who_wanted_it() -> None:
    available = lib(
        mod("app", calls=[("compile", "file", 1), ("a", "f", 0)]),
        mod("a", calls=[("compile", "forms", 2), ("v3_core", "x", 0)]),
        mod("compile", calls=[("v3_core", "module", 2)]),
        mod("v3_core"),
    )
    closure = compute(available, ["app"], NO_NATIVE, Policy(drop=("compile", "v3_*")))
    assert set(closure.modules) == {"app", "a"}
    assert closure.dropped == {"compile": {"app", "a"}, "v3_core": {"a"}}
    # A dropped module's own calls are never followed, so it never wants anything.
    assert all("compile" not in wanted for wanted in closure.dropped.values())


def test_dropped_protocol_implementation_is_recorded() -> None:
    proto = "Elixir.Inspect"
    available = lib(
        mod("app", calls=[(proto, "inspect", 2)]),
        mod(proto, exports=[("__protocol__", 1)]),
        mod(f"{proto}.Regex"),
        mod(f"{proto}.Atom"),
    )
    closure = compute(available, ["app"], NO_NATIVE, Policy(drop=(f"{proto}.Atom",)))
    assert f"{proto}.Atom" not in closure.modules
    assert closure.dropped == {f"{proto}.Atom": {proto}}


def test_keep_wins_over_drop_and_adds_roots() -> None:
    available = lib(
        mod("app", calls=[("inet_parse", "f", 0), ("inet_db", "g", 0)]),
        mod("inet_parse", calls=[("extra", "h", 0)]),
        mod("inet_db"),
        mod("inet_config"),  # nobody calls it
        mod("extra"),
        mod("stray"),
    )
    policy = Policy(keep=("inet_parse", "stray"), drop=("inet*",))
    assert policy.drops("inet_db") and not policy.drops("inet_parse") and not policy.drops("app")
    closure = compute(available, ["app"], NO_NATIVE, policy)
    assert "inet_db" not in closure.modules and closure.dropped == {"inet_db": {"app"}}
    assert "inet_config" not in closure.modules
    # Kept modules are packed from the start (reason "keep") even if something also calls them,
    # and their own calls are followed.
    assert closure.modules["inet_parse"] == Reason("keep")
    assert closure.modules["stray"] == Reason("keep")
    assert closure.modules["extra"] == Reason("call", "inet_parse", "h/0")


def test_keep_globs_match_available_modules() -> None:
    available = lib(mod("app"), mod("Elixir.Blog.A"), mod("Elixir.Blog.B"), mod("Elixir.Other"))
    closure = compute(available, ["app"], NO_NATIVE, Policy(keep=("Elixir.Blog.*", "nothing_*")))
    assert set(closure.modules) == {"app", "Elixir.Blog.A", "Elixir.Blog.B"}


def test_root_is_packed_even_if_dropped() -> None:
    available = lib(mod("compile"))
    closure = compute(available, ["compile"], NO_NATIVE, Policy(drop=("compile",)))
    assert closure.modules == {"compile": Reason("root")}


def test_missing_root_raises() -> None:
    with pytest.raises(KeyError, match="nope"):
        compute(lib(mod("app")), ["app", "nope"], NO_NATIVE, Policy())


def test_vm_modules_are_never_edges_unless_provided() -> None:
    available = lib(mod("app", calls=[("init", "get_argument", 1), ("prim_file", "read", 1), ("gen", "reply", 2)]),
                    mod("gen"))
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert set(closure.modules) == {"app", "gen"}


# ---- restrict: the recorded run's modules only ----

def test_restrict_keeps_what_a_run_loaded_plus_roots_and_keep() -> None:
    available = lib(
        mod("app", calls=[("a", "f", 0), ("b", "g", 0)], origin="app"),
        mod("a", calls=[("big", "h", 0)]),
        mod("b"),
        mod("big"),
        mod("kept"),
    )
    static = compute(available, ["app"], NO_NATIVE, Policy(keep=("kept",)))
    assert set(static.modules) == {"app", "a", "b", "big", "kept"}
    restricted = restrict(static, frozenset({"a", "not_in_closure"}), Policy(keep=("kept",)))
    assert set(restricted.modules) == {"app", "a", "kept"}
    # What was left out keeps the edge that made it reachable, for `wasmblog why`.
    assert restricted.unused == {"b": Reason("call", "app", "g/0"), "big": Reason("call", "a", "h/0")}


def test_restrict_keeps_every_implementation_of_a_kept_protocol_with_what_it_calls() -> None:
    """A recorded run that inspected only lists must not leave Inspect.Map out: dispatch depends on data."""
    available = lib(
        mod("app", calls=[("Elixir.Inspect", "inspect", 2)], origin="app"),
        mod("Elixir.Inspect", exports=[("__protocol__", 1)]),
        mod("Elixir.Inspect.List"),
        mod("Elixir.Inspect.Map", calls=[("Elixir.Inspect.Algebra", "concat", 1)]),
        mod("Elixir.Inspect.Algebra"),
        mod("Elixir.Enumerable", exports=[("__protocol__", 1)]),
        mod("Elixir.Enumerable.Map"),
        mod("lonely"),
        mod("user_of_enumerable", calls=[("Elixir.Enumerable", "count", 1), ("lonely", "f", 0)]),
    )
    static = compute(available, ["app", "user_of_enumerable"], NO_NATIVE, Policy())
    assert static.implementations["Elixir.Inspect"] == {"Elixir.Inspect.List", "Elixir.Inspect.Map"}
    restricted = restrict(static, frozenset({"Elixir.Inspect", "Elixir.Inspect.List"}), Policy())
    assert set(restricted.modules) == {"app", "user_of_enumerable", "Elixir.Inspect", "Elixir.Inspect.List",
                                       "Elixir.Inspect.Map", "Elixir.Inspect.Algebra"}
    # A protocol no run loaded keeps nothing: its implementations and what else went unused stay out.
    assert {"Elixir.Enumerable", "Elixir.Enumerable.Map", "lonely"} <= set(restricted.unused)


def test_restrict_honours_keep_globs_for_modules_reached_by_calls() -> None:
    available = lib(mod("app", calls=[("Elixir.Blog.A", "f", 0)]), mod("Elixir.Blog.A"))
    static = compute(available, ["app"], NO_NATIVE, Policy())
    restricted = restrict(static, frozenset(), Policy(keep=("Elixir.Blog.*",)))
    assert set(restricted.modules) == {"app", "Elixir.Blog.A"} and restricted.unused == {}


def test_a_struct_named_only_in_a_literal_is_followed_with_its_protocol_implementations() -> None:
    # `%Date.Range{first: ...}` with constant fields: the module name is in the literal table only.
    available = lib(
        mod("app", calls=[("Elixir.Enumerable", "reduce", 3)], literal_atoms={"Elixir.Date.Range", "plain"}),
        mod("Elixir.Enumerable", exports=[("__protocol__", 1)]),
        mod("Elixir.Date.Range", exports=[("__struct__", 0)]),
        mod("Elixir.Enumerable.Date.Range"),
    )
    closure = compute(available, ["app"], NO_NATIVE, Policy())
    assert closure.modules["Elixir.Date.Range"] == Reason("atom", "app")
    assert closure.modules["Elixir.Enumerable.Date.Range"] == Reason("protocol", "Elixir.Enumerable", "Date.Range")


def test_allowed_modules_escape_the_drop_patterns_but_are_not_forced_in() -> None:
    available = lib(mod("app", calls=[("elixir_aliases", "concat", 1)]), mod("elixir_aliases"), mod("elixir_config"))
    policy = Policy(drop=("elixir_*",), allow=frozenset({"elixir_aliases", "elixir_config"}))
    closure = compute(available, ["app"], NO_NATIVE, policy)
    assert set(closure.modules) == {"app", "elixir_aliases"}
