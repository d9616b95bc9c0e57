"""A note for the Elixir error a bridge call got because it reached what this VM cannot run:
the site's build report knows which functions the called one reaches, and an undefined function
may be one no browser VM can have (a port, a file, the compiler, ...)."""

from __future__ import annotations

import re

from pytest_wasmblog.bundle.cannot_run import WHY, classify_call
from pytest_wasmblog.bundle.config import module_atom
from pytest_wasmblog.bundle.names import function_name
from pytest_wasmblog.site_report import SiteReport

_UNDEFINED = re.compile(r"function (?P<module>\S+)\.(?P<function>[^.\s/]+)/(?P<arity>\d+) is undefined")
_SHOWN = 3


def hint(exception: str | None, message: str, called: str | None, report: SiteReport | None) -> str:
    """Lines to add to the error; empty when nothing is known."""
    lines: list[str] = []
    undefined = _UNDEFINED.search(message) if exception == "UndefinedFunctionError" else None
    if undefined:
        module = module_atom(undefined["module"].removeprefix(":"))
        arity = int(undefined["arity"])
        # Undefined here means the VM lacks it: no NIF set is needed to say so.
        kind = classify_call(module, undefined["function"], arity, frozenset())
        if kind is not None:
            lines.append(f"{function_name(module, undefined['function'], arity)} cannot run in this VM: {WHY[kind]}")
    if report is not None and called is not None:
        lines.extend(f.line() for f in report.findings_for(called)[:_SHOWN])
    return "\n".join(lines)
