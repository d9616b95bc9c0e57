"""Node compiling a WebAssembly module: the check that a stripped runtime is still valid wasm."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from missing import missing

_COMPILE = "WebAssembly.compile(require('fs').readFileSync(process.argv[1])).then(() => console.log('ok'))"


def node_compiles(wasm: Path) -> subprocess.CompletedProcess[str]:
    """Node's verdict on `wasm`: stdout "ok" when it compiles, the CompileError on stderr when not."""
    node = shutil.which("node")
    if node is None:
        missing("node is not on PATH (apt-get install npm brings it)")
    return subprocess.run([node, "-e", _COMPILE, str(wasm)], capture_output=True, text=True, timeout=120, check=False)
