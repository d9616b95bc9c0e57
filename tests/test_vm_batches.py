"""The batch runner against a stand-in VM: which job a VM death is blamed on, and the one retry."""

from __future__ import annotations

from typing import Any, cast

from pytest_wasmblog.app import CallResult, PopcornApp
from pytest_wasmblog.vm_batches import BatchRunner, Job


class ScriptedVM:
    """Answers jobs as `behaviour` says: "ok", "die" (every time), or "die_once" (the first time only).
    A death prints the start markers of the jobs run so far, as the real VM's stdout does."""

    def __init__(self, behaviour: dict[str, str]) -> None:
        self.behaviour = behaviour
        self.died: set[str] = set()
        self.stdout: list[str] = []
        self.boots = 1

    def call(self, request: dict[str, Any], timeout_s: float) -> CallResult:
        answers = []
        for *_args, job_id in request["demo"]:
            self.stdout.append(f"wasmblog-demo: start {job_id}")
            kind = self.behaviour.get(job_id, "ok")
            if kind == "die" or (kind == "die_once" and job_id not in self.died):
                self.died.add(job_id)
                raise TimeoutError(f"the VM died running {job_id}")
            answers.append([job_id, f"answer {job_id}"])
        return CallResult(True, {"ok": True, "value": answers}, None, None, 1.0)

    def snapshot(self) -> dict[str, Any]:
        return {"fatal": {"line": "Aborted(native code called abort())"}, "stdout": list(self.stdout), "stderr": []}

    def reload(self) -> ScriptedVM:
        self.boots += 1
        self.stdout = []
        return self

    def evaluate(self, script: str) -> None:
        return None

    def close(self) -> None:
        return None


def _runner(vm: ScriptedVM) -> BatchRunner:
    return BatchRunner("demo", lambda: cast(PopcornApp, vm), batch_size=3)


def test_jobs_run_in_batches_on_one_vm() -> None:
    vm = ScriptedVM({})
    runner = _runner(vm)
    jobs = [Job(f"j{i}", ("m", "f")) for i in range(7)]
    assert runner.result(jobs[0], jobs[1:]).value == "answer j0"
    assert [runner.results[j.id].value for j in jobs] == [f"answer j{i}" for i in range(7)]
    assert vm.boots == 1


def test_a_job_that_kills_the_vm_twice_is_blamed_and_the_rest_still_run() -> None:
    vm = ScriptedVM({"j1": "die"})
    runner = _runner(vm)
    jobs = [Job(f"j{i}", ("m", "f")) for i in range(4)]
    runner.run(jobs)
    assert runner.results["j1"].crash == "Aborted(native code called abort())"
    assert [runner.results[j].value for j in ("j0", "j2", "j3")] == ["answer j0", "answer j2", "answer j3"]
    assert vm.boots == 3  # the first death, the retry's death


def test_a_vm_that_dies_once_is_not_blamed_on_the_job_but_kept_in_its_result() -> None:
    vm = ScriptedVM({"j2": "die_once"})
    runner = _runner(vm)
    runner.run([Job(f"j{i}", ("m", "f")) for i in range(4)])
    result = runner.results["j2"]
    assert result.crash is None and result.value == "answer j2"
    assert result.first_crash == "Aborted(native code called abort())"
    assert runner.results["j3"].first_crash is None
