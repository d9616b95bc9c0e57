"""Real nginx, Caddy and Apache serving the example's built site with the generated configuration,
and the plain server that sends no custom headers, checked over HTTP."""

from __future__ import annotations

import http.client
import shutil
import socket
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from missing import missing

from pytest_wasmblog.content_types import JAVASCRIPT_TYPES
from pytest_wasmblog.deploy import hosts
from pytest_wasmblog.deploy.hosts import HostNotInstalledError, HostStartError, RealHost, start_host
from pytest_wasmblog.deploy.rules import IMMUTABLE
from pytest_wasmblog.http_rules import COEP, COOP, CORP, isolation_headers

EXAMPLE_DIST = Path(__file__).resolve().parent.parent / "example_site" / "dist"
HASHED = "app.0123abcd.js"
SERVERS = ("nginx", "caddy", "apache")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the example's built site (tmp_path is private: the servers must still read it),
    plus a content-hashed script with its precompressed copies."""
    if not (EXAMPLE_DIST / "index.html").is_file():
        missing(f"{EXAMPLE_DIST} is not built: run `wasmblog build example_site`")
    dist = tmp_path_factory.mktemp("hosts") / "dist"
    shutil.copytree(EXAMPLE_DIST, dist)
    for suffix in ("", ".br", ".gz"):
        shutil.copy2(dist / f"app.js{suffix}", dist / f"{HASHED}{suffix}")
    return dist


def installed(kind: str) -> None:
    if kind != "plain":
        try:
            hosts.program(kind)
        except HostNotInstalledError as exc:
            missing(str(exc))


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest, site: Path) -> Iterator[RealHost]:
    """One running server of each kind, shared by the read-only tests."""
    installed(request.param)
    with start_host(request.param, site) as host:
        yield host


def get(host: RealHost, path: str, accept_encoding: str | None = None) -> tuple[int, Message, bytes]:
    """GET with exactly the Accept-Encoding given (http.client would add `identity` by itself)."""
    connection = http.client.HTTPConnection("127.0.0.1", host.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        if accept_encoding is not None:
            connection.putheader("Accept-Encoding", accept_encoding)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def isolation_of(headers: Message) -> dict[str, str]:
    return {name: headers[name] for name in (COOP, COEP, CORP) if headers[name] is not None}


@pytest.mark.parametrize("path", ["/", "/index.html"])
def test_page_is_isolated_and_revalidated(server: RealHost, path: str) -> None:
    status, headers, body = get(server, path)
    assert status == 200 and b"<html" in body.lower()
    assert isolation_of(headers) == isolation_headers("require-corp")
    assert headers["Cache-Control"] == "no-cache"
    assert headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(("accept", "suffix"), [("br", ".br"), ("gzip", ".gz"), ("gzip, deflate, br", ".br"),
                                                 ("br;q=0, gzip", ".gz"), (None, "")])
def test_precompressed_copies(server: RealHost, site: Path, accept: str | None, suffix: str) -> None:
    status, headers, body = get(server, "/AtomVM.wasm", accept)
    assert status == 200
    assert body == (site / f"AtomVM.wasm{suffix}").read_bytes()
    assert headers["Content-Encoding"] == ({".br": "br", ".gz": "gzip"}.get(suffix))
    assert "accept-encoding" in (headers["Vary"] or "").lower()
    assert headers["Content-Type"] == "application/wasm"
    assert isolation_of(headers) == isolation_headers("require-corp")


@pytest.mark.parametrize(("path", "mime"), [("/popcorn.mjs", "text/javascript"), ("/app.js", "text/javascript"),
                                            ("/bundle.avm", "application/octet-stream"),
                                            ("/AtomVM.wasm", "application/wasm")])
def test_content_types(server: RealHost, path: str, mime: str) -> None:
    for accept in (None, "br"):
        status, headers, _ = get(server, path, accept)
        assert status == 200 and headers["Content-Type"] == mime, (path, accept)


@pytest.mark.parametrize(("path", "cache"), [("/sw.js", "no-cache"), ("/app.js", "no-cache"),
                                             ("/bundle.avm", "no-cache"), (f"/{HASHED}", IMMUTABLE)])
def test_caching(server: RealHost, path: str, cache: str) -> None:
    for accept in (None, "br", "gzip"):
        status, headers, _ = get(server, path, accept)
        assert status == 200 and headers["Cache-Control"] == cache, (path, accept)


@pytest.mark.parametrize("path", ["/no-such-file.js", "/build-report.json"])
def test_not_found(server: RealHost, path: str) -> None:
    assert get(server, path)[0] == 404


@pytest.mark.parametrize("kind", SERVERS)
def test_stop_refuses_connections_and_start_serves_on_the_same_port(kind: str, site: Path) -> None:
    installed(kind)
    with start_host(kind, site) as host:
        port = host.port
        host.stop()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        host.start()
        assert host.port == port and get(host, "/sw.js")[0] == 200


@pytest.mark.parametrize("kind", SERVERS)
def test_isolation_variants(kind: str, site: Path) -> None:
    installed(kind)
    with start_host(kind, site, isolation="credentialless") as host:
        assert get(host, "/")[1][COEP] == "credentialless"
    with start_host(kind, site, isolation="none") as host:
        assert isolation_of(get(host, "/")[1]) == {}
    with start_host(kind, site, omit_headers=(COEP,)) as host:
        headers = get(host, "/AtomVM.wasm", "br")[1]
        assert headers[COEP] is None and headers[COOP] == "same-origin" and headers["Content-Encoding"] == "br"


def test_plain_server_sends_no_custom_headers(site: Path) -> None:
    with start_host("plain", site) as host:
        status, headers, _ = get(host, "/")
        assert status == 200 and isolation_of(headers) == {} and headers["Cache-Control"] is None
        for path, types in (("/popcorn.mjs", JAVASCRIPT_TYPES), ("/AtomVM.wasm", {"application/wasm"})):
            status, headers, _ = get(host, path, "br")
            assert status == 200 and headers["Content-Type"] in types and headers["Content-Encoding"] is None


def test_a_server_that_dies_at_start_reports_its_log(site: Path) -> None:
    installed("nginx")
    host = RealHost("nginx", site)
    try:
        (host.workdir / "site.conf").write_text("no_such_directive on;\n")
        with pytest.raises(HostStartError, match=r"(?s)exited with status.*no_such_directive"):
            host.start()
    finally:
        host.close()
    assert not host.workdir.exists()


def test_a_taken_port_is_named(site: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(HostStartError, match="another program already listens"):
            start_host("plain", site, port=taken.getsockname()[1])


def test_a_missing_server_names_its_package(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(hosts.PROGRAMS, "apache", ("no-such-apache2", "/nonexistent/apache2", "apache2"))
    with pytest.raises(HostNotInstalledError, match=r"`apt-get install apache2`"):
        start_host("apache", site)
