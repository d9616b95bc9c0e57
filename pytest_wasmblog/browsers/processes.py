"""Helper processes the plugin starts (Xvfb, WebDriver servers): stopped on close, and at exit
even when the run was interrupted, so none outlives pytest."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import threading
from pathlib import Path

_lock = threading.Lock()
_running: list[subprocess.Popen[bytes]] = []
_foreign: set[int] = set()  # pids started by libraries, killed at exit if still tracked


def start(command: list[str], env: dict[str, str] | None = None, log: Path | None = None) -> subprocess.Popen[bytes]:
    """Start a helper in its own process group (so its children go with it) and track it. With `log`, its
    output goes to that file (a chatty server would fill a pipe nobody reads and stall)."""
    if log is not None:
        with log.open("ab") as output:
            process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                       stderr=subprocess.STDOUT, start_new_session=True)
    else:
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
    with _lock:
        _running.append(process)
    return process


def stop(process: subprocess.Popen[bytes], grace_s: float = 3) -> None:
    with _lock:
        if process in _running:
            _running.remove(process)
    if process.poll() is not None:
        return
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait(grace_s)


def track(pid: int) -> None:
    """Track a process started by a library (e.g. Selenium's driver service) for the exit sweep."""
    with _lock:
        _foreign.add(pid)


def untrack(pid: int) -> None:
    with _lock:
        _foreign.discard(pid)


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@atexit.register
def stop_all() -> None:
    with _lock:
        running, foreign = list(_running), set(_foreign)
    for process in running:
        stop(process, grace_s=1)
    for pid in foreign:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _terminate_cleanly(signum: int, frame: object) -> None:
    # SIGTERM would end Python without atexit; turn it into an orderly exit.
    raise SystemExit(128 + signum)


if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _terminate_cleanly)
