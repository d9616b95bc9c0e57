"""One ExUnit test in one browser's VM, judged against the same test on the host.

The host's outcome is the reference: a test that passes on the host and fails in the VM (or the
other way round) is a divergence, reported with both outcomes. A test that fails in both places
is an ordinary failure, shown with the VM's own ExUnit text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_wasmblog.exunit.project import HostResult

FAILED_STATES = ("failed", "invalid")


@dataclass(frozen=True)
class VMTestResult:
    state: str  # passed, failed, invalid (setup_all failed), crashed (the VM died)
    message: str = ""
    time_us: int = 0
    output: str = ""  # what the test printed in the VM

    @classmethod
    def from_job(cls, value: Any, crash: str | None) -> VMTestResult:
        if crash is not None:
            return cls("crashed", f"the VM died running it: {crash}")
        if not isinstance(value, dict) or value.get("state") not in ("passed", "failed", "invalid"):
            return cls("crashed", f"the test bundle answered {str(value)[:300]}")
        return cls(value["state"], str(value.get("message") or ""), int(value.get("time_us") or 0),
                   str(value.get("output") or ""))


@dataclass(frozen=True)
class Verdict:
    passed: bool
    divergence: bool = False
    message: str = ""


def judge(engine: str, host: HostResult, vm: VMTestResult) -> Verdict:
    host_failed = host.state in FAILED_STATES
    if vm.state == "passed":
        if not host_failed:
            return Verdict(True)
        return Verdict(False, True, f"fails on host; passes in {engine}\n\non host:\n{host.message.rstrip()}")
    where = "fails on host and" if host_failed else "passes on host;"
    return Verdict(False, not host_failed,
                   f"{where} in {engine}: {headline(vm.message)}\n\nin {engine}:\n{vm.message.rstrip()}")


def headline(message: str) -> str:
    """The line that says what went wrong, past ExUnit's `1) test ... (Module)` and location lines."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if len(lines) >= 3 and lines[0].startswith("1) "):
        lines = lines[2:]
    return lines[0] if lines else "(no message)"
