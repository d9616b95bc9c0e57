"""`--wasm-remote`, `--wasm-bind` and `--wasm-public-origin`: what they accept, the one-line usage errors
for what cannot work, and the test server over HTTPS with the run's own certificate (no browser)."""

from __future__ import annotations

import http.client
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pytest_wasmblog.certs import make_certificates
from pytest_wasmblog.remote_settings import (
    KIND_PLAYWRIGHT,
    KIND_WEBDRIVER,
    RemoteBrowser,
    RemoteSettingsError,
    bind_setting,
    parse_remotes,
    public_origin_setting,
)
from pytest_wasmblog.server import StaticSiteServer


def test_each_engine_gets_its_kind_of_remote_from_the_scheme() -> None:
    assert parse_remotes(["chromium=ws://grid:3000/", " webkit = http://grid:4444 ", "firefox=wss://cloud/pw"]) == {
        "chromium": RemoteBrowser("chromium", "ws://grid:3000/", KIND_PLAYWRIGHT),
        "webkit": RemoteBrowser("webkit", "http://grid:4444", KIND_WEBDRIVER),
        "firefox": RemoteBrowser("firefox", "wss://cloud/pw", KIND_PLAYWRIGHT),
    }


@pytest.mark.parametrize(("entries", "message"), [
    (["chromium"], "write ENGINE=URL"),
    (["safari=http://grid:4444"], "write ENGINE=URL with ENGINE one of chromium, firefox, webkit"),
    (["chromium=ftp://grid"], "the URL must be ws:// or wss://"),
    (["chromium=grid:4444"], "the URL must be ws:// or wss://"),
    (["webkit=http://a:1", "webkit=http://b:2"], "--wasm-remote webkit is given twice"),
])
def test_a_remote_that_cannot_work_is_refused(entries: list[str], message: str) -> None:
    with pytest.raises(RemoteSettingsError, match=message):
        parse_remotes(entries)


@pytest.mark.parametrize(("value", "bind", "origin"), [
    (None, "127.0.0.1", None),
    ("https://ci-runner.internal:8443/", "0.0.0.0", "https://ci-runner.internal:8443"),
    ("http://localhost:8080", "127.0.0.1", "http://localhost:8080"),
])
def test_a_public_origin_is_scheme_host_and_port(value: str | None, bind: str, origin: str | None) -> None:
    assert public_origin_setting(value, bind) == origin


@pytest.mark.parametrize(("value", "bind", "message"), [
    ("http://ci-runner.internal:8080", "0.0.0.0", "plain http:// to ci-runner.internal is not a secure context"),
    ("https://runner/app", "0.0.0.0", "give scheme://host\\[:port\\] only"),
    ("ws://runner", "0.0.0.0", "give scheme://host\\[:port\\] only"),
    (None, "0.0.0.0", "--wasm-bind 0.0.0.0 lets a browser on another machine reach the test server: also give "
                      "--wasm-public-origin"),
])
def test_a_public_origin_that_cannot_work_is_refused(value: str | None, bind: str, message: str) -> None:
    with pytest.raises(RemoteSettingsError, match=message):
        public_origin_setting(value, bind)


@pytest.mark.parametrize(("value", "host"), [(None, "127.0.0.1"), ("0.0.0.0", "0.0.0.0"), ("10.0.0.5", "10.0.0.5"),
                                             ("runner.internal", "runner.internal")])
def test_bind_takes_an_address_or_a_name(value: str | None, host: str) -> None:
    assert bind_setting(value) == host


def test_bind_refuses_a_url() -> None:
    with pytest.raises(RemoteSettingsError, match="--wasm-bind 'http://x': give the address to listen on"):
        bind_setting("http://x")


@pytest.mark.parametrize(("args", "message"), [
    (["--wasm-remote=chromium"], "ERROR: --wasm-remote 'chromium': write ENGINE=URL*"),
    (["--wasm-bind=0.0.0.0"], "ERROR: --wasm-bind 0.0.0.0 lets a browser on another machine reach*"),
    (["--wasm-remote=chromium=http://grid:4444", "--wasm-base-url=https://example.org"],
     "ERROR: --wasm-remote, --wasm-bind and --wasm-public-origin are for the plugin's own server*"),
])
def test_remote_options_that_cannot_work_are_usage_errors(pytester: pytest.Pytester, args: list[str],
                                                           message: str) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_the_server_speaks_https_with_the_runs_certificate(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<!doctype html><title>hi</title>")
    certificates = make_certificates(("runner.internal",), tmp_path / "ca")
    assert set(certificates.names) == {"runner.internal", "localhost", "127.0.0.1"}
    with StaticSiteServer(tmp_path / "site", tls=certificates.context, public_host="localhost") as server:
        assert server.origin == f"https://localhost:{server.port}"
        trusting = certificates.client_context()
        with urllib.request.urlopen(server.url_for("index.html"), context=trusting, timeout=10) as response:
            assert response.status == 200 and response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        # Without the run's CA the certificate is not trusted: it was made for this run alone.
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(server.url_for("index.html"), context=ssl.create_default_context(), timeout=10)
        # A plain-HTTP client on the TLS port is refused, and the server goes on serving.
        with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
            urllib.request.urlopen(f"http://localhost:{server.port}/index.html", timeout=10)
        with urllib.request.urlopen(server.url_for("index.html"), context=trusting, timeout=10) as response:
            assert response.status == 200

