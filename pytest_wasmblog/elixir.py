"""Call Elixir functions in the browser through the VM-side test bridge (PytestWasmblog.Bridge)."""

from __future__ import annotations

from typing import Any

from pytest_wasmblog import terms
from pytest_wasmblog.app import PopcornApp, applied_function
from pytest_wasmblog.bundle.config import module_atom
from pytest_wasmblog.bundle.names import function_name
from pytest_wasmblog.cannot_run_hint import hint
from pytest_wasmblog.vm_errors import BridgeError, ElixirError


class ElixirBridge:
    """`elixir.apply("Blog.Posts", "get", ["hello-world"])` runs in the VM and returns a Python value.

    Module names starting with an uppercase letter are Elixir aliases; others are Erlang modules
    (`"lists"`). Only modules the bundle's bridge allows can be called.
    """

    def __init__(self, app: PopcornApp) -> None:
        self.app = app

    def apply(self, module: str, function: str, args: list[Any] | None = None, timeout_s: float | None = None) -> Any:
        encoded = terms.encode(list(args or []), path="args")
        request = {"bridge": "apply", "module": module, "function": function, "args": encoded}
        result = self.app.call(request, timeout_s)
        if not result.ok:
            raise BridgeError(
                f"{module}.{function} could not be called: {result.error_code}: {result.error_message}. "
                "Is PytestWasmblog.Bridge the receiver (test_bridge = true in wasmblog.toml)?"
            )
        reply = result.data
        if not isinstance(reply, dict) or "ok" not in reply:
            raise BridgeError(f"the receiver answered {reply!r}, not a bridge reply; is PytestWasmblog.Bridge running?")
        if reply["ok"]:
            return terms.decode(reply.get("value"))
        exception, message = reply.get("exception"), missing_nif_message(str(reply.get("message", "")))
        called = applied_function(request)
        raise ElixirError(
            kind=str(reply.get("kind", "error")),
            exception=exception,
            message=message,
            stacktrace=list(reply.get("stacktrace") or []),
            cannot_run=hint(exception.removeprefix("Elixir.") if exception else None, message, called,
                            self.app.report()),
        )

    def ping(self) -> bool:
        result = self.app.call({"bridge": "ping"})
        return bool(result.ok and isinstance(result.data, dict) and result.data.get("value") == "pong")


def missing_nif_message(message: str) -> str:
    """The bridge says `nif_not_available_in_wasm ets:select_count/2` for a NIF placeholder the build
    replaced (the VM has no implementation); the sentence is built here, not in every bundle."""
    prefix = "nif_not_available_in_wasm "
    if not message.startswith(prefix):
        return message
    module, _, function = message.removeprefix(prefix).partition(":")
    name, _, arity = function.rpartition("/")
    label = function_name(module_atom(module), name, int(arity)) if arity.isdigit() else message
    return (f"{label} is not available in this VM: BEAM implements it in C (a NIF) and this VM has no "
            "implementation of it (nif_not_available_in_wasm)")
