"""What a conformance run found, gathered from the items' reports: pass rates and the JSON report.

The rate of an engine is the share of the examples that pass on the host (classes `compared`,
`prints`, `clock`, `random`, `nondeterministic`) that pass in that engine's VM; known failures
count as failures, since the VM does fail them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_wasmblog.atomic import write_atomically
from pytest_wasmblog.conformance.suite import Suite

FORMAT = "pytest-wasmblog-conformance/1"
_PROPERTY = "wasm_conformance"


@dataclass
class Outcome:
    vm: str  # passed | failed | not_checked
    pytest: str  # passed | failed | skipped, and xfailed / xpassed
    seconds: float
    detail: str


@dataclass
class Collected:
    """Per (example, engine): what happened; filled from each item's call-phase report."""

    outcomes: dict[tuple[str, str], Outcome] = field(default_factory=dict)

    def add(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not (report.when == "setup" and report.skipped):
            return
        for name, value in report.user_properties:
            if name == _PROPERTY:
                data = json.loads(str(value))
                # The item's own duration: it includes the boots, reboots and batches it waited for.
                self.outcomes[(data["example"], data["engine"])] = Outcome(
                    data["vm"], _pytest_outcome(report), report.duration if report.when == "call" else 0.0,
                    data["detail"])

    def engines(self) -> list[str]:
        return sorted({engine for _, engine in self.outcomes if engine != "host"})

    def summary(self, suite: Suite) -> Summary:
        return Summary(suite, self)


def _pytest_outcome(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "xpassed" if report.passed else "xfailed"
    return report.outcome


@dataclass
class EngineRate:
    engine: str
    checked: int  # examples passing on the host that this run asked the VM about
    passed: int
    known: int  # failing, and listed as known failures
    new: int  # failing, not listed
    seconds: float

    @property
    def rate(self) -> float:
        return self.passed / self.checked if self.checked else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"checked": self.checked, "passed": self.passed, "failed_known": self.known,
                "failed_new": self.new, "rate": round(self.rate, 4), "seconds": round(self.seconds, 1)}


class Summary:
    def __init__(self, suite: Suite, collected: Collected) -> None:
        self.suite = suite
        counts = suite.counts()
        self.extracted = len(suite.examples)
        self.host_passing = sum(counts.get(k, 0) for k in ("compared", "prints", "clock", "random", "nondeterministic"))
        self.counts = counts
        self.rates = [self._rate(engine, collected) for engine in collected.engines()]

    @staticmethod
    def _rate(engine: str, collected: Collected) -> EngineRate:
        mine = [o for (_, e), o in collected.outcomes.items() if e == engine and o.vm != "not_checked"]
        passed = sum(1 for o in mine if o.vm == "passed")
        known = sum(1 for o in mine if o.vm == "failed" and o.pytest == "xfailed")
        return EngineRate(engine, len(mine), passed, known, len(mine) - passed - known, sum(o.seconds for o in mine))

    def lines(self) -> list[str]:
        c = self.counts
        lines = [
            (f"Elixir {self.suite.elixir} docs on OTP {self.suite.otp}: {self.extracted} examples from "
            f"{len(self.suite.modules)} modules"),
            (f"  host: {self.host_passing} pass ({c.get('compared', 0)} compared exactly, {c.get('prints', 0)} with "
            f"their output, {sum(c.get(k, 0) for k in ('clock', 'random', 'nondeterministic'))} by shape as they "
            f"vary); {c.get('host_fails', 0)} fail on the host; {c.get('does_not_compile', 0)} are not valid code "
            "outside IEx"),
        ]
        for r in self.rates:
            lines.append(f"  {r.engine}: {r.passed} of {r.checked} pass in the VM ({r.rate:.1%}); "
                         f"{r.known} known failures, {r.new} new; {r.seconds:.0f} s")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {"extracted": self.extracted, "host_passing": self.host_passing, "classes": self.counts,
                "engines": {r.engine: r.to_json() for r in self.rates}}


def write(path: Path, suite: Suite, collected: Collected, summary: Summary) -> Path:
    examples = []
    for example in suite.examples:
        engines = {engine: {"vm": o.vm, "pytest": o.pytest, "seconds": o.seconds, "detail": o.detail}
                   for (example_id, engine), o in sorted(collected.outcomes.items())
                   if example_id == example.id and engine != "host"}
        examples.append({"id": example.id, "module": example.module, "doc": example.doc, "class": example.klass,
                         "reason": example.reason, "engines": engines})
    data = {"format": FORMAT, "elixir": suite.elixir, "otp": suite.otp, "modules": list(suite.modules),
            "summary": summary.to_json(), "examples": examples}
    return write_atomically(path, json.dumps(data, indent=1).encode())
