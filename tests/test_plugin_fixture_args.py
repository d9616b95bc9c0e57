"""The `wasm_*_args` fixtures, overridden in a user's conftest.py the way playwright-pytest's are, take
effect on every engine (pytester: an inner run against the toolbox site)."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = """
import pytest


@pytest.fixture(scope="session")
def wasm_launch_args(wasm_engine, wasm_launch_args):
    # Extends the plugin's own value, as playwright-pytest's users do.
    args = ["--user-agent=wasmblog-launch-ua"] if wasm_engine == "chromium" else []
    return {**wasm_launch_args, "args": args, "env": {"TZ": "Asia/Tokyo"}}


@pytest.fixture(scope="session")
def wasm_context_args(wasm_engine):
    args = {"viewport": {"width": 640, "height": 480}}
    if wasm_engine != "webkit":  # WebDriver has no locale API
        args["locale"] = "fr-FR"
    return args


@pytest.fixture(scope="session")
def wasm_server_args():
    return {"extra_headers": {"X-Wasmblog-Test": "yes"}, "compression": "off"}
"""

TEST = """
def test_the_overrides_take_effect(wasm_app, wasm_engine, wasm_server):
    seen = wasm_app.evaluate(
        "async () => ({tz: new Date(2020, 0, 1).getTimezoneOffset(), width: innerWidth, height: innerHeight,"
        " language: navigator.language, agent: navigator.userAgent})")
    assert seen["tz"] == -540, seen  # Asia/Tokyo, from the browser's environment
    assert (seen["width"], seen["height"]) == (640, 480), seen
    if wasm_engine != "webkit":
        assert seen["language"] == "fr-FR", seen
    if wasm_engine == "chromium":
        assert seen["agent"] == "wasmblog-launch-ua", seen
    page = wasm_server.requests("/index.html")[-1]
    assert page.header("X-Wasmblog-Test") == "yes"
    assert page.header("Content-Encoding") is None  # compression off
"""


def run(pytester: pytest.Pytester, site: Path, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={site}", *args, timeout=240)


def test_conftest_overrides_of_each_args_fixture_take_effect_on_every_engine(pytester: pytest.Pytester,
                                                                            toolbox_site: Path) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(TEST)
    result = run(pytester, toolbox_site, "--wasm-browser=all")
    result.assert_outcomes(passed=3)


@pytest.mark.parametrize(("fixture", "value", "message"), [
    ("wasm_context_args", '{"locale": "fr-FR"} if wasm_engine == "webkit" else {}',
     "*webkit * cannot set locale for a page (it can set viewport): leave them out of wasm_context_args for webkit*"),
    ("wasm_context_args", '{"colour": "blue"}', "*wasm_context_args has unknown keys colour*"),
    ("wasm_context_args", '{"viewport": {"width": 0, "height": 10}}', "*viewport must be {'width': w, 'height': h}*"),
    ("wasm_launch_args", '{"args": "--foo"}', "*wasm_launch_args args must be a list of strings*"),
    ("wasm_launch_args", '{"flags": []}', "*wasm_launch_args has unknown keys flags*"),
    ("wasm_server_args", '{"compression": "zstd"}', '*wasm_server_args compression must be "auto" or "off"*'),
])
def test_an_args_fixture_that_asks_the_impossible_fails_with_why(pytester: pytest.Pytester, toolbox_site: Path,
                                                                 fixture: str, value: str, message: str) -> None:
    pytester.makeconftest(f"import pytest\n\n@pytest.fixture(scope='session')\n"
                          f"def {fixture}(wasm_engine):\n    return {value}\n")
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    engine = "webkit" if "webkit" in message else "chromium"
    result = run(pytester, toolbox_site, f"--wasm-browser={engine}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])
    result.stdout.no_fnmatch_line("*Traceback*")
