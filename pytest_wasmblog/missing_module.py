"""The fix for "module X cannot be resolved" (and "function m:f/a cannot be resolved"): right for
what X is.

`keep` (or the used_modules list) is suggested only for a module that exists, can run here and
was left out of the bundle. A module that does not exist is likely a typo; one that is part of the
VM itself, or that cannot run in a browser (files, sockets, the compiler, ...), is named with the
reason, and the code calling it must not run in the VM. The site's build report, when there is
one, says why the module was left out and which app functions reach what cannot run.
"""

from __future__ import annotations

import re

from pytest_wasmblog.bundle import known_modules
from pytest_wasmblog.bundle.cannot_run import WHY, classify_call, classify_module
from pytest_wasmblog.bundle.names import display_mfa, module_name, parse_mfa
from pytest_wasmblog.site_report import CannotRunFinding, SiteReport

_UNRESOLVED = re.compile(r"module (?P<module>\S+?) cannot be resolved")
_UNRESOLVED_FUNCTION = re.compile(r"function (?P<mfa>\S+?:\S+/\d+) cannot be resolved")
_SHOWN_FINDINGS = 3


def unresolved_module(fatal_line: str) -> str | None:
    """`Warning: module file cannot be resolved.` -> `file`."""
    found = _UNRESOLVED.search(fatal_line)
    return found["module"] if found else None


def fix_for(fatal_line: str, report: SiteReport | None = None, called: str | None = None) -> str | None:
    """The fix for a VM that died on a module or function it could not resolve; None for other deaths."""
    module = unresolved_module(fatal_line)
    if module is not None:
        return fix(module, report, called)
    function = _UNRESOLVED_FUNCTION.search(fatal_line)
    return function_fix(function["mfa"], report, called) if function else None


def function_fix(mfa: str, report: SiteReport | None = None, called: str | None = None) -> str:
    """A module the VM has (or is) lacks a function: `erlang:port_close/1`."""
    parsed = parse_mfa(mfa)
    shown = display_mfa(mfa)
    if parsed is None:
        return f"the VM has no {shown}"
    module, function, arity = parsed
    findings = _relevant([f for f in report.findings if f.target == mfa] if report else [], called)
    # The VM could not find it, so no NIF answers it: classify it as missing.
    kind = classify_call(module, function, arity, frozenset())
    if kind is not None and kind != "vm":
        return _with(findings, f"{shown} cannot run in this VM: {WHY[kind]}. The code that calls it must not run "
                               "in the VM")
    if module == "erlang" or kind == "vm":
        return _with(findings, f"this VM has no {shown} (neither among its NIFs nor in the project's erlang "
                               "shim). The code that calls it cannot run in the VM")
    return _with(findings, f"the bundled {module_name(module)} has no {shown}: a typo in the calling code, or "
                           "code written for another Erlang/OTP or Elixir version")


def fix(module: str, report: SiteReport | None = None, called: str | None = None) -> str:
    """`called`: the function the failing bridge call applied (`Elixir.Reach.Files:read/1`), if known."""
    findings = _relevant(report.findings_into(module) if report else [], called)
    verdict = classify_module(module)
    name = module_name(module)
    if verdict.kind == "vm":
        missing = ", ".join(sorted({display_mfa(f.target) for f in findings}))
        lacks = f"it has no {missing}" if missing else "it lacks what the code calls"
        return _with(findings, f"{name} is part of the BEAM runtime, which this VM provides only in part: "
                               f"{lacks}. The code that calls it cannot run in the VM")
    if verdict.kind == "cannot_run" or (verdict.kind == "mixed" and findings):
        why = findings[0].why if findings else verdict.why.partition(": ")[2]
        return _with(findings, f"{name} cannot run in this VM: {why}. The code that calls it must not run in "
                               f"the VM (do not add {name} to `keep`: it would fail there too)")
    app = known_modules.application(module, report.app_modules if report else frozenset())
    if app == "":
        return (f"module {name} does not exist: it is neither in the app nor in the host's Erlang/OTP and "
                "Elixir. A typo in the calling code? A dependency's sources go in [bundle] sources")
    if app is not None and app != "app" and app not in known_modules.BUNDLED_APPS:
        return (f"{name} belongs to the {app} application, which bundles do not draw on (only Elixir's elixir "
                f"and OTP's {' and '.join(sorted(known_modules.BUNDLED_APPS - {'elixir'}))}): avoid it in code that "
                "runs in the VM, or put its sources in [bundle] sources")
    left_out = _why_left_out(module, report)
    if verdict.kind == "mixed":
        return (f"{name} {left_out}. Some of its functions cannot run in this VM ({verdict.why}); if the "
                f"call needs one of the others, add {module} to `keep` in wasmblog.toml")
    if report is None:
        where = "to `keep` in wasmblog.toml, or to the [bundle] used_modules list if the site has one"
    elif module in report.unused:
        where = "to the [bundle] used_modules list"
    else:
        where = "to `keep` in wasmblog.toml"
    return f"{name} {left_out}: add {module} {where} (`wasmblog why SITE {module}` says why it was left out)"


def _relevant(findings: list[CannotRunFinding], called: str | None) -> list[CannotRunFinding]:
    """The called function's findings first; else every app function's that reaches the module."""
    own = [f for f in findings if f.function == called]
    return (own or findings)[:_SHOWN_FINDINGS]


def _with(findings: list[CannotRunFinding], text: str) -> str:
    if not findings:
        return text
    return text + ". From the build report: " + "; ".join(f.line() for f in findings)


def _why_left_out(module: str, report: SiteReport | None) -> str:
    if report is None:
        return "is not in the bundle"
    if module in report.unused:
        return "is not in the bundle: no recorded run loaded it ([bundle] used_modules)"
    wanted = report.dropped.get(module)
    if wanted:
        return f"is left out of the bundle by the drop list (wanted by {', '.join(wanted[:3])})"
    return ("is not in the bundle: nothing calls it by name, so the build could not see it was needed "
            "(a call through a variable module or apply)")

