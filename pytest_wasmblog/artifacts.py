"""What a failing browser test leaves behind, so its user sees why at once.

For each page the test's browser has open when the test body ends: a screenshot, the console, page
errors, the VM's stdout/stderr and Popcorn's reload count (from the page probe); plus the requests
the test's servers answered during the test. Written to `--wasm-output/<test id slug>/` and listed in
the failure report (which also reaches JUnit XML). A plugin of its own (`pytest11: wasmblog_artifacts`).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import state
from .app import SNAPSHOT_JS
from .browsers.base import BrowserPage, BrowserSession
from .server import StaticSiteServer

MODES = ("on-failure", "always", "never")
_log_start_key = pytest.StashKey[dict[int, int]]()  # id(server) -> request log length when the test began


@dataclass(frozen=True)
class ArtifactSettings:
    output: Path  # --wasm-output
    mode: str  # --wasm-artifacts: on-failure, always or never
    trace: bool  # --wasm-trace, and artifacts are kept


settings_key = pytest.StashKey[ArtifactSettings]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wasmblog")
    group.addoption("--wasm-output", metavar="DIR", default="test-results/wasmblog",
                    help="where failing tests leave screenshots, console, VM output and requests "
                    "(default test-results/wasmblog)")
    group.addoption("--wasm-artifacts", choices=MODES, default="on-failure",
                    help="keep artifacts on-failure (default), always, or never")
    group.addoption("--wasm-trace", action="store_true",
                    help="record a Playwright trace of every page (Chromium, Firefox, Playwright's WebKit), "
                    "kept with a failing test's artifacts; costs time on every test")


def pytest_configure(config: pytest.Config) -> None:
    mode = str(config.getoption("--wasm-artifacts"))
    output = Path(str(config.getoption("--wasm-output")))
    if output.exists() and not output.is_dir():
        raise pytest.UsageError(f"--wasm-output: {output} is a file; name a folder for the artifacts")
    settings = ArtifactSettings(output, mode,
                                bool(config.getoption("--wasm-trace")) and mode != "never")
    config.stash[settings_key] = settings
    state.of(config).trace = settings.trace  # browsers launched from now on record traces


def slug(nodeid: str) -> str:
    """A test id as one safe folder name: `tests/test_x.py::test_y[webkit-a/b]` -> `tests-test_x.py-test_y-webkit-a-b`."""
    return re.sub(r"[^A-Za-z0-9_.=+-]+", "-", nodeid).strip("-")[:200] or "test"


def artifact_dir(item: pytest.Item) -> Path:
    return item.config.stash[settings_key].output / slug(item.nodeid)




def _browser(item: pytest.Item) -> BrowserSession | None:
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    browser = funcargs.get("wasm_browser")
    return browser if isinstance(browser, BrowserSession) else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Each attempt starts clean: a rerun's artifacts replace the failed attempt's, never pile up.
    shared = state.of(item.config)
    if item.config.stash[settings_key].mode != "never":
        shutil.rmtree(artifact_dir(item), ignore_errors=True)
    for browser in shared.traced_browsers:
        for page in browser.open_pages():
            page.start_trace_chunk()  # pages shared across tests: this test's trace starts here
    # Servers started by this test's fixtures have no entry: their whole log is this test's.
    item.stash[_log_start_key] = {id(s): len(s.requests()) for s in shared.running_servers()}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    mode = item.config.stash[settings_key].mode
    # A boot that fails does so while the fixtures are set up: that report counts too.
    if report.when == "teardown" or mode == "never" or (mode == "on-failure" and not report.failed):
        return report
    if report.when == "setup" and report.passed:
        return report
    browser = _browser(item)
    log_start = item.stash.get(_log_start_key, {})
    servers = [s for s in state.of(item.config).running_servers() if len(s.requests()) > log_start.get(id(s), 0)]
    if browser is None and not servers:
        return report  # not a browser test: nothing to add
    folder = artifact_dir(item)
    written = collect(folder, browser, servers, log_start)
    if written:
        summary = f"{folder}:\n" + "\n".join(f"  {line}" for line in written)
        item.user_properties.append(("wasm_artifacts", str(folder)))
        report.user_properties.append(("wasm_artifacts", str(folder)))
        add_section = getattr(report.longrepr, "addsection", None)
        if callable(add_section):
            add_section("wasmblog artifacts", summary)  # part of the failure text, so JUnit XML has it too
        else:
            report.sections.append(("wasmblog artifacts", summary))
    return report


def collect(folder: Path, browser: BrowserSession | None, servers: list[StaticSiteServer],
            log_start: dict[int, int]) -> list[str]:
    """Write what can be had; one line per file, each with what it holds. Never raises: a test's
    failure must not be hidden by a failure to describe it."""
    folder.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    pages = browser.open_pages() if browser is not None else []
    for number, page in enumerate(pages, start=1):
        lines.extend(_page_artifacts(folder, f"page{number}", page))
    for number, server in enumerate(servers, start=1):
        records = server.requests()[log_start.get(id(server), 0):]
        name = f"requests{'' if len(servers) == 1 else number}.json"
        rows = [{"method": r.method, "path": r.path, "query": r.query, "status": r.status,
                 "bytes_sent": r.bytes_sent, "headers": r.headers} for r in records]
        (folder / name).write_text(json.dumps(rows, indent=1))
        failing = [f"{r.status} {r.path}" for r in records if r.status >= 400 or r.status == 0]
        lines.append(f"{name}: {len(rows)} requests to {server.origin}"
                     + (f"; not OK: {', '.join(failing[:5])}" if failing else ""))
    if not lines:
        shutil.rmtree(folder, ignore_errors=True)
    return lines


def _page_artifacts(folder: Path, name: str, page: BrowserPage) -> list[str]:
    lines: list[str] = []
    try:
        if page.save_trace(folder / f"{name}-trace.zip"):
            lines.append(f"{name}-trace.zip: Playwright trace (npx playwright show-trace {folder / name}-trace.zip)")
    except Exception as exc:  # noqa: BLE001 - describing a failure must never hide it
        lines.append(f"{name}-trace.zip: not saved ({_short(exc)})")
    try:
        page.screenshot(folder / f"{name}.png")
        lines.append(f"{name}.png: screenshot")
    except Exception as exc:  # noqa: BLE001 - a dead page still has its console and VM output
        lines.append(f"{name}.png: no screenshot ({_short(exc)})")
    try:
        console = [f"[{m.type}] {m.text}" + (f"  ({m.location})" if m.location else "") for m in page.console_messages()]
        errors = page.page_errors()
        (folder / f"{name}-console.txt").write_text("\n".join(console) + "\n")
        lines.append(f"{name}-console.txt: {len(console)} console messages"
                     + (f"; page errors: {' | '.join(errors[:3])}" if errors else ""))
        if errors:
            (folder / f"{name}-errors.txt").write_text("\n".join(errors) + "\n")
    except Exception as exc:  # noqa: BLE001 - describing a failure must never hide it
        lines.append(f"{name}-console.txt: not available ({_short(exc)})")
    try:
        state = page.evaluate(SNAPSHOT_JS, timeout_s=5)
    except Exception as exc:  # noqa: BLE001 - a page that cannot answer has nothing more to say
        state = None
        lines.append(f"{name}-vm.txt: the page did not answer ({_short(exc)})")
    if isinstance(state, dict):
        text = ("stdout:\n" + "\n".join(state["stdout"]) + "\n\nstderr:\n" + "\n".join(state["stderr"])
                + f"\n\nPopcorn reloads: {state['reloads']}\nfatal: {state['fatal']}\n"
                + f"crossOriginIsolated: {state['crossOriginIsolated']}\n")
        (folder / f"{name}-vm.txt").write_text(text)
        fatal = f"; fatal: {state['fatal']['line']}" if state["fatal"] else ""
        lines.append(f"{name}-vm.txt: VM stdout {len(state['stdout'])} lines, stderr {len(state['stderr'])} lines, "
                     f"{state['reloads']} reloads{fatal}")
    return lines


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]
