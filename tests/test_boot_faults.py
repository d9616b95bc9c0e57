"""The boot's early checks on the probe's snapshot, without a browser: which page faults fail a boot
at once, which wait for the boot timeout, and what each says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pytest_wasmblog.app import EXPOSE_GRACE_S, page_setup_fault
from pytest_wasmblog.vm_errors import (
    EXPOSE_POPCORN_JS,
    NoPageScriptError,
    PopcornInitError,
    PopcornNotExposedError,
    boot_timed_out,
)

URL = "http://127.0.0.1:8000/index.html"
README = Path(__file__).resolve().parents[1] / "README.md"


def snapshot(**changes: Any) -> dict[str, Any]:
    """A probe snapshot of a page whose script ran and which is still booting (times in ms)."""
    state: dict[str, Any] = {
        "readyAt": None, "now": 900.0, "popcorn": "undefined", "frameAt": 230.0, "frameInDocument": True,
        "heartbeatAt": None, "failedFetches": [], "pageScripts": {"complete": True, "count": 1, "failed": []},
        "stdout": [], "stderr": [],
    } | changes
    state["popcornExposed"] = state["popcorn"] == "instance"
    return state


def test_a_booting_page_is_left_alone() -> None:
    assert page_setup_fault(snapshot(), URL) is None
    assert page_setup_fault(snapshot(readyAt=640.0, popcorn="instance", now=9000.0), URL) is None


@pytest.mark.parametrize("popcorn", ["undefined", "promise", "function", "object"])
def test_window_popcorn_gets_the_grace_period_after_the_ready_event(popcorn: str) -> None:
    within = snapshot(readyAt=640.0, popcorn=popcorn, now=640.0 + EXPOSE_GRACE_S * 1000 - 1)
    assert page_setup_fault(within, URL) is None
    error = page_setup_fault(snapshot(readyAt=640.0, popcorn=popcorn, now=640.0 + EXPOSE_GRACE_S * 1000 + 1), URL)
    assert isinstance(error, PopcornNotExposedError)
    assert error.summary.startswith(f"the app at {URL} announced it was ready (0.6 s after navigation), but 1 s later")
    for line in EXPOSE_POPCORN_JS.splitlines():
        assert line in error.fix


@pytest.mark.parametrize(("popcorn", "said"), [
    ("undefined", "the page had not set window.popcorn (it is undefined)"),
    ("promise", "window.popcorn is a Promise: the page assigned Popcorn.init() without awaiting it"),
    ("function", "window.popcorn is a function (the Popcorn class?)"),
    ("string", "window.popcorn is a string with no call() method"),
])
def test_the_error_says_what_window_popcorn_holds(popcorn: str, said: str) -> None:
    error = page_setup_fault(snapshot(readyAt=500.0, popcorn=popcorn, now=5000.0), URL)
    assert error is not None and said in error.summary


def test_a_loaded_page_without_scripts_fails() -> None:
    scripts = {"complete": True, "count": 0, "failed": []}
    error = page_setup_fault(snapshot(frameAt=None, frameInDocument=None, pageScripts=scripts), URL)
    assert isinstance(error, NoPageScriptError)
    assert "has no script (besides the plugin's probe)" in error.summary
    # Still loading: its scripts may not be parsed yet.
    loading = snapshot(frameAt=None, frameInDocument=None, pageScripts=scripts | {"complete": False})
    assert page_setup_fault(loading, URL) is None


def test_a_page_whose_every_script_failed_to_load_fails_and_names_them() -> None:
    failed = ["http://127.0.0.1:8000/app.js", 'inline <script type="module">']
    scripts = {"complete": True, "count": 2, "failed": failed}
    error = page_setup_fault(snapshot(frameAt=None, frameInDocument=None, pageScripts=scripts), URL)
    assert isinstance(error, NoPageScriptError)
    assert f"{failed[0]}, {failed[1]} failed to load" in error.summary


def test_a_page_with_one_script_that_ran_may_still_start_popcorn() -> None:
    scripts = {"complete": True, "count": 2, "failed": ["http://127.0.0.1:8000/analytics.js"]}
    assert page_setup_fault(snapshot(frameAt=None, frameInDocument=None, pageScripts=scripts), URL) is None


def test_a_vm_iframe_out_of_the_document_means_init_failed() -> None:
    error = page_setup_fault(snapshot(frameInDocument=False), URL)
    assert isinstance(error, PopcornInitError)
    assert "Popcorn.init() failed and removed it" in error.summary


def _head(path: str, status: int) -> dict[str, Any]:
    return {"url": f"http://127.0.0.1:8000{path}", "method": "HEAD", "status": status}


def test_init_fails_once_both_bundle_probes_failed() -> None:
    one = snapshot(frameAt=None, frameInDocument=None, failedFetches=[_head("/bundle.avm", 404)])
    assert page_setup_fault(one, URL) is None  # the other path may still answer
    both = snapshot(frameAt=None, frameInDocument=None,
                    failedFetches=[_head("/bundle.avm", 404), _head("/assets/bundle.avm", 0)])
    error = page_setup_fault(both, URL)
    assert isinstance(error, PopcornInitError)
    assert "(/assets/bundle.avm: network error; /bundle.avm: 404)" in error.summary
    # A GET of the same paths is the page's own business, not Popcorn's probe.
    gets = [dict(f, method="GET") for f in both["failedFetches"]]
    assert page_setup_fault(snapshot(frameAt=None, frameInDocument=None, failedFetches=gets), URL) is None


@pytest.mark.parametrize(("seen", "said", "fix"), [
    ({}, "no VM iframe appeared: the page did not call Popcorn.init()", "the page must load popcorn.mjs"),
    ({"frame_at_ms": 230.0}, "VM iframe 0.2 s after navigation, but the runtime in it never started",
     "requests.json"),
    ({"frame_at_ms": 230.0, "heartbeat_at_ms": 19_500.0}, "heartbeat) but the app never sent popcorn_app_ready",
     "Module.sendEvent('popcorn_app_ready', {name})"),
    ({"announced": True, "frame_at_ms": 230.0}, "popcorn_app_ready but the page never set window.popcorn",
     "window.popcorn = await Popcorn.init("),
])
def test_a_boot_timeout_says_how_far_popcorn_got(seen: dict[str, Any], said: str, fix: str) -> None:
    error = boot_timed_out(URL, 20, [], [], **seen)
    assert error.summary.startswith(f"the app at {URL} was not ready after 20 s: ")
    assert said in error.summary and fix in error.fix


def test_the_fix_quotes_the_readmes_step_1() -> None:
    readme = README.read_text()
    step_1 = readme[readme.index("## Using it on your own Popcorn site"):readme.index("2. For `elixir.apply")]
    code = re.search(r"```js\n(.*?)\n\s*```", step_1, re.DOTALL)
    assert code is not None
    assert [line.strip() for line in code.group(1).splitlines()] == EXPOSE_POPCORN_JS.splitlines()
