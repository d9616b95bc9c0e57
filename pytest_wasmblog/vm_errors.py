"""Errors about the VM and the bridge, each carrying the VM's own output."""

from __future__ import annotations

from pytest_wasmblog import missing_module
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.site_report import SiteReport


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


# The messages are built here, one function per fault, so the README's troubleshooting section
# (pytest_wasmblog.troubleshooting) is generated from the very text a failing test shows.

def vm_stopped_while_booting(url: str, fatal_line: str, stdout: list[str], stderr: list[str],
                             report: SiteReport | None = None) -> VMCrashError:
    """`report`: the served site's build report, which says why a missing module was left out."""
    return VMCrashError(f"the VM stopped while booting {url}: {fatal_line}", stdout, stderr,
                        fix=_boot_fix(fatal_line, report))


def _boot_fix(fatal_line: str, report: SiteReport | None) -> str:
    if "CRASH REPORT" in fatal_line:
        return "the start module raised (the exception and stacktrace are above)"
    if fatal_line.startswith("Return value:"):
        return ("the start module's start/0 returned, and the VM stops when it does: keep the start "
                "process alive (PytestWasmblog.Bridge.start_and_wait/1 does)")
    return missing_module.fix_for(fatal_line, report) or "read the VM output above"


def page_threw_while_booting(url: str, page_error: str, stdout: list[str], stderr: list[str]) -> VMCrashError:
    return VMCrashError(f"the page threw while booting {url}: {page_error}", stdout, stderr,
                        fix="check that the page loads popcorn.mjs and awaits Popcorn.init()")


def not_isolated(url: str, stdout: list[str], stderr: list[str], header_problems: list[str] | None = None,
                 ) -> NotIsolatedError:
    summary = (f"{url} is not cross-origin isolated, so SharedArrayBuffer is missing and the AtomVM runtime "
               "(a pthreads build) cannot start")
    if header_problems:
        summary += f"; the server sent {'; '.join(header_problems)}"
    return NotIsolatedError(
        summary, stdout, stderr,
        fix="serve every response with Cross-Origin-Opener-Policy: same-origin and "
        "Cross-Origin-Embedder-Policy: require-corp (the plugin's server does unless "
        "--wasm-isolation=none); use the `isolation` fixture to see which header is missing",
    )


def boot_timed_out(url: str, timeout_s: float, announced: bool, exposed: bool, stdout: list[str],
                   stderr: list[str]) -> BootTimeoutError:
    missing = "" if announced else "the app never sent popcorn_app_ready; "
    unexposed = "" if exposed else "the page never set window.popcorn; "
    return BootTimeoutError(
        f"the app at {url} was not ready after {timeout_s:.0f} s: {missing}{unexposed}".rstrip("; "),
        stdout, stderr,
        fix="the start module must register a process and announce it with "
        "Module.sendEvent('popcorn_app_ready', {name}); the page must set window.popcorn "
        "to the instance Popcorn.init() resolves to",
    )


def missing_site_files(paths: list[str], url: str, stdout: list[str], stderr: list[str]) -> MissingSiteFileError:
    return MissingSiteFileError(
        f"the server answered 404 for {', '.join(paths)} while {url} booted", stdout, stderr,
        fix="the built site is incomplete: rebuild it (`wasmblog build SITE`) or copy Popcorn's "
        "dist/ files (AtomVM.wasm, AtomVM.mjs, popcorn.mjs, ...) and the .avm bundle next to the page")


def vm_died_during_call(call: str, fatal_line: str, stdout: list[str], stderr: list[str],
                        report: SiteReport | None = None, called: str | None = None) -> VMCrashError:
    """`called`: the function a bridge call applied (`Elixir.Reach.Files:read/1`), if it was one."""
    fix = missing_module.fix_for(fatal_line, report, called) or (
        "the VM's stderr above has the cause; a process that does not exist makes Popcorn reload the VM, "
        "and an argument near 100 KB aborts it")
    return VMCrashError(f"the VM died during the call {call}: {fatal_line}", stdout, stderr,
                        fix=fix + ". The next test that needs the app gets a new VM")


def call_timed_out(call: str, timeout_s: float, stdout: list[str], stderr: list[str]) -> CallTimeoutError:
    return CallTimeoutError(
        f"the call {call} got no answer within {timeout_s:.1f} s", stdout, stderr,
        fix="the receiver must answer every call once with emscripten:promise_resolve/2; "
        "raise the limit with --wasm-call-timeout or the call's timeout argument",
    )


def payload_too_large(size: int, limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"the call's arguments are {size:,} bytes of JSON, over the {limit:,}-byte limit: "
        "Popcorn 0.3.3's VM aborts (segmentation fault) on payloads of about 100 KB. Fix: send less per "
        "call (split the data, or let the app fetch it from the site); --wasm-max-payload changes the limit"
    )


class BridgeError(WasmblogError):
    """The page or the bridge answered something the harness cannot use."""


class ElixirError(WasmblogError):
    """An Elixir exception (or throw/exit) raised by a call made through the test bridge."""

    def __init__(self, kind: str, exception: str | None, message: str, stacktrace: list[list[object]],
                 cannot_run: str = "") -> None:
        """`cannot_run`: what the call reached that this VM cannot run (pytest_wasmblog.cannot_run_hint)."""
        self.kind = kind
        self.exception = exception.removeprefix("Elixir.") if exception else None
        self.message = message
        self.stacktrace = stacktrace
        self.cannot_run = cannot_run
        head = f"** ({self.exception}) {message}" if self.exception else f"** ({kind}) {message}"
        frames = "\n".join(f"    {_frame(f)}" for f in stacktrace)
        notes = "".join(f"\n  Cannot run in this VM: {line}" for line in cannot_run.splitlines())
        if notes:
            notes += "\n  Fix: the code that reaches it must not run in the VM (keep it on the server side)"
        super().__init__(head + notes + (f"\n{frames}" if frames else ""))


def _frame(frame: list[object]) -> str:
    module, function, arity, file, line = (list(frame) + [None] * 5)[:5]
    name = str(module).removeprefix("Elixir.")
    where = f" ({file}:{line})" if file else ""
    return f"{name}.{function}/{arity}{where}"
