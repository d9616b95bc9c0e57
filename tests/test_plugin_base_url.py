"""`--wasm-base-url`: the plugin's fixtures against a site a real web server already serves (Debian's
nginx, started here with the config `wasmblog deploy-config` writes), the way a user points the suite
at staging: an inner pytest in a subprocess, on every engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from missing import missing

from pytest_wasmblog.deploy.hosts import HostNotInstalledError, RealHost, start_host
from pytest_wasmblog.deploy.rules import built_folder
from pytest_wasmblog.perf.metrics import name_part


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs", *args, timeout=300)


@pytest.fixture
def nginx(toolbox_site: Path) -> Iterator[RealHost]:
    try:
        host = start_host("nginx", toolbox_site)
    except HostNotInstalledError as exc:
        missing(str(exc))
    with host:
        yield host




def test_every_fixture_works_against_a_deployment_on_every_engine(pytester: pytest.Pytester, nginx: RealHost,
                                                                  toolbox_site: Path) -> None:
    site = built_folder(toolbox_site)
    wasm = (site / "AtomVM.wasm").stat().st_size
    wasm_br = (site / "AtomVM.wasm.br").stat().st_size
    wasm_gz = (site / "AtomVM.wasm.gz").stat().st_size
    pytester.makepyfile(
        f"""
        import pytest
        from pytest_wasmblog.errors import NavigationError
        from pytest_wasmblog.remote import RemoteSite
        from pytest_wasmblog.vm_errors import BootTimeoutError, VMCrashError

        def test_calls_output_and_a_fresh_vm(elixir, popcorn, fresh_wasm_app, wasm_server):
            assert isinstance(wasm_server, RemoteSite) and wasm_server.origin == "{nginx.origin}"
            assert elixir.apply("Toolbox", "add", [40, 2]) == 42
            elixir.apply("Toolbox", "say", ["hello from nginx"])
            assert "hello from nginx" in popcorn.stdout
            assert fresh_wasm_app.call({{"bridge": "ping"}}).ok and fresh_wasm_app.boot_ms > 0

        def test_isolation_reports_the_headers_the_host_sent(isolation):
            report = isolation.assert_isolated()
            assert report.headers["/AtomVM.wasm"]["content-type"] == "application/wasm"
            assert report.headers["/index.html"]["cross-origin-embedder-policy"] == "require-corp"

        def test_sizes_are_what_the_host_sends(wasm_sizes):
            assert wasm_sizes["AtomVM.wasm"] == {{"raw": {wasm}, "gzip": {wasm_gz}, "br": {wasm_br}}}

        def test_perf_measures_boots_and_transfer(wasm_perf, wasm_engine):
            series = wasm_perf.boot_cold(repeats=1)
            assert series.summary("app_ready") is not None

        def test_the_server_log_is_refused_with_the_way_out(wasm_server):
            with pytest.raises(Exception, match="wasm_served_here"):
                wasm_server.requests()

        @pytest.mark.wasm_served_here("reads the log")
        def test_skipped_against_a_deployment(wasm_server):
            raise AssertionError("must not run")

        def test_offline_where_the_browser_can(wasm_app_factory, network):
            with network.offline(), pytest.raises((NavigationError, BootTimeoutError, VMCrashError)):
                wasm_app_factory(boot_timeout_s=5)

        def test_throttle_where_the_browser_can(wasm_app_factory, network):
            with network.throttle("4g"):
                assert wasm_app_factory(boot_timeout_s=60).call({{"bridge": "ping"}}).ok
            assert "service workers' requests go at full speed" in network.fidelity[0]
        """
    )
    report = pytester.path / "perf.json"
    result = run(pytester, f"--wasm-base-url={nginx.origin}", f"--wasm-site={toolbox_site}", "--wasm-browser=all",
                 f"--wasm-report={report}")
    # On WebKit over WebDriver there is no offline switch, and nginx is not the plugin's to stop; only
    # Chromium throttles by itself.
    result.assert_outcomes(passed=14, skipped=4)
    result.stdout.fnmatch_lines([
        f"wasmblog: the deployment at {nginx.origin} (nothing served by the plugin)*",
        "chromium: chromium *, isolated", "firefox: firefox *, isolated", "webkit: webkit *, isolated",
        "*needs the plugin's own server, not the deployment at*: reads the log*",
        "*network.throttle() against*firefox*cannot throttle by itself (only Chromium can, over CDP)*",
        "*webkit*has no offline switch of its own*",
    ])
    # Chromium and Firefox ask for brotli, WebKitGTK only for gzip: each got what it asked for.
    sent = {m["engine"]: m["summary"]["median"] for m in json.loads(report.read_text())["metrics"]
            if m["name"] == f"transfer.{name_part('AtomVM.wasm')}"}
    assert sent == {"chromium": wasm_br, "firefox": wasm_br, "webkit": wasm_gz}


@pytest.mark.parametrize("header", ["Cross-Origin-Embedder-Policy", "Cross-Origin-Opener-Policy"])
def test_a_config_that_drops_a_header_fails_naming_it(pytester: pytest.Pytester, toolbox_site: Path,
                                                      header: str) -> None:
    try:
        host = start_host("nginx", toolbox_site, omit_headers=(header,))
    except HostNotInstalledError as exc:
        missing(str(exc))
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    with host:
        result = run(pytester, f"--wasm-base-url={host.origin}", "--wasm-browser=all")
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines([f"*/index.html: header {header} is missing*"] * 3, consecutive=False)


def test_an_unreachable_deployment_fails_at_once_naming_the_url(pytester: pytest.Pytester, nginx: RealHost) -> None:
    nginx.stop()
    pytester.makepyfile("def test_boot(wasm_app):\n    pass\n")
    result = run(pytester, f"--wasm-base-url={nginx.origin}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*--wasm-base-url: cannot reach the deployment ({nginx.origin}/index.html:*"])
    assert result.duration < 60
