"""The static site server, exercised over real HTTP (no browser needed)."""

from __future__ import annotations

import gzip
import http.client
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pytest_wasmblog.errors import ServerError, SiteNotFoundError
from pytest_wasmblog.http_rules import COEP, COOP, CORP
from pytest_wasmblog.server import StaticSiteServer

WASM = bytes(range(256)) * 64  # 16 KiB, compressible enough
JS = b"export const answer = 42;\n" * 200


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "sub").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>home</title>")
    (root / "sub" / "index.html").write_text("<!doctype html><title>sub</title>")
    (root / "app.wasm").write_bytes(WASM)
    (root / "app.mjs").write_bytes(JS)
    (root / "app.js").write_bytes(JS)
    (root / "bundle.avm").write_bytes(b"#!/usr/bin/env AtomVM\n\x00\x00" + b"\x00" * 40)
    (root / "style.css").write_text("body { color: red }")
    (root / "data.json").write_text('{"a": 1}')
    (root / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    (root / "blob.unknownext").write_bytes(b"?")
    (root / "digits.txt").write_text("0123456789")
    (tmp_path / "secret.txt").write_text("outside the site")
    return root


@pytest.fixture()
def server(site: Path) -> Iterator[StaticSiteServer]:
    with StaticSiteServer(site) as srv:
        yield srv


class Response:
    def __init__(self, resp: http.client.HTTPResponse) -> None:
        self.status = resp.status
        self.headers = resp.headers
        self.body = resp.read()


def fetch(srv: StaticSiteServer, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
    """Raw http.client: sends `path` exactly as given (urllib would normalise `..`)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {"Accept-Encoding": "identity"})
        return Response(conn.getresponse())
    finally:
        conn.close()


def test_a_kept_alive_connection_answers_without_waiting_for_delayed_acks(server: StaticSiteServer) -> None:
    # A response is two writes; with Nagle's algorithm on, each request after the first on a kept-alive
    # connection waited for the client's delayed ACK: 44 ms every time on Linux's loopback, against
    # 0.5 ms without it. A browser loads a page's modules this way, one level of imports after another.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        took = []
        for _ in range(10):
            started = time.perf_counter()
            conn.request("GET", "/app.js", headers={"Accept-Encoding": "identity"})
            assert conn.getresponse().read() == JS
            took.append(time.perf_counter() - started)
    finally:
        conn.close()
    assert sorted(took)[len(took) // 2] < 0.02, [f"{t * 1000:.1f} ms" for t in took]


# --- isolation headers ------------------------------------------------------

ISOLATION_EXPECTED: dict[str, dict[str, str | None]] = {
    "require-corp": {COOP: "same-origin", COEP: "require-corp", CORP: "same-origin"},
    "credentialless": {COOP: "same-origin", COEP: "credentialless", CORP: "same-origin"},
    "none": {COOP: None, COEP: None, CORP: None},
}


@pytest.mark.parametrize("isolation", sorted(ISOLATION_EXPECTED))
@pytest.mark.parametrize("path", ["/", "/app.wasm", "/missing.wasm", "/../secret.txt", "/sub"])
def test_isolation_headers_on_every_response(site: Path, isolation: str, path: str) -> None:
    with StaticSiteServer(site, isolation=isolation) as srv:  # type: ignore[arg-type]  # a parametrized mode
        resp = fetch(srv, path)
    assert resp.status in (200, 301, 403, 404)
    for name, value in ISOLATION_EXPECTED[isolation].items():
        assert resp.headers.get(name) == value, (name, resp.status)


def test_isolation_headers_on_304_and_head(site: Path) -> None:
    with StaticSiteServer(site, cache=True) as srv:
        etag = fetch(srv, "/app.wasm").headers["ETag"]
        not_modified = fetch(srv, "/app.wasm", headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
        head = fetch(srv, "/app.wasm", method="HEAD")
    assert not_modified.status == 304
    assert head.status == 200
    for resp in (not_modified, head):
        assert resp.headers[COEP] == "require-corp"
        assert resp.headers[COOP] == "same-origin"
        assert resp.headers[CORP] == "same-origin"


@pytest.mark.parametrize("omitted", [COOP, COEP, CORP])
def test_each_isolation_header_can_be_omitted_alone(site: Path, omitted: str) -> None:
    with StaticSiteServer(site, omit_headers={omitted.lower()}) as srv:
        for path in ("/", "/nope"):
            resp = fetch(srv, path)
            assert omitted not in resp.headers
            for other in {COOP, COEP, CORP} - {omitted}:
                assert other in resp.headers


def test_unknown_isolation_mode_is_refused(site: Path) -> None:
    with pytest.raises(ValueError, match="isolation"):
        StaticSiteServer(site, isolation="strict")  # type: ignore[arg-type]  # a wrong mode on purpose


def test_extra_headers_are_sent(site: Path) -> None:
    with StaticSiteServer(site, extra_headers={"X-Test": "yes"}) as srv:
        assert fetch(srv, "/").headers["X-Test"] == "yes"
        assert fetch(srv, "/nope").headers["X-Test"] == "yes"


# --- MIME types ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("path", "mime"),
    [
        ("/app.wasm", "application/wasm"),
        ("/app.mjs", "text/javascript"),
        ("/app.js", "text/javascript"),
        ("/bundle.avm", "application/octet-stream"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/data.json", "application/json"),
        ("/logo.svg", "image/svg+xml"),
        ("/pic.png", "image/png"),
        ("/blob.unknownext", "application/octet-stream"),
    ],
)
def test_mime_types_are_pinned(server: StaticSiteServer, path: str, mime: str) -> None:
    resp = fetch(server, path)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == mime


def test_a_mime_override_replaces_the_pinned_type_for_that_suffix_only(site: Path) -> None:
    with StaticSiteServer(site, mime_types={"WASM": "application/octet-stream"}).start() as srv:
        assert fetch(srv, "/app.wasm").headers["Content-Type"] == "application/octet-stream"
        assert fetch(srv, "/data.json").headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("extension", ["", ".", "a/b"])
def test_a_mime_override_needs_a_file_extension(site: Path, extension: str) -> None:
    with pytest.raises(ValueError, match=r"needs a file extension such as \.wasm"):
        StaticSiteServer(site, mime_types={extension: "text/plain"})


# --- caching ----------------------------------------------------------------

def test_revalidated_on_every_use_by_default(server: StaticSiteServer) -> None:
    resp = fetch(server, "/app.wasm", headers={"Accept-Encoding": "identity"})
    assert resp.headers["Cache-Control"] == "no-cache"
    etag = resp.headers["ETag"]
    # Unchanged: a 304 with no body; another representation's tag gets the file again.
    again = fetch(server, "/app.wasm", headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
    assert again.status == 304 and again.body == b"" and again.headers["ETag"] == etag
    other = fetch(server, "/app.wasm", headers={"If-None-Match": '"not-this-one"', "Accept-Encoding": "identity"})
    assert other.status == 200 and other.body == WASM


def test_cache_mode_sends_max_age_etag_and_304(site: Path) -> None:
    with StaticSiteServer(site, cache=True, max_age=600) as srv:
        first = fetch(srv, "/app.wasm")
        assert first.headers["Cache-Control"] == "public, max-age=600"
        etag = first.headers["ETag"]
        assert etag.startswith('"') and etag.endswith('"')

        hit = fetch(srv, "/app.wasm", headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
        assert hit.status == 304 and hit.body == b""
        assert hit.headers["ETag"] == etag

        miss = fetch(srv, "/app.wasm", headers={"If-None-Match": '"other"', "Accept-Encoding": "identity"})
        assert miss.status == 200 and miss.body == WASM

        (site / "app.wasm").write_bytes(WASM + b"changed")
        changed = fetch(srv, "/app.wasm", headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
        assert changed.status == 200 and changed.headers["ETag"] != etag

        # Each content coding is its own representation with its own ETag.
        gz = fetch(srv, "/app.wasm", headers={"Accept-Encoding": "gzip"})
        assert gz.headers["Content-Encoding"] == "gzip"
        assert gz.headers["ETag"] != changed.headers["ETag"]


# --- compression --------------------------------------------------------------

def test_precompressed_siblings_are_preferred(site: Path) -> None:
    (site / "app.wasm.br").write_bytes(b"BROTLI-BYTES")
    (site / "app.wasm.gz").write_bytes(b"GZIP-BYTES")
    with StaticSiteServer(site) as srv:
        br = fetch(srv, "/app.wasm", headers={"Accept-Encoding": "gzip, deflate, br"})
        gz = fetch(srv, "/app.wasm", headers={"Accept-Encoding": "gzip"})
        no_br = fetch(srv, "/app.wasm", headers={"Accept-Encoding": "br;q=0, gzip"})
        plain = fetch(srv, "/app.wasm", headers={"Accept-Encoding": "identity"})
    assert (br.headers["Content-Encoding"], br.body) == ("br", b"BROTLI-BYTES")
    assert (gz.headers["Content-Encoding"], gz.body) == ("gzip", b"GZIP-BYTES")
    assert (no_br.headers["Content-Encoding"], no_br.body) == ("gzip", b"GZIP-BYTES")
    assert "Content-Encoding" not in plain.headers and plain.body == WASM
    for resp in (br, gz, plain):
        assert resp.headers["Vary"] == "Accept-Encoding"
        assert resp.headers["Content-Type"] == "application/wasm"
        assert int(resp.headers["Content-Length"]) == len(resp.body)


@pytest.mark.parametrize("path", ["/app.wasm", "/app.mjs", "/index.html", "/bundle.avm", "/data.json"])
def test_on_the_fly_gzip_round_trips(server: StaticSiteServer, site: Path, path: str) -> None:
    resp = fetch(server, path, headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Content-Encoding"] == "gzip"
    assert resp.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(resp.body) == (site / path.lstrip("/")).read_bytes()


def test_on_the_fly_brotli_round_trips(server: StaticSiteServer) -> None:
    import brotli
    resp = fetch(server, "/app.wasm", headers={"Accept-Encoding": "gzip, br"})
    assert resp.headers["Content-Encoding"] == "br"
    assert brotli.decompress(resp.body) == WASM
    assert len(resp.body) < len(WASM)


def test_incompressible_types_and_compression_off_are_sent_as_is(site: Path) -> None:
    with StaticSiteServer(site) as srv:
        png = fetch(srv, "/pic.png", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in png.headers and "Vary" not in png.headers
    with StaticSiteServer(site, compression="off") as srv:
        wasm = fetch(srv, "/app.wasm", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in wasm.headers and wasm.body == WASM


# --- ranges, HEAD, directories, methods ------------------------------------------

@pytest.mark.parametrize(
    ("range_header", "expected", "content_range"),
    [
        ("bytes=2-5", b"2345", "bytes 2-5/10"),
        ("bytes=7-", b"789", "bytes 7-9/10"),
        ("bytes=-3", b"789", "bytes 7-9/10"),
        ("bytes=8-100", b"89", "bytes 8-9/10"),
    ],
)
def test_range_requests(server: StaticSiteServer, range_header: str, expected: bytes, content_range: str) -> None:
    resp = fetch(server, "/digits.txt", headers={"Range": range_header, "Accept-Encoding": "identity"})
    assert resp.status == 206
    assert resp.body == expected
    assert resp.headers["Content-Range"] == content_range
    assert resp.headers[COEP] == "require-corp"


def test_unsatisfiable_range_is_416(server: StaticSiteServer) -> None:
    resp = fetch(server, "/digits.txt", headers={"Range": "bytes=50-60", "Accept-Encoding": "identity"})
    assert resp.status == 416
    assert resp.headers["Content-Range"] == "bytes */10"


def test_range_is_ignored_for_compressed_responses(server: StaticSiteServer) -> None:
    # Like nginx: a compressed body has no stable byte offsets, so the whole file is sent.
    resp = fetch(server, "/digits.txt", headers={"Range": "bytes=2-5", "Accept-Encoding": "gzip"})
    assert resp.status == 200
    assert gzip.decompress(resp.body) == b"0123456789"


def test_head_sends_headers_without_body(server: StaticSiteServer) -> None:
    resp = fetch(server, "/app.wasm", method="HEAD")
    assert resp.status == 200 and resp.body == b""
    assert int(resp.headers["Content-Length"]) == len(WASM)
    assert resp.headers["Content-Type"] == "application/wasm"


def test_directories_serve_index_html(server: StaticSiteServer) -> None:
    assert b"<title>home</title>" in fetch(server, "/").body
    assert b"<title>sub</title>" in fetch(server, "/sub/").body
    redirect = fetch(server, "/sub")
    assert redirect.status == 301 and redirect.headers["Location"] == "/sub/"


def test_missing_file_is_404(server: StaticSiteServer) -> None:
    assert fetch(server, "/nope.wasm").status == 404


def test_other_methods_are_405(server: StaticSiteServer) -> None:
    resp = fetch(server, "/", method="POST")
    assert resp.status == 405 and resp.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/%2e%2e/secret.txt", "/sub/..%2f..%2fsecret.txt", "/sub/../../secret.txt", "/..\\secret.txt"]
)
def test_path_traversal_is_refused(server: StaticSiteServer, path: str) -> None:
    resp = fetch(server, path)
    assert resp.status == 403
    assert b"outside the site" not in resp.body


def test_missing_site_directory(tmp_path: Path) -> None:
    with pytest.raises(SiteNotFoundError, match="no-such-dir"):
        StaticSiteServer(tmp_path / "no-such-dir")


# --- ports and lifecycle -------------------------------------------------------

def test_free_port_and_urls(server: StaticSiteServer) -> None:
    assert server.port > 0
    assert server.origin == f"http://127.0.0.1:{server.port}"
    assert server.url == server.origin + "/"
    assert server.url_for("/app.wasm") == server.origin + "/app.wasm"


def test_taken_port_is_a_server_error(site: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(ServerError, match=str(port)):
            StaticSiteServer(site, port=port).start()


def test_port_of_a_running_server_is_taken(server: StaticSiteServer, site: Path) -> None:
    with pytest.raises(ServerError, match=str(server.port)):
        StaticSiteServer(site, port=server.port).start()


def test_stop_is_fast_and_cuts_keep_alive_connections(site: Path) -> None:
    srv = StaticSiteServer(site).start()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.request("GET", "/digits.txt")
    assert conn.getresponse().read() == b"0123456789"  # connection stays open (HTTP/1.1)
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 2
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        conn.request("GET", "/digits.txt")
        conn.getresponse().read()
    conn.close()
    srv.stop()  # twice is fine
    assert not srv.running


def test_stop_without_start_does_not_hang(site: Path) -> None:
    StaticSiteServer(site).stop()


def test_server_is_quiet(server: StaticSiteServer, capfd: pytest.CaptureFixture[str]) -> None:
    fetch(server, "/")
    fetch(server, "/nope")
    fetch(server, "/../x")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# --- request log -----------------------------------------------------------------

def test_request_log_records_what_was_sent(server: StaticSiteServer) -> None:
    before = time.time()
    fetch(server, "/app.wasm?v=1", headers={"Accept-Encoding": "gzip"})
    fetch(server, "/nope.js")
    fetch(server, "/digits.txt", method="HEAD")
    records = server.requests()
    assert [(r.method, r.path, r.status) for r in records] == [
        ("GET", "/app.wasm", 200),
        ("GET", "/nope.js", 404),
        ("HEAD", "/digits.txt", 200),
    ]
    wasm, missing, head = records
    assert wasm.query == "v=1"
    assert wasm.header("content-encoding") == "gzip"
    assert wasm.header(COEP) == "require-corp"
    assert wasm.bytes_sent == int(wasm.headers["Content-Length"]) < len(WASM)
    assert wasm.request_headers["Accept-Encoding"] == "gzip"
    assert missing.header(COOP) == "same-origin"
    assert head.bytes_sent == 0
    assert before <= wasm.timestamp <= missing.timestamp <= head.timestamp <= time.time()
    assert server.requests("/nope.js") == [missing]

    server.clear_log()
    assert server.requests() == []


def test_request_log_is_thread_safe(server: StaticSiteServer) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda i: fetch(server, f"/digits.txt?i={i}").status, range(40)))
    assert statuses == [200] * 40
    assert sorted(int(r.query[2:]) for r in server.requests()) == list(range(40))


# --- HTML injection -----------------------------------------------------------------

PROBE = "window.__probe = '</script>';"


def test_html_injection_runs_first_in_every_html_page(site: Path) -> None:
    (site / "index.html").write_text("<!doctype html><html><head><script>page()</script></head></html>")
    (site / "index.html.gz").write_bytes(gzip.compress(b"stale, without the probe"))
    with StaticSiteServer(site, html_injection=PROBE) as srv:
        page = fetch(srv, "/")
        sub = fetch(srv, "/sub/")
        js = fetch(srv, "/app.js")
        gz = fetch(srv, "/index.html", headers={"Accept-Encoding": "gzip"})
    tag = b"<script>window.__probe = '<\\/script>';</script>"
    assert page.body == b"<!doctype html><html><head>" + tag + b"<script>page()</script></head></html>"
    assert int(page.headers["Content-Length"]) == len(page.body)
    assert sub.body.startswith(b"<!doctype html>" + tag)  # no <head>: right after the doctype
    assert js.body == JS
    assert gzip.decompress(gz.body) == page.body  # the precompressed page is not used


# --- request bodies -------------------------------------------------------------------------

def received_by(site: Path) -> tuple[StaticSiteServer, list[bytes]]:
    bodies: list[bytes] = []

    def receiver(body: bytes, content_type: str) -> tuple[int, str, bytes]:
        bodies.append(body)
        return 200, "application/json", b"{}"

    return StaticSiteServer(site, receivers={"/collect": receiver}), bodies


def test_a_body_nobody_wants_is_read_so_the_connection_stays_usable(server: StaticSiteServer) -> None:
    # Left unread, the body would be parsed as the next request on the keep-alive connection.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", "/", body=b'{"no": "newline"}', headers={"Content-Type": "application/json"})
        first = conn.getresponse()
        first.read()
        conn.request("GET", "/digits.txt", headers={"Accept-Encoding": "identity"})
        second = conn.getresponse()
        assert (first.status, second.status, second.read()) == (405, 200, b"0123456789")
    finally:
        conn.close()


def test_a_chunked_body_reaches_the_receiver_whole(site: Path) -> None:
    srv, bodies = received_by(site)
    with srv, socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        sock.sendall(b"POST /collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n")
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.0 200") or answer.startswith(b"HTTP/1.1 200")
    assert bodies == [b"hello, world"]


def test_a_body_cut_by_the_client_reaches_no_receiver_and_is_logged_unanswered(site: Path) -> None:
    srv, bodies = received_by(site)
    with srv:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            sock.sendall(b"POST /collect HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"resourceLogs\": [")
            sock.shutdown(socket.SHUT_WR)  # a page that unloaded mid-upload
            assert sock.recv(4096) == b""  # no answer: the connection just ends
        deadline = time.monotonic() + 5
        while not srv.requests() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [(r.method, r.path, r.status) for r in srv.requests()] == [("POST", "/collect", 0)]
    assert bodies == []


@pytest.mark.parametrize("length", ["99999999999", "-1", "ten"])
def test_an_impossible_content_length_is_refused_without_reading(server: StaticSiteServer, length: str) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode())
        answer = sock.recv(4096)
    expected = b"413" if length.isdigit() else b"400"
    assert answer.split(b"\r\n")[0].split(b" ")[1] == expected


@pytest.mark.parametrize(("encoding", "body", "status", "received"), [
    ("gzip", gzip.compress(b'{"resourceLogs": []}'), 200, [b'{"resourceLogs": []}']),  # what OTLP exporters send
    ("gzip", b"not gzip at all", 400, []),
    ("br", b"\x0b\x02\x80{}\x03", 415, []),
])
def test_a_receiver_gets_the_body_unpacked(site: Path, encoding: str, body: bytes, status: int,
                                           received: list[bytes]) -> None:
    srv, bodies = received_by(site)
    with srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        try:
            conn.request("POST", "/collect", body=body, headers={"Content-Encoding": encoding})
            assert conn.getresponse().status == status
        finally:
            conn.close()
    assert bodies == received
