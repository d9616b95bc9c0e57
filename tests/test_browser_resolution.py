"""Which browser executable gets used, and how it is reported (nothing is launched)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from pytest_wasmblog.browsers.resolve import (
    BACKEND_MANAGED,
    BACKEND_SYSTEM_PLAYWRIGHT,
    BACKEND_SYSTEM_WEBDRIVER,
    CHROMIUM_ENV,
    RESOLVERS,
    Probes,
    ResolvedBrowser,
    resolve_browser,
)
from pytest_wasmblog.errors import BrowserNotFoundError


def fake_executable(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\nexit 99\n")  # never run: resolution must not launch anything
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def managed_at(path: Path | None) -> Probes:
    """Probes with an empty environment, the real PATH lookup and a fixed managed path."""
    return Probes(env={"PATH": os.environ.get("PATH", "")}, which=shutil.which,
                  managed_executable=lambda engine: str(path) if path else None)


@pytest.fixture()
def path_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holds only a fresh directory, so the machine's own browsers are invisible."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", str(bindir))
    return bindir


def test_explicit_path_wins_over_managed_and_path(tmp_path: Path, path_dir: Path) -> None:
    explicit = fake_executable(tmp_path / "mine", "my-chromium")
    managed = fake_executable(tmp_path / "ms-playwright", "chrome")
    fake_executable(path_dir, "chromium")
    resolved = resolve_browser("chromium", str(explicit), managed_at(managed))
    assert resolved == ResolvedBrowser("chromium", BACKEND_SYSTEM_PLAYWRIGHT, str(explicit),
                                       f"--wasm-chromium-path={explicit}")


def test_env_variable_is_an_explicit_path(tmp_path: Path, path_dir: Path) -> None:
    from_env = fake_executable(tmp_path / "env", "chrome-from-env")
    fake_executable(path_dir, "chromium")
    probes = Probes(env={CHROMIUM_ENV: str(from_env)}, managed_executable=lambda engine: None)
    resolved = resolve_browser("chromium", None, probes)
    assert resolved.executable == str(from_env)
    assert CHROMIUM_ENV in resolved.how_found


def test_argument_wins_over_env_variable(tmp_path: Path) -> None:
    arg = fake_executable(tmp_path / "a", "chrome")
    env = fake_executable(tmp_path / "b", "chrome")
    probes = Probes(env={CHROMIUM_ENV: str(env)}, managed_executable=lambda engine: None)
    assert resolve_browser("chromium", str(arg), probes).executable == str(arg)


@pytest.mark.parametrize("via_env", [False, True])
def test_explicit_missing_path_is_an_error_naming_it(tmp_path: Path, path_dir: Path, via_env: bool) -> None:
    fake_executable(path_dir, "chromium")  # available, yet must not be used instead
    missing = tmp_path / "nowhere" / "chromium"
    if via_env:
        probes = Probes(env={CHROMIUM_ENV: str(missing)}, managed_executable=lambda engine: None)
        arg = None
    else:
        probes, arg = managed_at(None), str(missing)
    with pytest.raises(BrowserNotFoundError) as info:
        resolve_browser("chromium", arg, probes)
    message = str(info.value)
    assert str(missing) in message
    assert "does not exist" in message
    assert ("WASMBLOG_CHROMIUM" if via_env else "--wasm-chromium-path") in message


def test_explicit_path_that_is_not_executable(tmp_path: Path) -> None:
    plain = tmp_path / "chromium"
    plain.write_text("not a program")
    with pytest.raises(BrowserNotFoundError, match="not an executable file"):
        resolve_browser("chromium", str(plain), managed_at(None))
    with pytest.raises(BrowserNotFoundError, match="not an executable file"):
        resolve_browser("chromium", str(tmp_path), managed_at(None))  # a directory


def test_explicit_bare_name_is_looked_up_on_path(path_dir: Path) -> None:
    exe = fake_executable(path_dir, "my-chrome")
    assert resolve_browser("chromium", "my-chrome", managed_at(None)).executable == str(exe)


def test_managed_build_is_preferred_over_system(tmp_path: Path, path_dir: Path) -> None:
    managed = fake_executable(tmp_path / "ms-playwright", "chrome")
    fake_executable(path_dir, "chromium")
    resolved = resolve_browser("chromium", None, managed_at(managed))
    assert resolved.backend == BACKEND_MANAGED
    assert resolved.executable is None  # Playwright launches its own build itself
    assert str(managed) in resolved.how_found


def test_path_lookup_when_no_managed_build(tmp_path: Path, path_dir: Path) -> None:
    not_installed = tmp_path / "ms-playwright" / "chrome"  # Playwright knows the path, file absent
    exe = fake_executable(path_dir, "chromium-browser")
    resolved = resolve_browser("chromium", None, managed_at(not_installed))
    assert resolved == ResolvedBrowser("chromium", BACKEND_SYSTEM_PLAYWRIGHT, str(exe), "`chromium-browser` on PATH")


def test_path_lookup_order(path_dir: Path) -> None:
    fake_executable(path_dir, "google-chrome")
    first = fake_executable(path_dir, "chromium")
    assert resolve_browser("chromium", None, managed_at(None)).executable == str(first)


def test_nothing_found_lists_where_it_looked(tmp_path: Path, path_dir: Path) -> None:
    not_installed = tmp_path / "ms-playwright" / "chrome"
    with pytest.raises(BrowserNotFoundError) as info:
        resolve_browser("chromium", None, managed_at(not_installed))
    message = str(info.value)
    for expected in (str(not_installed), str(path_dir), "chromium-browser", "google-chrome",
                     "--wasm-chromium-path", "WASMBLOG_CHROMIUM"):
        assert expected in message


def test_unknown_engine_names_the_known_ones() -> None:
    with pytest.raises(BrowserNotFoundError, match="chromium"):
        resolve_browser("netscape", None, managed_at(None))


def test_resolvers_are_a_per_engine_table(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve_firefox(explicit_path: str | None, probes: Probes) -> ResolvedBrowser:
        return ResolvedBrowser("firefox", "system+playwright", "/usr/bin/firefox-esr", "test")

    monkeypatch.setitem(RESOLVERS, "firefox", resolve_firefox)
    assert resolve_browser("firefox", None, managed_at(None)).engine == "firefox"


# ---- Firefox and WebKit ----


def test_firefox_explicit_path_wins_over_path(tmp_path: Path, path_dir: Path) -> None:
    fake_executable(path_dir, "firefox-esr")
    mine = fake_executable(tmp_path / "mine", "firefox")
    found = resolve_browser("firefox", str(mine), managed_at(None))
    assert (found.executable, found.backend) == (str(mine), BACKEND_SYSTEM_PLAYWRIGHT)


def test_firefox_esr_found_on_path_before_firefox(path_dir: Path) -> None:
    fake_executable(path_dir, "firefox")
    esr = fake_executable(path_dir, "firefox-esr")
    assert resolve_browser("firefox", None, managed_at(None)).executable == str(esr)


def test_firefox_env_variable_is_read(tmp_path: Path, path_dir: Path) -> None:
    mine = fake_executable(tmp_path / "mine", "firefox")
    probes = Probes(env={"WASMBLOG_FIREFOX": str(mine), "PATH": str(path_dir)}, which=shutil.which,
                    managed_executable=lambda engine: None)
    assert resolve_browser("firefox", None, probes).how_found == f"WASMBLOG_FIREFOX={mine}"


def webkit_probes(path_dir: Path, minibrowsers: list[str], env: dict[str, str] | None = None) -> Probes:
    return Probes(env={"PATH": str(path_dir), **(env or {})}, which=shutil.which,
                  managed_executable=lambda engine: None, glob=lambda pattern: list(minibrowsers))


def test_webkit_system_minibrowser_with_its_driver(tmp_path: Path, path_dir: Path) -> None:
    minibrowser = fake_executable(tmp_path / "webkit2gtk-4.1", "MiniBrowser")
    driver = fake_executable(path_dir, "WebKitWebDriver")
    found = resolve_browser("webkit", None, webkit_probes(path_dir, [str(minibrowser)]))
    assert (found.backend, found.executable, found.driver) == (BACKEND_SYSTEM_WEBDRIVER, str(minibrowser), str(driver))


def test_webkit_explicit_path_beats_the_system_one(tmp_path: Path, path_dir: Path) -> None:
    system = fake_executable(tmp_path / "system", "MiniBrowser")
    mine = fake_executable(tmp_path / "mine", "MiniBrowser")
    fake_executable(path_dir, "WebKitWebDriver")
    found = resolve_browser("webkit", str(mine), webkit_probes(path_dir, [str(system)]))
    assert found.executable == str(mine)


def test_webkit_managed_build_needs_no_driver(tmp_path: Path, path_dir: Path) -> None:
    managed = fake_executable(tmp_path / "ms-playwright", "pw_run.sh")
    probes = Probes(env={"PATH": str(path_dir)}, which=shutil.which,
                    managed_executable=lambda engine: str(managed), glob=lambda pattern: [])
    found = resolve_browser("webkit", None, probes)
    assert (found.backend, found.executable, found.driver) == (BACKEND_MANAGED, None, None)


def test_webkit_without_driver_names_what_is_missing(tmp_path: Path, path_dir: Path) -> None:
    minibrowser = fake_executable(tmp_path / "webkit2gtk-4.1", "MiniBrowser")
    with pytest.raises(BrowserNotFoundError) as caught:
        resolve_browser("webkit", None, webkit_probes(path_dir, [str(minibrowser)]))
    message = str(caught.value)
    assert "no WebKitWebDriver" in message and "webkit2gtk-driver" in message


def test_webkit_nothing_found_says_how_to_install(path_dir: Path) -> None:
    with pytest.raises(BrowserNotFoundError) as caught:
        resolve_browser("webkit", None, webkit_probes(path_dir, []))
    assert "apt-get install webkit2gtk-driver" in str(caught.value)
