"""A conformance example as a VM job (`vm_batches`), and what the VM answered for it.

The conformance bundle's start module (vm/conformance/app.ex) runs `[module, function, id]` jobs
and answers each with the example's observations (see `WasmblogConformance.Runner`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_wasmblog.conformance.suite import Example
from pytest_wasmblog.vm_batches import Job, JobResult

KIND = "conformance"


@dataclass(frozen=True)
class VMResult:
    observations: tuple[tuple[str, ...], ...] = ()
    crash: str | None = None  # why the VM died while running this example


def job(example: Example) -> Job:
    assert example.vm_function is not None, f"{example.id} has no compiled function: it is not run in the VM"
    return Job(example.id, (example.vm_module, example.vm_function))


def vm_result(result: JobResult) -> VMResult:
    if result.crash is not None:
        return VMResult(crash=result.crash)
    return VMResult(tuple(tuple(o) for o in result.value))
