"""Calls the cannot-run search does not walk into, each for a reason.

A static call graph sees every clause of a function, so without these nearly every app function
would "reach" something:
- building an exception may print a deprecation warning, and a warning may format a stack trace:
  these run once a call has already failed (or to warn about the app's own code);
- some library clauses run only for a value the app must make itself: `String.split/2` runs a
  regular expression only when given a `%Regex{}`, `gen` talks to `global` only for a
  `{:global, name}`. Such a call is followed only from the app's own code (`Regex.run/2` in
  the app is found; `String.split(text, ~r/,/)` is not);
- a few calls are guarded by a test a call graph cannot see: made only for a process on another
  node, which this VM never has, or only on Windows.
"""

from __future__ import annotations

from pytest_wasmblog.bundle.callgraph import ModuleCalls

Node = tuple[str, str, int]

# Diagnostics: warnings and crash reports go to standard error through these; io_lib asks the
# code server which modules are loaded, and a task describes its exit reason, only after a
# failure.
_DIAGNOSTICS = {("Elixir.IO", "warn"), ("Elixir.IO", "warn_once"), ("proc_lib", "crash_report"),
                ("io_lib", "test_modules_loaded"), ("Elixir.Task.Supervised", "get_reason")}
_DIAGNOSTIC_MODULES = ("elixir_errors",)
# What every Elixir exception module exports (defexception): building or describing an exception.
_EXCEPTION_FUNCTIONS = {("exception", 1), ("message", 1)}
# Modules library code reaches only for a value of theirs that the app passes in.
_VALUE_DISPATCHED = frozenset({"Elixir.Regex", "global"})
# (caller, callee) calls behind a guard: for an I/O server or a process on another node
# (`node(Pid) =:= node()`; io:format's own call to net_kernel is still followed), or for a
# volume-relative path ("c:foo"), which only Windows has.
_GUARDED = {
    (("io", "io_request", 2), ("net_kernel", "dflag_unicode_io", 1)),
    # bc_req (which asks net_kernel) serves format and write requests only, and put_chars (IO.puts)
    # shares io_request with them: followed, it would name every function that prints. The price:
    # io:format's call to net_kernel, which this VM lacks, is not reported.
    (("io", "io_request", 2), ("io", "bc_req", 3)),
    (("proc_lib", "proc_info", 2), ("rpc", "call", 4)),
    (("Elixir.Path", "absname_vr", 3), ("file", "get_cwd", 1)),
}


def is_exception_module(calls: ModuleCalls) -> bool:
    exported = {key for key, f in calls.functions.items() if f.exported}
    return {("__struct__", 0), ("exception", 1), ("message", 1)} <= exported


def walks_into(module: str, function: str, arity: int, calls: ModuleCalls) -> bool:
    """False for diagnostics and for an exception's construction or message."""
    if (module, function) in _DIAGNOSTICS or module in _DIAGNOSTIC_MODULES:
        return False
    return not ((function, arity) in _EXCEPTION_FUNCTIONS and is_exception_module(calls))


def follows(caller: Node, callee: Node, app_modules: frozenset[str]) -> bool:
    """False for a library call made only for a value of the callee's, or behind a guard."""
    if (caller, callee) in _GUARDED:
        return False
    return callee[0] not in _VALUE_DISPATCHED or caller[0] in app_modules
