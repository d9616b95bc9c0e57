"""Finding the Erlang/Elixir toolchain and running build tools (bundle/toolchain.py)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from missing import missing, require_tools

from pytest_wasmblog.bundle import toolchain
from pytest_wasmblog.bundle.toolchain import (
    ToolFailedError,
    ToolMissingError,
    UnsupportedToolchainError,
    find_toolchain,
    run,
    which,
)


@pytest.fixture
def needs_erlang() -> None:
    require_tools("erl", "elixir", "elixirc")


# ---- which ----

@pytest.mark.parametrize(("tool", "package"), [("erl", "erlang"), ("erlc", "erlang"), ("elixirc", "elixir"),
                                               ("npm", "npm"), ("zzz-tool", "zzz-tool")])
def test_missing_tool_names_tool_and_package(tool: str, package: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(ToolMissingError) as info:
        which(tool)
    assert info.value.tool == tool
    assert f"`{tool}`" in str(info.value)
    assert f"apt-get install -y {package}`" in str(info.value)


def test_which_finds_a_tool_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "erlc"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert which("erlc") == str(fake)


# ---- run ----

def test_run_returns_stdout() -> None:
    assert run([sys.executable, "-c", "print('hello'); import sys; print('noise', file=sys.stderr)"]) == "hello\n"


def test_run_uses_cwd(tmp_path: Path) -> None:
    assert run([sys.executable, "-c", "import os; print(os.getcwd())"], cwd=tmp_path).strip() == str(tmp_path)


def test_failing_command_raises_with_its_output() -> None:
    script = "import sys; print('compiling foo.erl'); print('foo.erl:3: syntax error', file=sys.stderr); sys.exit(3)"
    command = [sys.executable, "-c", script]
    with pytest.raises(ToolFailedError) as info:
        run(command)
    message = str(info.value)
    assert "exit code 3" in message
    assert "compiling foo.erl" in message and "foo.erl:3: syntax error" in message
    assert "compiling foo.erl" in info.value.output and "syntax error" in info.value.output
    assert message.startswith(f"`{sys.executable} -c")


def test_long_output_keeps_the_tail_in_the_message() -> None:
    script = "import sys\nfor i in range(100): print(f'line {i:03}')\nsys.exit(1)"
    with pytest.raises(ToolFailedError) as info:
        run([sys.executable, "-c", script])
    message = str(info.value)
    assert "line 099" in message and "line 060" in message
    assert "line 059" not in message and "line 000" not in message
    assert info.value.output.count("\n") == 100  # the full output is still there


def test_failing_erlang_tool_output(tmp_path: Path) -> None:
    erlc = shutil.which("erlc")
    if erlc is None:
        missing("erlc is not installed")
    (tmp_path / "broken.erl").write_text("-module(broken).\n-export([f/0]).\nf() -> .\n")
    with pytest.raises(ToolFailedError) as info:
        run([erlc, "-o", str(tmp_path), str(tmp_path / "broken.erl")])
    assert "broken.erl:3" in str(info.value)


def test_timeout_raises_with_the_output_so_far() -> None:
    script = "import time; print('started', flush=True); print('second line', flush=True); time.sleep(30)"
    with pytest.raises(ToolFailedError) as info:
        run([sys.executable, "-c", script], timeout=1)
    assert "timed out after 1 s" in str(info.value)
    # The tool's output so far, as text lines like any other failure's output.
    lines = info.value.output.splitlines()
    assert lines[-2:] == ["started", "second line"], info.value.output


# ---- find_toolchain ----

def _independent_versions() -> tuple[str, str, str, str]:
    script = (
        'R = erlang:system_info(otp_release),'
        '{ok, V} = file:read_file(filename:join([code:root_dir(), "releases", R, "OTP_VERSION"])),'
        'io:format("~s|~s|~s", [R, V, code:root_dir()]), halt().'
    )
    out = subprocess.run(["erl", "-noshell", "-eval", script], capture_output=True, text=True, check=True).stdout
    release, version, root = out.split("|")
    elixir = subprocess.run(["elixir", "-e", "IO.write(System.version())"], capture_output=True, text=True,
                            check=True).stdout
    return release.strip(), version.strip(), root.strip(), elixir.strip()


@pytest.mark.usefixtures("needs_erlang")
def test_find_toolchain_matches_the_installed_versions() -> None:
    release, version, root, elixir = _independent_versions()
    tc = find_toolchain()
    assert tc.otp_release == release
    assert tc.otp_version == version
    assert tc.otp_version.split(".")[0] == tc.otp_release
    assert tc.elixir_version == elixir
    assert tc.otp_root == Path(root)
    assert tc.erl == shutil.which("erl") and tc.erlc == shutil.which("erlc") and tc.elixirc == shutil.which("elixirc")
    assert (tc.elixir_ebin / "Elixir.Kernel.beam").is_file()
    assert version in tc.key and elixir in tc.key
    assert find_toolchain() is tc  # computed once


@pytest.mark.usefixtures("needs_erlang")
def test_key_changes_with_either_version() -> None:
    tc = find_toolchain()
    other_elixir = dataclasses.replace(tc, elixir_version=tc.elixir_version + ".1")
    other_otp = dataclasses.replace(tc, otp_version=tc.otp_version + ".1")
    assert len({tc.key, other_elixir.key, other_otp.key}) == 3


@pytest.mark.usefixtures("needs_erlang")
def test_unsupported_otp_release_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toolchain, "run", lambda command, **kw: "23\n23.3.4\n/usr/lib/erlang\n1.11.0\n")
    with pytest.raises(UnsupportedToolchainError) as info:
        find_toolchain.__wrapped__()
    assert "OTP 23.3.4 is not supported" in str(info.value)
    assert all(r in str(info.value) for r in toolchain.SUPPORTED_OTP)


@pytest.mark.usefixtures("needs_erlang")
def test_elixir_ebin_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elixirc = which("elixirc")
    default = toolchain._elixir_ebin(elixirc)
    fake = tmp_path / "ebin"
    fake.mkdir()
    monkeypatch.setenv("WASMBLOG_ELIXIR_EBIN", str(fake))
    assert toolchain._elixir_ebin(elixirc) == default  # no Elixir.Kernel.beam there: ignored
    (fake / "Elixir.Kernel.beam").write_bytes(b"")
    assert toolchain._elixir_ebin(elixirc) == fake
