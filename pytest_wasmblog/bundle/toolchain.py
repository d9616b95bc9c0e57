"""Find the host's Erlang/Elixir compilers and npm, and learn their versions.

The bundle is built from Debian's `erlang` and `elixir` packages; versions key every cache and
decide whether the build is supported at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pytest_wasmblog.errors import WasmblogError

# (tool, Debian package that provides it)
_TOOLS = {"erl": "erlang", "erlc": "erlang", "elixirc": "elixir", "npm": "npm"}
# OTP releases whose compilers have produced bytecode this VM (otp_release "27") runs.
SUPPORTED_OTP = ("25", "26", "27")
TESTED_OTP = ("25",)


class ToolMissingError(WasmblogError):
    def __init__(self, tool: str, package: str) -> None:
        super().__init__(
            f"`{tool}` was not found on PATH; it is needed to build the bundle. "
            f"Install it (Debian: `apt-get install -y {package}`) or put it on PATH."
        )
        self.tool = tool


class UnsupportedToolchainError(WasmblogError):
    pass


class ToolFailedError(WasmblogError):
    def __init__(self, command: list[str], returncode: int, output: str) -> None:
        tail = "\n".join(output.strip().splitlines()[-40:])
        super().__init__(f"`{' '.join(command[:3])} ...` failed with exit code {returncode}:\n{tail}")
        self.output = output


@dataclass(frozen=True)
class Toolchain:
    erl: str
    erlc: str
    elixirc: str
    otp_release: str
    otp_version: str
    elixir_version: str
    otp_root: Path
    elixir_ebin: Path

    @property
    def key(self) -> str:
        """Names caches: beams rebuilt by one toolchain are never reused by another."""
        return f"otp{self.otp_version}-elixir{self.elixir_version}"

    @property
    def tested(self) -> bool:
        return self.otp_release in TESTED_OTP


def which(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise ToolMissingError(tool, _TOOLS.get(tool, tool))
    return found


def run(command: list[str], cwd: Path | None = None, timeout: float = 600) -> str:
    """Run a build tool; a failure raises with the tool's own output."""
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired as exc:
        partial = exc.output.decode(errors="replace") if isinstance(exc.output, bytes) else (exc.output or "")
        raise ToolFailedError(command, -1, f"timed out after {timeout:g} s\n{partial}") from None
    if done.returncode != 0:
        raise ToolFailedError(command, done.returncode, done.stdout + done.stderr)
    return done.stdout


@cache
def find_toolchain() -> Toolchain:
    erl, erlc, elixirc = which("erl"), which("erlc"), which("elixirc")
    elixir_ebin = _elixir_ebin(elixirc)
    script = (
        'R = erlang:system_info(otp_release), Root = code:root_dir(),'
        '{ok, V} = file:read_file(filename:join([Root, "releases", R, "OTP_VERSION"])),'
        'ok = application:load(elixir), {ok, EV} = application:get_key(elixir, vsn),'
        'io:format("~s~n~s~n~s~n~s~n", [R, string:trim(V), Root, EV]), halt().'
    )
    lines = run([erl, "-noshell", "-pa", str(elixir_ebin), "-eval", script]).split("\n")
    otp_release, otp_version, root, elixir_version = (line.strip() for line in lines[:4])
    if otp_release not in SUPPORTED_OTP:
        raise UnsupportedToolchainError(
            f"Erlang/OTP {otp_version} is not supported for building Popcorn bundles "
            f"(supported releases: {', '.join(SUPPORTED_OTP)}; the runtime reports OTP 27). "
            "Install Debian's `erlang` package of a supported release."
        )
    return Toolchain(erl, erlc, elixirc, otp_release, otp_version, elixir_version, Path(root), elixir_ebin)


def _elixir_ebin(elixirc: str) -> Path:
    override = os.environ.get("WASMBLOG_ELIXIR_EBIN")
    candidates = [Path(override)] if override else []
    home = Path(os.path.realpath(elixirc)).parent.parent
    candidates += [home / "lib" / "elixir" / "ebin", Path("/usr/lib/elixir/lib/elixir/ebin")]
    for candidate in candidates:
        if (candidate / "Elixir.Kernel.beam").is_file():
            return candidate
    raise ToolMissingError("Elixir's ebin directory (Elixir.Kernel.beam)", "elixir")
