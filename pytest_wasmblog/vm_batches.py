"""Jobs run in one engine's VM in batches: many per bridge call, one VM while it lives.

The conformance suite's examples and an app's ExUnit tests are both jobs: a bundle whose start
module answers `{KIND: [[arg, ..., id], ...], "timeout_ms": N, "max_reply_bytes": M, ...}` with
`[[id, result], ...]`, printing `wasmblog-KIND: start ID` before each job. A job that kills the VM
is found from the last such line before the VM's fatal line: it is recorded as crashing, a new VM
boots, and the run goes on with the jobs after it (the others of that batch run again, since their
answers were lost with the VM). A job is blamed only when it kills a fresh VM a second time: WebKit's
VM aborts now and then on its own, and one abort must not fail whichever job happened to be running.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_wasmblog.app import PopcornApp
from pytest_wasmblog.boot import boot_app, launch_browser, serve_site, unavailable
from pytest_wasmblog.browsers.base import BrowserSession
from pytest_wasmblog.errors import BrowserLaunchError, BrowserNotFoundError, WasmblogError
from pytest_wasmblog.link import Link
from pytest_wasmblog.server import StaticSiteServer
from pytest_wasmblog.state import WasmSession
from pytest_wasmblog.vm_errors import VMError


@dataclass(frozen=True)
class Job:
    id: str
    args: tuple[str, ...]  # what the VM side needs to run it, before the id


@dataclass(frozen=True)
class JobResult:
    value: Any = None  # what the VM answered for the job
    crash: str | None = None  # why the VM died while running it, twice
    first_crash: str | None = None  # a VM death while running it that a retry on a new VM did not repeat


class BatchRunner:
    """The jobs' results on one engine, computed batch by batch as tests ask for them."""

    def __init__(self, kind: str, boot: Callable[[], PopcornApp], *, job_timeout_ms: int = 5000,
                 batch_size: int = 50, max_reply_bytes: int = 30_000, request: Mapping[str, Any] | None = None) -> None:
        self.kind = kind
        self.marker = f"wasmblog-{kind}: start "
        self.boot = boot
        self.job_timeout_ms = job_timeout_ms
        self.batch_size = batch_size
        self.max_reply_bytes = max_reply_bytes
        self.request = dict(request or {})  # more fields every batch carries
        self.results: dict[str, JobResult] = {}
        self._crashed_once: dict[str, str] = {}  # job id -> why the VM died the first time
        self._app: PopcornApp | None = None

    def result(self, job: Job, upcoming: Sequence[Job]) -> JobResult:
        """The result of `job`; runs it now, together with the `upcoming` ones, if not run yet."""
        if job.id not in self.results:
            self.run([job, *(j for j in upcoming if j.id not in self.results and j.id != job.id)])
        return self.results[job.id]

    def run(self, jobs: Sequence[Job]) -> None:
        pending = deque(jobs)
        while pending:
            batch = [pending.popleft() for _ in range(min(self.batch_size, len(pending)))]
            if not self._run_batch(batch):  # never loop on a VM that answers nothing
                self.results[batch[0].id] = JobResult(crash="the VM answered the batch without running it")
            pending.extendleft(reversed([j for j in batch if j.id not in self.results]))

    def _run_batch(self, batch: list[Job]) -> bool:
        """Run what the VM can of `batch`; False when nothing came of it."""
        try:
            app = self._current_app()
        except (WasmblogError, TimeoutError) as exc:  # the engine cannot boot: every job says why
            for job in batch:
                self.results[job.id] = JobResult(crash=f"the VM did not boot: {first_line(exc)}")
            return True
        request = {
            **self.request,
            self.kind: [[*job.args, job.id] for job in batch],
            "timeout_ms": self.job_timeout_ms,
            "max_reply_bytes": self.max_reply_bytes,
        }
        try:
            reply = app.call(request, timeout_s=len(batch) * self.job_timeout_ms / 1000 + 10)
        except (VMError, TimeoutError) as exc:
            self._crashed(batch, *self._why(app, exc))
            return True
        value = reply.data.get("value") if reply.ok and isinstance(reply.data, dict) else None
        if not isinstance(value, list):
            detail = reply.data if reply.ok else f"{reply.error_code}: {reply.error_message}"
            self._crashed(batch, f"the {self.kind} bridge answered {str(detail)[:300]}", [])
            return True
        for job_id, result in value:
            self.results[job_id] = JobResult(result, first_crash=self._crashed_once.get(job_id))
        return bool(value)

    @staticmethod
    def _why(app: PopcornApp, exc: Exception) -> tuple[str, list[str]]:
        """The VM's own last words (the line that made the probe call it dead, and stderr's tail), and
        the stdout printed before that line: its last marker names the job that was running."""
        try:
            state = app.snapshot()
        except Exception:  # noqa: BLE001 - a page that cannot answer says nothing more
            return first_line(exc), list(getattr(exc, "stdout", None) or [])
        fatal = state.get("fatal") or {}
        line = fatal.get("line") or first_line(exc)
        stderr = [text for text in state.get("stderr", [])[-3:] if text not in line]
        stdout = list(state.get("stdout", []))
        if isinstance(fatal.get("stdoutAt"), int):
            stdout = stdout[:fatal["stdoutAt"]]
        return " / ".join([line, *stderr])[:800], stdout

    def _crashed(self, batch: list[Job], why: str, stdout: list[str]) -> None:
        """Blame the job whose start marker came last before the VM's fatal line. That may be one of
        an earlier batch, which returned and then killed the VM (a process it left behind)."""
        started = [line[len(self.marker):].strip() for line in stdout if line.startswith(self.marker)]
        culprit = started[-1] if started else batch[0].id
        if culprit not in {j.id for j in batch} and culprit not in self.results:
            culprit = batch[0].id
        if culprit in {j.id for j in batch} and culprit not in self._crashed_once:
            self._crashed_once[culprit] = why  # run it again first on the new VM: blamed if it dies again
        else:
            self.results[culprit] = JobResult(crash=why)
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


@dataclass
class EngineJobs:
    """One engine's jobs in item order, and its browser, server and VM, made when its first job runs
    and closed after its last: the items of one engine share one VM."""

    name: str
    kind: str
    runner_options: dict[str, Any] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    position: dict[str, int] = field(default_factory=dict)
    runner: BatchRunner | None = None
    browser: BrowserSession | None = None
    server: StaticSiteServer | None = None
    unavailable: str | None = None

    def add(self, job: Job) -> None:
        self.position[job.id] = len(self.jobs)
        self.jobs.append(job)

    def result(self, job: Job, session: WasmSession, dist: Path, ahead: int) -> JobResult:
        """Runs `job` (and up to `ahead` of the jobs after it) in this engine's VM; a missing browser
        skips or fails the calling test as the session's settings say."""
        runner = self._runner(session, dist)
        start = self.position.get(job.id, 0) + 1
        result = runner.result(job, self.jobs[start:start + ahead])
        if start >= len(self.jobs):  # the engine's last job: free its browser now
            self.close()
        return result

    def _runner(self, session: WasmSession, dist: Path) -> BatchRunner:
        if self.unavailable is not None:
            unavailable(session.settings, self.unavailable)
        if self.runner is None:
            try:
                browser = self.browser = launch_browser(self.name, session)
            except BrowserNotFoundError as exc:
                self.unavailable = str(exc)
                unavailable(session.settings, self.unavailable)
            except BrowserLaunchError as exc:
                self.unavailable = str(exc)
                pytest.fail(self.unavailable, pytrace=False)
            server = self.server = serve_site(dist, session, Link())
            self.runner = BatchRunner(self.kind, lambda: boot_app(browser, server, session), **self.runner_options)
        return self.runner

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
        if self.server is not None:
            self.server.stop()
        if self.browser is not None:
            self.browser.close()
        self.runner = self.server = self.browser = None


def _tolerate_crash_reports(app: PopcornApp) -> PopcornApp:
    """Jobs crash processes on purpose (a test of a supervisor, an Agent with a failing init), and the
    host logs that too: a crash report is the VM's output here, not its death."""
    app.evaluate("async () => window.__wasmblog.tolerate('CRASH REPORT')")
    return app


def first_line(exc: BaseException) -> str:
    summary = getattr(exc, "summary", None) or str(exc)
    return str(summary).splitlines()[0][:500] if summary else type(exc).__name__
