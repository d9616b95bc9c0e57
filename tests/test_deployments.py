"""The example blog's deployment tests (example_site/tests/test_deployed.py) behind each real server
the README's setup installs, on every engine: Debian's nginx, Caddy and Apache with the configs
`wasmblog deploy-config` writes, and a plain static server that sends no custom headers (the blog's
service worker isolates the page there). Each run's measurements go to reports/deploy-<host>.json.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from missing import missing

from pytest_wasmblog.deploy import HOST_KINDS
from pytest_wasmblog.deploy.hosts import HostNotInstalledError, program

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_site"
REPORTS = ROOT / "reports"


@pytest.mark.parametrize("kind", HOST_KINDS)
def test_the_blogs_deployment_tests_pass_behind_a_real_server(pytester: pytest.Pytester, kind: str) -> None:
    if kind != "plain":
        try:
            program(kind)
        except HostNotInstalledError as exc:
            missing(str(exc))
    REPORTS.mkdir(exist_ok=True)
    report = REPORTS / f"deploy-{kind}.json"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--rootdir", str(EXAMPLE), "-c", os.devnull,
        str(EXAMPLE / "tests" / "test_deployed.py"), f"--wasm-site={EXAMPLE / 'dist'}", f"--wasm-host={kind}",
        # One sample per floor: the reports' ratios are not gated here, and each floor sample on
        # each engine and host is a page load of its own.
        "--wasm-browser=all", f"--wasm-report={report}", "--wasm-boot-repeats=1", "-rsx", timeout=600)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("error", 0) == 0 and outcomes.get("errors", 0) == 0, \
        "\n".join(result.stdout.lines[-60:])
    assert outcomes.get("passed", 0) >= 12, outcomes
    result.stdout.fnmatch_lines([f"wasmblog: the build behind {kind} (--wasm-host)*"])
    engines = {m["engine"] for m in json.loads(report.read_text())["metrics"] if m["name"] == "boot.app_ready"}
    assert engines == {"chromium", "firefox", "webkit"}
