"""Shared fixtures of the plugin's own tests: the small sites in tests/sites, built once per run."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from beam_samples import compiled_beams, plain_beam, start_beam  # noqa: F401 (fixtures shared by test modules)
from hypothesis.configuration import set_hypothesis_home_dir
from missing import missing, require_tools

from pytest_wasmblog.browsers.base import ENGINES, BrowserSession
from pytest_wasmblog.browsers.launch import launch
from pytest_wasmblog.bundle.build import build_site
from pytest_wasmblog.bundle.cache import cache_root
from pytest_wasmblog.bundle.toolchain import find_toolchain
from pytest_wasmblog.errors import BrowserNotFoundError

# The apps in sites/ are what the tests build and drive; their own ExUnit files (sites/shop/test)
# run inside the tests that plant more beside them, not as items of this suite.
collect_ignore = ["sites"]

SITES = Path(__file__).parent / "sites"
# Hypothesis caches (unicode tables, examples) go to the temp dir, not into the checkout.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "pytest-wasmblog-hypothesis")


@pytest.fixture(autouse=True)
def _inner_runs_share_this_runs_cache(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """For the tests' inner pytest runs (pytester), after pytester's setup:
    - its HOME is the test's own folder, so the build cache (~/.cache) would start cold in every inner
      run: point it at this run's, which is keyed by the inputs (a test of the cache sets its own);
    - they use no Hypothesis, but its plugin imports it whole at the end of every run (0.3-0.6 s),
      and pytester clears PYTEST_ADDOPTS."""
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester")
        monkeypatch.setenv("WASMBLOG_CACHE", str(cache_root()))
        inherited = os.environ.get("PYTEST_ADDOPTS", "")
        monkeypatch.setenv("PYTEST_ADDOPTS", f"{inherited} -p no:hypothesispytest".strip())


@pytest.fixture(scope="module", params=ENGINES)
def engine_session(request: pytest.FixtureRequest) -> Iterator[BrowserSession]:
    """Each engine's browser, launched once per test module (missing: skip outside CI, fail in CI)."""
    try:
        browser = launch(request.param)
    except BrowserNotFoundError as exc:
        missing(f"no {request.param} on this machine: {exc}")
    with browser:
        yield browser


def _build(name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Build a copy, so parallel workers and the checkout never share a half-written dist/.
    work = tmp_path_factory.mktemp(name)
    shutil.copytree(SITES / name, work / name)
    shutil.copytree(SITES / "static", work / "static")
    return build_site(work / name, log=lambda _: None).dist


@pytest.fixture(scope="session")
def toolbox_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bridge-enabled app whose Toolbox module echoes, raises, throws, exits, prints and hangs."""
    return _build("toolbox", tmp_path_factory)


@pytest.fixture(scope="session")
def receiver_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hand-written receiver (no test bridge) that crashes, returns or drops a call on request."""
    return _build("receiver", tmp_path_factory)


@pytest.fixture(scope="session")
def silent_start_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A start module that registers its process and never announces readiness."""
    return _build("silent_start", tmp_path_factory)


@pytest.fixture(scope="session")
def cannot_run_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """An app whose functions reach files, ports, the compiler, a NIF and init; (dist, build output)."""
    work = tmp_path_factory.mktemp("cannot_run")
    shutil.copytree(SITES / "cannot_run", work / "cannot_run")
    shutil.copytree(SITES / "static", work / "static")
    output: list[str] = []
    dist = build_site(work / "cannot_run", log=output.append).dist
    return dist, "\n".join(output).splitlines()


@pytest.fixture(scope="session")
def crash_on_start_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An app whose start/0 raises a MatchError before announcing readiness."""
    return _build("crash_on_start", tmp_path_factory)


@pytest.fixture(scope="session")
def stdlib_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An app calling the standard library a small GenServer app uses (maps, inspect, Task, Logger, ...)."""
    return _build("stdlib", tmp_path_factory)


@pytest.fixture(scope="session")
def sample_ebin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/conformance_sample compiled: a documented module whose doctests the conformance tests run."""
    require_tools("elixirc", "elixir")
    ebin = tmp_path_factory.mktemp("sample-ebin")
    sample = Path(__file__).parent / "conformance_sample" / "sample.ex"
    subprocess.run([find_toolchain().elixirc, "-o", str(ebin), str(sample)], check=True, capture_output=True)
    return ebin
