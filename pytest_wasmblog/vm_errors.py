"""Errors about the VM and the bridge, each carrying the VM's own output."""

from __future__ import annotations

from pytest_wasmblog.errors import WasmblogError


def _tail(lines: list[str], count: int = 30) -> str:
    shown = lines[-count:]
    return "\n".join(f"    {line}" for line in shown) or "    (nothing)"


class VMError(WasmblogError):
    """The VM crashed, aborted or never became ready."""

    def __init__(self, summary: str, stdout: list[str], stderr: list[str], fix: str = "") -> None:
        text = f"{summary}\n  VM stderr (last lines):\n{_tail(stderr)}\n  VM stdout (last lines):\n{_tail(stdout)}"
        if fix:
            text += f"\n  Fix: {fix}"
        super().__init__(text)
        self.summary = summary
        self.fix = fix
        self.stdout = stdout
        self.stderr = stderr


class VMCrashError(VMError):
    pass


class NotIsolatedError(VMCrashError):
    """The page is not cross-origin isolated, so the VM (a pthreads build) cannot start."""


class BootTimeoutError(VMError):
    pass


class MissingSiteFileError(VMCrashError):
    """The runtime or the bundle is not where the page looks for it (404)."""


class CallTimeoutError(VMError):
    pass


class PayloadTooLargeError(WasmblogError, ValueError):
    """A call's arguments are larger than the VM takes; refused before they are sent."""


class BridgeError(WasmblogError):
    """The page or the bridge answered something the harness cannot use."""


class ElixirError(WasmblogError):
    """An Elixir exception (or throw/exit) raised by a call made through the test bridge."""

    def __init__(self, kind: str, exception: str | None, message: str, stacktrace: list[list[object]]) -> None:
        self.kind = kind
        self.exception = exception.removeprefix("Elixir.") if exception else None
        self.message = message
        self.stacktrace = stacktrace
        head = f"** ({self.exception}) {message}" if self.exception else f"** ({kind}) {message}"
        frames = "\n".join(f"    {_frame(f)}" for f in stacktrace)
        super().__init__(head + (f"\n{frames}" if frames else ""))


def _frame(frame: list[object]) -> str:
    module, function, arity, file, line = (list(frame) + [None] * 5)[:5]
    name = str(module).removeprefix("Elixir.")
    where = f" ({file}:{line})" if file else ""
    return f"{name}.{function}/{arity}{where}"
