"""The `network` fixture as a user runs it: an inner pytest against a real bundle (pytester)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest


def run(pytester: pytest.Pytester, site: Path, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={site}", *args, timeout=240)


def test_network_fixture_restores_the_network_and_reports_its_fidelity(pytester: pytest.Pytester,
                                                                       toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_wasmblog.errors import NavigationError
        from pytest_wasmblog.vm_errors import BootTimeoutError

        def test_1_offline_then_leave_it_on(network, wasm_app_factory, wasm_engine):
            app = wasm_app_factory()
            network.offline()  # not stopped: the fixture must undo it
            with pytest.raises((NavigationError, BootTimeoutError)):
                app.reload(boot_timeout_s=5)

        def test_2_the_next_test_is_online(wasm_app_factory, wasm_server):
            assert wasm_server.link.offline is False and wasm_server.link.conditions is None
            assert wasm_app_factory().call({"bridge": "ping"}).ok

        def test_3_throttled_boot_is_slower(network, wasm_app_factory):
            fast = wasm_app_factory().boot_ms
            with network.throttle("4g"):
                slow = wasm_app_factory(boot_timeout_s=60).boot_ms
            assert slow > fast + 165

        def test_4_failure_shows_the_mechanism(network):
            with network.offline():
                assert False, "show me the report"
        """
    )
    result = run(pytester, toolbox_site, "--wasm-browser=chromium", "--wasm-browser=webkit",
                 "--junitxml=report.xml")
    result.assert_outcomes(passed=6, failed=2)
    result.stdout.fnmatch_lines([
        "*wasmblog network*",
        "chromium: offline",
        "  via server: connections dropped*",
        "  via browser: Playwright set_offline*",
    ])
    result.stdout.fnmatch_lines(["webkit: offline", "  via server: connections dropped*"])
    properties = {
        case.get("name"): [p.get("value") for p in case.iter("property") if p.get("name") == "wasm_network"]
        for case in ET.parse(pytester.path / "report.xml").getroot().iter("testcase")
    }
    assert "4g" in "".join(properties["test_3_throttled_boot_is_slower[chromium]"])
    assert "CDP" in "".join(properties["test_3_throttled_boot_is_slower[chromium]"])
    assert "every request" in "".join(properties["test_3_throttled_boot_is_slower[webkit]"])
    assert properties["test_2_the_next_test_is_online[webkit]"] == []


def test_unknown_profile_fails_the_test_with_the_known_names(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makepyfile(
        """
        def test_typo(network):
            network.throttle("3g-slow")
        """
    )
    result = run(pytester, toolbox_site)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown network profile '3g-slow'; known profiles: slow-3g, fast-3g, 4g*"])
