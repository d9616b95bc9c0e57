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


class PageSetupError(VMError):
    """The page does not start Popcorn the way the harness needs (README, "Using it on your own Popcorn site")."""


class PopcornNotExposedError(PageSetupError):
    """Popcorn announced the app ready but the page did not put the instance in window.popcorn."""


class PopcornInitError(PageSetupError):
    """Popcorn.init() failed, which a browser may not report (WebKit: a rejected top-level await)."""


class NoPageScriptError(PageSetupError):
    """No script of the page ran (it has none, or each failed to load), so nothing starts Popcorn."""


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


# README, "Using it on your own Popcorn site", step 1 (a test keeps the two in step).
EXPOSE_POPCORN_JS = (
    'import { Popcorn } from "./popcorn.mjs";\n'
    "window.popcorn = await Popcorn.init({ onStdout: console.log, onStderr: console.warn });"
)
_ANNOUNCE_FIX = ("the start module must register a process and announce it with "
                 "Module.sendEvent('popcorn_app_ready', {name}) (PytestWasmblog.Bridge.start_and_wait/1 does)")


def _step_1(lead: str) -> str:
    code = "\n".join(f"      {line}" for line in EXPOSE_POPCORN_JS.splitlines())
    return f"{lead}, as the README's step 1 shows:\n{code}"


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s"


def boot_timed_out(url: str, timeout_s: float, stdout: list[str], stderr: list[str], *, announced: bool = False,
                   popcorn: str = "undefined", frame_at_ms: float | None = None,
                   heartbeat_at_ms: float | None = None) -> BootTimeoutError:
    """What the probe saw by the deadline (times in ms of the page's clock): when Popcorn created its
    VM iframe, and when that iframe last sent its heartbeat (only once the runtime runs)."""
    head = f"the app at {url} was not ready after {timeout_s:.0f} s"
    if announced:
        summary, fix = (f"{head}: the app sent popcorn_app_ready but the page never set window.popcorn "
                        f"(it is {popcorn})"), _step_1("expose the instance Popcorn.init() resolves to")
    elif frame_at_ms is None:
        summary = (f"{head}: no VM iframe appeared: the page did not call Popcorn.init() (or init() never got "
                   "as far as creating it)")
        fix = _step_1("the page must load popcorn.mjs and call Popcorn.init() while it loads")
    elif heartbeat_at_ms is None:
        summary = (f"{head}: Popcorn created the VM iframe {_seconds(frame_at_ms)} after navigation, "
                   "but the runtime in it never started (no heartbeat)")
        fix = ("the runtime files did not arrive or did not start in the iframe: the test's artifacts show "
               "the requests the server answered (requests.json) and the console; on a throttled network "
               "raise --wasm-boot-timeout (or boot_timeout_s)")
    else:
        summary = (f"{head}: the VM runs (Popcorn's iframe sends its heartbeat) but the app never sent "
                   "popcorn_app_ready")
        fix = _ANNOUNCE_FIX
    return BootTimeoutError(summary, stdout, stderr, fix=fix)


_POPCORN_IS = {
    "undefined": "the page had not set window.popcorn (it is undefined)",
    "null": "window.popcorn was still null",
    "promise": "window.popcorn is a Promise: the page assigned Popcorn.init() without awaiting it",
    "function": "window.popcorn is a function (the Popcorn class?), not the instance Popcorn.init() resolves to",
}


def popcorn_not_exposed(url: str, popcorn: str, ready_at_ms: float, grace_s: float, stdout: list[str],
                        stderr: list[str]) -> PopcornNotExposedError:
    """`popcorn`: what window.popcorn held, as the probe names it ("undefined", "promise", "function", ...)."""
    what = _POPCORN_IS.get(popcorn, f"window.popcorn is a {popcorn} with no call() method, not the instance "
                                    "Popcorn.init() resolves to")
    return PopcornNotExposedError(
        f"the app at {url} announced it was ready ({_seconds(ready_at_ms)} after navigation), but "
        f"{grace_s:g} s later {what}",
        stdout, stderr, fix=_step_1("set window.popcorn to the instance Popcorn.init() resolves to, as soon as "
                                    "it resolves"))


def popcorn_frame_removed(url: str, stdout: list[str], stderr: list[str]) -> PopcornInitError:
    return PopcornInitError(
        f"Popcorn's VM iframe is not in the document of {url}: Popcorn.init() failed and removed it, or the "
        "container it was given is not in the page", stdout, stderr,
        fix="the page's console has init()'s error (WebKit reports no page error for a rejected top-level "
        "await); give Popcorn.init() a container element that is in the document, or none")


def bundle_not_found(url: str, probes: list[str], stdout: list[str], stderr: list[str]) -> PopcornInitError:
    """`probes`: Popcorn's HEAD requests for the bundle and how they failed ("/bundle.avm: 404")."""
    return PopcornInitError(
        f"Popcorn.init() found no bundle for {url}: its HEAD requests failed ({'; '.join(probes)}), so it "
        "rejects with bundle_not_found", stdout, stderr,
        fix="put the bundle at /bundle.avm (`wasmblog build` does) or pass its path: "
        "Popcorn.init({ bundlePaths: [...] }), which a page that boots offline needs anyway (no service-worker "
        "cache answers Popcorn's HEAD requests)")


def page_runs_no_script(url: str, failed: list[str], stdout: list[str], stderr: list[str]) -> NoPageScriptError:
    """`failed`: the page's scripts that failed to load (URLs, or how an inline one is written)."""
    if failed:
        summary = (f"no script of {url} ran: {', '.join(failed)} failed to load, so nothing calls Popcorn.init()")
        lead = ("check that each script (and every module it imports) is in the built site at the path the "
                "page asks for; the page must load popcorn.mjs and expose the instance")
    else:
        summary = f"{url} has no script (besides the plugin's probe), so nothing calls Popcorn.init()"
        lead = "the page must load popcorn.mjs and expose the instance"
    return NoPageScriptError(summary, stdout, stderr, fix=_step_1(lead))


def missing_site_files(paths: list[str], url: str, stdout: list[str], stderr: list[str]) -> MissingSiteFileError:
    fix = ("the built site is incomplete: rebuild it (`wasmblog build SITE`) or copy Popcorn's "
           "dist/ files (AtomVM.wasm, AtomVM.mjs, popcorn.mjs, ...) and the .avm bundle next to the page")
    scripts = [path for path in paths if path.endswith((".js", ".mjs"))]
    if scripts:
        # A script the page names itself may simply be misspelt (popcorn.js for popcorn.mjs).
        fix += f"; or correct the path the page asks for ({', '.join(scripts)}: a <script src> or an import)"
    return MissingSiteFileError(f"the server answered 404 for {', '.join(paths)} while {url} booted", stdout,
                                stderr, fix=fix)


def vm_died_during_call(call: str, fatal_line: str, stdout: list[str], stderr: list[str],
                        report: SiteReport | None = None, called: str | None = None) -> VMCrashError:
    """`called`: the function a bridge call applied (`Elixir.Reach.Files:read/1`), if it was one."""
    fix = missing_module.fix_for(fatal_line, report, called) or (
        "the VM's stderr above has the cause; a call to a process that does not exist, or whose receiver "
        "crashes, returns or drops the call without answering, makes Popcorn reload the VM, and an argument "
        "near 100 KB aborts it")
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
