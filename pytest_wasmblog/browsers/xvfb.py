"""A virtual X display for WebKitGTK, one per pytest-xdist worker (WebKit needs a display,
and without one WebDriver session creation hangs)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from ..errors import BrowserLaunchError
from . import processes

_SOCKET_DIR = "/tmp/.X11-unix"


def worker_index() -> int:
    """0 outside xdist; N for worker gwN."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = worker.removeprefix("gw")
    return int(digits) if digits.isdigit() else 0


def display_in_use(number: int) -> bool:
    return os.path.exists(f"/tmp/.X{number}-lock") or os.path.exists(f"{_SOCKET_DIR}/X{number}")


def _lock_pid(number: int) -> int | None:
    """The pid of the X server that holds display `number` (its lock file), if readable."""
    try:
        with open(f"/tmp/.X{number}-lock") as lock:
            return int(lock.read().strip())
    except (OSError, ValueError):
        return None


class Xvfb:
    def __init__(self, first_display: int | None = None, start_timeout_s: float = 10) -> None:
        # Workers search disjoint ranges so two never race for the same number.
        self.first_display = first_display if first_display is not None else 100 + 20 * worker_index()
        self.start_timeout_s = start_timeout_s
        self.number: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def display(self) -> str:
        if self.number is None:
            raise BrowserLaunchError("webkit", None, "the virtual display is not started")
        return f":{self.number}"

    def start(self) -> Xvfb:
        executable = shutil.which("Xvfb")
        if executable is None:
            raise BrowserLaunchError("webkit", "Xvfb", "WebKitGTK needs an X display and `Xvfb` is not installed "
                                     "(apt-get install xvfb), and no DISPLAY was given")
        last_error = ""
        for number in range(self.first_display, self.first_display + 20):
            if display_in_use(number):
                continue
            process = processes.start([executable, f":{number}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"])
            deadline = time.monotonic() + self.start_timeout_s
            while time.monotonic() < deadline:
                # The socket may be another server's that took the number first (its lock holds its pid).
                if os.path.exists(f"{_SOCKET_DIR}/X{number}") and _lock_pid(number) == process.pid:
                    self.number, self._process = number, process
                    return self
                if process.poll() is not None:
                    last_error = (process.stderr.read() if process.stderr else b"").decode(errors="replace")[-300:]
                    break
                time.sleep(0.02)
            processes.stop(process)
        raise BrowserLaunchError("webkit", executable, f"Xvfb did not start on displays :{self.first_display}-"
                                 f":{self.first_display + 19}: {last_error or 'no socket appeared'}")

    def stop(self) -> None:
        if self._process is not None:
            processes.stop(self._process)
            self._process = None
            self.number = None
