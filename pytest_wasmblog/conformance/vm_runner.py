"""Runs conformance examples in one engine's VM: many per bridge call, one VM while it lives.

An example that kills the VM (an abort, a missing module, a crash report) is found from the
`wasmblog-conformance: start ID` line the VM printed before running it: it is recorded as
crashing, a new VM boots, and the run goes on with the examples after it (the others of that
batch run again, since their answers were lost with the VM).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pytest_wasmblog.app import PopcornApp
from pytest_wasmblog.conformance.suite import Example
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.vm_errors import VMError

MARKER = "wasmblog-conformance: start "


@dataclass(frozen=True)
class VMResult:
    observations: tuple[tuple[str, ...], ...] = ()
    crash: str | None = None  # why the VM died while running this example


class EngineRunner:
    """The examples' results on one engine, computed batch by batch as tests ask for them."""

    def __init__(self, engine: str, boot: Callable[[], PopcornApp], *, example_timeout_ms: int = 5000,
                 batch_size: int = 50, max_reply_bytes: int = 30_000) -> None:
        self.engine = engine
        self.boot = boot
        self.example_timeout_ms = example_timeout_ms
        self.batch_size = batch_size
        self.max_reply_bytes = max_reply_bytes
        self.results: dict[str, VMResult] = {}
        self._app: PopcornApp | None = None

    def result(self, example: Example, upcoming: Sequence[Example]) -> VMResult:
        """The result of `example`; runs it now, together with the `upcoming` ones, if not run yet."""
        if example.id not in self.results:
            self.run([example, *(e for e in upcoming if e.id not in self.results and e.id != example.id)])
        return self.results[example.id]

    def run(self, examples: Sequence[Example]) -> None:
        pending = deque(e for e in examples if e.vm_function is not None)
        while pending:
            batch = [pending.popleft() for _ in range(min(self.batch_size, len(pending)))]
            if not self._run_batch(batch):  # never loop on a VM that answers nothing
                self.results[batch[0].id] = VMResult(crash="the VM answered the batch without running it")
            pending.extendleft(reversed([e for e in batch if e.id not in self.results]))

    def _run_batch(self, batch: list[Example]) -> bool:
        """Run what the VM can of `batch`; False when nothing came of it."""
        try:
            app = self._current_app()
        except (WasmblogError, TimeoutError) as exc:  # the engine cannot boot: every example says why
            for example in batch:
                self.results[example.id] = VMResult(crash=f"the VM did not boot: {_first_line(exc)}")
            return True
        request = {
            "conformance": [[e.vm_module, e.vm_function, e.id] for e in batch],
            "timeout_ms": self.example_timeout_ms,
            "max_reply_bytes": self.max_reply_bytes,
        }
        try:
            reply = app.call(request, timeout_s=len(batch) * self.example_timeout_ms / 1000 + 10)
        except (VMError, TimeoutError) as exc:
            self._crashed(batch, *self._why(app, exc))
            return True
        value = reply.data.get("value") if reply.ok and isinstance(reply.data, dict) else None
        if not isinstance(value, list):
            detail = reply.data if reply.ok else f"{reply.error_code}: {reply.error_message}"
            self._crashed(batch, f"the conformance bridge answered {str(detail)[:300]}", [])
            return True
        for example_id, observations in value:
            self.results[example_id] = VMResult(tuple(tuple(o) for o in observations))
        return bool(value)

    @staticmethod
    def _why(app: PopcornApp, exc: Exception) -> tuple[str, list[str]]:
        """The VM's own last words (the line that made the probe call it dead, and stderr's tail), and
        the stdout printed before that line: its last marker names the example that was running."""
        try:
            state = app.snapshot()
        except Exception:  # noqa: BLE001 - a page that cannot answer says nothing more
            return _first_line(exc), list(getattr(exc, "stdout", None) or [])
        fatal = state.get("fatal") or {}
        line = fatal.get("line") or _first_line(exc)
        stderr = [text for text in state.get("stderr", [])[-3:] if text not in line]
        stdout = list(state.get("stdout", []))
        if isinstance(fatal.get("stdoutAt"), int):
            stdout = stdout[:fatal["stdoutAt"]]
        return " / ".join([line, *stderr])[:800], stdout

    def _crashed(self, batch: list[Example], why: str, stdout: list[str]) -> None:
        """Blame the example whose start marker came last before the VM's fatal line. That may be one
        of an earlier batch, which returned and then killed the VM (a process it left behind)."""
        started = [line[len(MARKER):].strip() for line in stdout if line.startswith(MARKER)]
        culprit = started[-1] if started else batch[0].id
        if culprit not in {e.id for e in batch} and culprit not in self.results:
            culprit = batch[0].id
        self.results[culprit] = VMResult(crash=why)
        self._reboot()

    def _reboot(self) -> None:
        """A new VM: the page loaded again from the browser's cache (fast), or a new page if that fails."""
        if self._app is not None:
            try:
                _tolerate_crash_reports(self._app.reload())
                return
            except (WasmblogError, TimeoutError):
                self.close()

    def _current_app(self) -> PopcornApp:
        if self._app is None:
            self._app = _tolerate_crash_reports(self.boot())
        return self._app

    def close(self) -> None:
        if self._app is not None:
            try:
                self._app.close()
            finally:
                self._app = None


def _tolerate_crash_reports(app: PopcornApp) -> PopcornApp:
    """Examples crash processes on purpose (Agent.start_link/2 with a failing init), and the host logs
    that too: a crash report is the VM's output here, not its death."""
    app.evaluate("async () => window.__wasmblog.tolerate('CRASH REPORT')")
    return app


def _first_line(exc: BaseException) -> str:
    summary = getattr(exc, "summary", None) or str(exc)
    return str(summary).splitlines()[0][:500] if summary else type(exc).__name__
