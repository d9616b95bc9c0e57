"""What the browser VM cannot run, and why, in words a user understands.

Two questions, answered from names alone (no beams needed, so the test plugin can ask too):
- `classify_call`: is a call to `m:f/a` one this VM can never answer (a file, a port, a socket,
  the compiler, a part of the BEAM runtime it lacks)? The build names the app functions that reach
  one (bundle/reach.py).
- `classify_module`: when the VM says "module X cannot be resolved", is X a module that cannot run
  here at all, one that is part of the VM itself, one of which only some functions cannot run, or
  an ordinary module the bundle left out (for size)?

NIF placeholders (functions BEAM implements in C) are found in the beams themselves, not here.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Literal

Kind = Literal["ports", "files", "network", "distribution", "vm", "nif", "compiler"]

# The label names the family; the text says why a browser VM cannot do it.
LABELS: dict[Kind, str] = {
    "ports": "ports and OS processes",
    "files": "files",
    "network": "sockets and networking",
    "distribution": "distribution",
    "vm": "VM internals",
    "nif": "NIF",
    "compiler": "code compiled at run time",
}
WHY: dict[Kind, str] = {
    "ports": "a browser cannot start programs or open ports",
    "files": "a browser has no file system",
    "network": "a browser page cannot open sockets",
    "distribution": "this VM is a single node, with no other nodes to reach",
    "vm": "it is part of the BEAM runtime system, which this VM does not provide",
    "nif": "BEAM implements it in C (a NIF) and this VM has no implementation of it",
    "compiler": "the Erlang and Elixir compilers are never in a bundle",
}


def reason(kind: Kind) -> str:
    """`files: a browser has no file system`, as build-report.json records it."""
    return f"{LABELS[kind]}: {WHY[kind]}"


_SHOWN_VIA = 4  # intermediates a line names before it elides the middle of a chain


def sentence(function: str, target: str, via: list[str], why: str) -> str:
    """`MyApp.Files.read/1 calls :file.read_file/1 (through File.read/1), which this VM cannot run: ...`,
    from names already shown the Elixir way."""
    if len(via) > _SHOWN_VIA:
        via = [*via[: _SHOWN_VIA - 1], "...", via[-1]]
    through = f" (through {', '.join(via)})" if via else ""
    return f"{function} calls {target}{through}, which this VM cannot run: {why}"


# Whole modules none of whose functions can run here (beyond what the VM answers natively).
_MODULES: dict[Kind, tuple[str, ...]] = {
    "files": ("prim_file", "filelib", "file_io_server", "file_server", "raw_file_io*", "ram_file",
              "disk_log*", "dets*", "erl_prim_loader"),
    "network": ("gen_tcp", "gen_tcp_socket", "gen_udp", "gen_udp_socket", "gen_sctp", "socket", "socket_registry",
                "prim_inet", "prim_socket", "prim_net", "net", "inet_tcp", "inet6_tcp", "inet_udp", "inet6_udp",
                "inet_sctp", "inet6_sctp", "inet_res", "inet_db", "inet_config", "inet_hosts", "inet_gethost_native",
                "local_tcp", "local_udp", "ssl", "ssl_*", "tls_*", "dtls_*", "httpc", "httpc_*", "httpd", "httpd_*",
                "inets", "ftp", "tftp", "tftp_*"),
    "distribution": ("net_kernel", "rpc", "erpc", "global", "global_group", "net_adm", "erl_epmd", "auth",
                     "dist_util", "dist_ac", "erl_distribution", "*_dist", "slave", "peer"),
    "ports": ("Elixir.Port",),
    "vm": ("erts_internal", "init", "prim_eval", "prim_zip", "prim_buffer", "erts_code_purger", "zlib",
           "atomvm", "console", "emscripten", "code", "code_server", "heart", "erl_init",
           "erts_literal_area_collector", "erts_dirty_process_signal_handler", "otp_ring0"),
    "compiler": ("compile", "erl_eval", "erl_lint", "erl_compile", "escript", "v3_*", "beam_a", "beam_asm",
                 "beam_block", "beam_clean", "beam_core_to_ssa", "beam_dict", "beam_jump", "beam_kernel_to_ssa",
                 "beam_ssa*", "beam_trim", "beam_types", "beam_utils", "beam_validator", "beam_z", "sys_core_*",
                 "sys_pre_*", "core_*", "cerl*", "elixir_compiler", "elixir_erl", "elixir_erl_*", "elixir_module",
                 "elixir_expand", "elixir_lexical", "Elixir.Kernel.ParallelCompiler", "Elixir.Kernel.ErrorHandler"),
}
# The VM's own modules: a missing function there is the VM's, never a module to pack.
_VM_OWN = ("erlang", "erts_internal", "init", "prim_*", "erl_prim_loader", "erts_code_purger", "zlib",
           "atomvm", "console", "emscripten")

# Modules of which only some functions cannot run; the rest are pure and run when packed.
_PURE_FILE = {("native_name_encoding", 0), ("format_error", 1)}
_PURE_INET = {"ntoa", "parse_address", "parse_strict_address", "parse_ipv4_address", "parse_ipv4strict_address",
              "parse_ipv6_address", "parse_ipv6strict_address", "is_ip_address", "is_ipv4_address",
              "is_ipv6_address", "ipv4_mapped_ipv6_address", "format_error"}
# The parser (Code.string_to_quoted) and the formatter are pure: left out for size, not here.
_ELIXIR_CODE_COMPILER = ("eval_*", "compile_*", "require_file", "load_file", "purge_compiler_modules")
_MIXED: dict[str, str] = {
    "file": "its functions that touch files (all but format_error/1 and native_name_encoding/0)",
    "inet": "its functions that use sockets or name resolution (parse_address/1, ntoa/1 and the like are pure)",
    "Elixir.Code": "Code.eval_*, Code.compile_* and Code.require_file need the compiler "
                   "(Code.ensure_loaded?/1 and the like run)",
    "Elixir.Module": "Module.create/3 needs the compiler (Module.concat/1 and friends run)",
    "elixir": "its eval and compile functions need the compiler",
    "os": "os:cmd/1,2 starts a program",
}

# BIFs of the BEAM runtime that live outside the erlang module (io:format reaches this one).
_ERTS_BIFS = {("net_kernel", "dflag_unicode_io", 1)}
# erlang functions that talk to other nodes.
_DISTRIBUTION_BIFS = {("monitor_node", 2), ("monitor_node", 3), ("disconnect_node", 1), ("spawn", 2), ("spawn", 4),
                      ("spawn_link", 2), ("spawn_link", 4), ("spawn_monitor", 2), ("spawn_monitor", 4),
                      ("spawn_opt", 3), ("spawn_opt", 5), ("set_cookie", 1), ("set_cookie", 2),
                      ("get_cookie", 0), ("get_cookie", 1), ("setnode", 2), ("setnode", 3)}


def _matches(module: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(module, p) for p in patterns)


def whole_module_kind(module: str) -> Kind | None:
    """The kind of a module none of whose functions can run here, if it is one."""
    for kind, patterns in _MODULES.items():
        if _matches(module, patterns):
            return kind
    return None


def classify_call(module: str, function: str, arity: int | None, native: frozenset[str],
                  erlang_shim: frozenset[tuple[str, int]] = frozenset()) -> Kind | None:
    """Why a call to `module:function/arity` can never be answered here, or None if it can be.

    `native`: the `m:f/a` names the VM implements; `erlang_shim`: what the project's erlang module
    adds. `arity` None: a function applied with an unknown number of arguments.
    """
    mfa = f"{module}:{function}/{arity}"
    if module == "erlang":
        if (function, arity) == ("open_port", 2) or (function.startswith("port_") and function != "port_to_list") \
                or (function, arity) == ("ports", 0):
            return "ports"  # the VM has open_port/2, for its own drivers only: it answers badarg
        if mfa in native or (arity is not None and (function, arity) in erlang_shim):
            return None
        return "distribution" if (function, arity) in _DISTRIBUTION_BIFS else "vm"
    if module == "os" and function == "cmd":
        return "ports"
    if mfa in native:
        return None
    if (module, function, arity) in _ERTS_BIFS:
        return "vm"
    kind = whole_module_kind(module)
    if kind is not None:
        return kind
    if module == "file" and (function, arity) not in _PURE_FILE:
        return "files"
    if module == "inet" and function not in _PURE_INET:
        return "network"
    if module == "Elixir.Code" and any(fnmatch.fnmatchcase(function, p) for p in _ELIXIR_CODE_COMPILER):
        return "compiler"
    if (module, function) in (("Elixir.Module", "create"), ("elixir", "eval_forms"), ("elixir", "eval_quoted"),
                              ("elixir", "compile_quoted")) or (module == "elixir" and function.startswith("eval")):
        return "compiler"
    return None


ModuleClass = Literal["cannot_run", "vm", "mixed", "ordinary"]


@dataclass(frozen=True)
class ModuleVerdict:
    """What a module name means for a bundle: `ordinary` modules can be packed and run."""

    module: str
    kind: ModuleClass
    why: str = ""


def classify_module(module: str) -> ModuleVerdict:
    if module in _MIXED:
        return ModuleVerdict(module, "mixed", _MIXED[module])
    if _matches(module, _VM_OWN):
        return ModuleVerdict(module, "vm", WHY["vm"])
    kind = whole_module_kind(module)
    if kind == "vm":
        return ModuleVerdict(module, "vm", WHY["vm"])
    if kind is not None:
        return ModuleVerdict(module, "cannot_run", reason(kind))
    return ModuleVerdict(module, "ordinary")
