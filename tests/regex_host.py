"""The VM's `re` shim on the host: re.erl compiled as `wasmblog_re_host` with its JavaScript
in Node (tests/regex_node_harness.js), run beside the host's real `re` (tests/regex_compare.erl).
No browser: the translator and the Erlang half are checked against real PCRE in seconds."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from missing import missing, require_tools

from pytest_wasmblog.bundle import js_header
from pytest_wasmblog.bundle.rebuild import SHIMS_DIR

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Atom:
    name: str


@dataclass(frozen=True)
class Chars:
    """An Erlang charlist (a list of code points), where `str` means a UTF-8 binary."""
    text: str


Term = object  # str (UTF-8 binary), bytes, int, Atom, Chars, tuple, list


def erl(term: Term) -> str:
    """Erlang source text for a term."""
    if isinstance(term, bool):
        return "true" if term else "false"
    if isinstance(term, int):
        return str(term)
    if isinstance(term, Atom):
        return "'" + term.name.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(term, str):
        return erl(term.encode())
    if isinstance(term, bytes):
        return "<<" + ",".join(str(b) for b in term) + ">>"
    if isinstance(term, Chars):
        return "[" + ",".join(str(ord(c)) for c in term.text) + "]"
    if isinstance(term, tuple):
        return "{" + ",".join(erl(t) for t in term) + "}"
    if isinstance(term, list):
        return "[" + ",".join(erl(t) for t in term) + "]"
    raise TypeError(f"no Erlang form for {term!r}")


@dataclass(frozen=True)
class Outcome:
    same: bool
    host: str
    shim: str


def build_shim(work: Path) -> Path:
    """An ebin folder with wasmblog_re_host (the shim for Node) and regex_compare."""
    require_tools("erl", "erlc")
    if shutil.which("node") is None:
        missing("node is not on PATH (apt-get install npm brings it)")
    work.mkdir(parents=True, exist_ok=True)
    js_header.write_headers(SHIMS_DIR, work)
    source = (SHIMS_DIR / "re.erl").read_text().replace("-module(re).", "-module(wasmblog_re_host).", 1)
    (work / "wasmblog_re_host.erl").write_text(source)
    subprocess.run(["erlc", "-DWASMBLOG_HOST_TEST", "-I", str(work), "-o", str(work),
                    str(work / "wasmblog_re_host.erl"), str(HERE / "regex_compare.erl")],
                   check=True, capture_output=True, text=True)
    return work


def compare(ebin: Path, cases: Sequence[tuple[str, str, list[Term]]]) -> dict[str, Outcome]:
    """Each case (id, function, args) run by the host's re and by the shim."""
    cases_file = ebin / "cases.eterm"
    cases_file.write_text("".join(f"{{{erl(case_id)}, {function}, {erl(args)}}}.\n"
                                  for case_id, function, args in cases))
    env = {**os.environ, "WASMBLOG_RE_NODE": str(shutil.which("node")),
           "WASMBLOG_RE_HARNESS": str(HERE / "regex_node_harness.js")}
    done = subprocess.run(["erl", "-noshell", "-pa", str(ebin), "-run", "regex_compare", "main", str(cases_file)],
                          check=True, capture_output=True, text=True, env=env, timeout=600,
                          cwd=ebin)  # where a crash dump would go
    outcomes: dict[str, Outcome] = {}
    for line in done.stdout.splitlines():
        case_id, same, host, shim = line.split(" ")
        outcomes[case_id] = Outcome(same == "same", _text(host), _text(shim))
    return outcomes


def _text(b64: str) -> str:
    return base64.b64decode(b64).decode()


def node_translate(pattern: str, options: list[str]) -> dict[str, object]:
    """What re.js makes of a pattern: the JavaScript source, flags, groups and names."""
    node = shutil.which("node")
    if node is None:
        missing("node is not on PATH (apt-get install npm brings it)")
    script = ("require(process.argv[1]);"
              "console.log(JSON.stringify(globalThis.__wasmblogRe.translate(process.argv[2], JSON.parse(process.argv[3]))))")
    done = subprocess.run([node, "-e", script, str(SHIMS_DIR / "re.js"), pattern, json.dumps(options)],
                          check=True, capture_output=True, text=True, timeout=60)
    result: dict[str, object] = json.loads(done.stdout)
    return result
