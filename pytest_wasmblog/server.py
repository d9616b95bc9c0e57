"""A static file server that behaves like the CDN a Popcorn site is deployed to.

Cross-origin isolation headers, pinned MIME types, compression and caching are
what decide whether a wasm site boots in a real browser, so each one is explicit
here and can be switched off on its own to prove the site depends on it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit

from .errors import ServerError, SiteNotFoundError
from .http_rules import (
    BROTLI,
    COMPRESSIBLE_SUFFIXES,
    COMPRESSION_MODES,
    HTML_SUFFIXES,
    UNOMITTABLE,
    Compression,
    Isolation,
    RequestRecord,
    accepts,
    compress_body,
    etag_matches,
    inject_script,
    isolation_headers,
    mime_suffix,
    mime_type_for,
    parse_accept_encoding,
    parse_range,
)
from .link import Link, LinkDown

log = logging.getLogger(__name__)



_SHAPED_CHUNK = 16 * 1024  # a throttled body goes out in pieces this size, each waiting its turn
_MAX_REQUEST_BODY = 16 * 1024 * 1024  # larger uploads are refused (413) and the connection closed

# (request body, its Content-Type) -> (status, Content-Type, body of the answer)
Receiver = Callable[[bytes, str], tuple[int, str, bytes]]


@dataclass(frozen=True)
class _Variant:
    """The body to send for one file and one content coding."""

    data: bytes
    encoding: str | None  # None = identity
    etag: str


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a stuck browser connection must never block exit
    block_on_close = False
    allow_reuse_port = False  # SO_REUSEPORT would let two servers share a port silently
    request_queue_size = 128  # the default 5 drops SYNs when a page opens many connections (1 s retry)

    def __init__(self, address: tuple[str, int], owner: StaticSiteServer) -> None:
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup that can
        # stall for seconds on a closed network.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def finish_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        # TLS handshakes happen here, in the connection's own thread: in accept() a slow or
        # refusing client would hold up every other connection.
        if self.owner.tls is not None:
            request = self.owner.tls.wrap_socket(request, server_side=True)
        super().finish_request(request, client_address)

    # The base class types `request` loosely; this server only ever gets sockets.
    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]  # sockets, as above
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut keep-alive connections so a stopped server really serves nothing."""
        with self._conn_lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: object, client_address: object) -> None:
        # Browsers abort requests all the time (navigation, cancelled fetches): not an error.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout, ssl.SSLError)):
            log.debug("client %s went away: %r", client_address, exc)
        else:
            log.exception("error while serving %s", client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as browsers expect from a CDN
    server_version = "wasmblog"
    timeout = 60  # idle keep-alive connections end instead of holding a thread forever
    # A response is two writes (headers, then body). With Nagle's algorithm on, the next response on a
    # kept-alive connection waits for the client's delayed ACK of the last one: up to 40 ms a request.
    disable_nagle_algorithm = True
    server: _HTTPServer

    # --- per-request state -------------------------------------------------
    _status: int
    _sent: dict[str, str]
    _bytes: int

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is the record, not stderr."""

    @property
    def site(self) -> StaticSiteServer:
        return self.server.owner

    # --- header bookkeeping -------------------------------------------------
    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = int(code)
        super().send_response(code, message)

    def send_header(self, keyword: str, value: str) -> None:
        lkey = keyword.lower()
        if lkey in self.site.omit_headers and lkey not in UNOMITTABLE:
            return
        if hasattr(self, "_sent"):
            self._sent[keyword] = value
        super().send_header(keyword, value)

    def _write(self, data: bytes) -> None:
        conditions = self._shaping
        if conditions is None:
            self.wfile.write(data)
            self._bytes += len(data)
            return
        for start in range(0, len(data), _SHAPED_CHUNK):
            chunk = data[start:start + _SHAPED_CHUNK]
            self.site.link.delay_chunk(conditions, len(chunk))
            self.wfile.write(chunk)
            self._bytes += len(chunk)

    def _drop(self) -> None:
        """Cut the connection with a reset, as a network that went away would."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass

    def _common_headers(self) -> None:
        """Headers every response carries, errors and 304s included."""
        for name, value in isolation_headers(self.site.isolation).items():
            self.send_header(name, value)
        if self.site.cache:
            self.send_header("Cache-Control", f"public, max-age={self.site.max_age}")
        else:
            # What a CDN sends for files without a content hash in their name: the browser may keep
            # them but asks again every time (a 304 when unchanged), so no test sees a stale file.
            self.send_header("Cache-Control", "no-cache")
        for name, value in self.site.extra_headers.items():
            self.send_header(name, value)

    def _simple(self, status: HTTPStatus, text: str, headers: Mapping[str, str] | None = None) -> None:
        body = f"{status.value} {status.phrase}: {text}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self._common_headers()
        self._finish(body)

    # --- dispatch -----------------------------------------------------------
    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_POST

    def _handle(self) -> None:
        self._started = time.time()
        self._status = 0
        self._sent = {}
        self._bytes = 0
        self._url = urlsplit(self.path)
        self._log_index: int | None = None
        self._shaping = self.site.link.shapes(dict(self.headers.items()))
        try:
            if self.site.link.offline:
                self.site.link.dropped += 1
                self._drop()
            elif (body := self._read_body()) is None:
                return  # answered (413) or cut by the client: nothing for a receiver
            elif self.command == "POST" and self._url.path in self.site.receivers:
                self._receive(self.site.receivers[self._url.path], body)
            elif self.command not in ("GET", "HEAD"):
                self._simple(HTTPStatus.METHOD_NOT_ALLOWED, "a static site only answers GET and HEAD",
                             {"Allow": "GET, HEAD"})
            else:
                self._serve(self._url.path)
        except LinkDown:
            self._drop()  # went offline while this response waited or was being sent
        finally:
            record = self._make_record(self._bytes)
            if self._log_index is None:
                self.site._record(record)
            elif record.bytes_sent != self.site._log_bytes(self._log_index):
                self.site._replace(self._log_index, record)  # the client went away mid-body

    def _read_body(self) -> bytes | None:
        """The request's whole body, read even when nothing wants it: left in the socket, it would be
        parsed as the next request on this keep-alive connection. None when the client went away
        before sending all of it (a page that unloaded mid-upload), or when it is too large (413)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > _MAX_REQUEST_BODY:
            self.close_connection = True
            self._simple(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > 0 else HTTPStatus.BAD_REQUEST,
                         f"a request body must have a Content-Length of at most {_MAX_REQUEST_BODY} bytes")
            return None
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True  # the client stopped mid-body: no answer
            return None
        return body

    def _read_chunked(self) -> bytes | None:
        parts: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024)
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                self.close_connection = True  # not chunked after all, or cut: no answer
                return None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > _MAX_REQUEST_BODY:
                self.close_connection = True
                self._simple(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                             f"a request body must be at most {_MAX_REQUEST_BODY} bytes")
                return None
            chunk = self.rfile.read(size + 2)  # the data and its CRLF
            if len(chunk) < size + 2:
                self.close_connection = True
                return None
            parts.append(chunk[:size])

    def _receive(self, receiver: Receiver, body: bytes) -> None:
        """A POST to a receiver's path (the OTLP endpoints): its answer, with the usual headers.
        A gzip request body (what OTLP exporters may send) is unpacked first."""
        coding = (self.headers.get("Content-Encoding") or "identity").strip().lower()
        if coding == "gzip":
            unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                body = unpacker.decompress(body, _MAX_REQUEST_BODY)
            except zlib.error as exc:
                self._simple(HTTPStatus.BAD_REQUEST, f"the body says Content-Encoding: gzip but is not gzip ({exc})")
                return
            if unpacker.unconsumed_tail:
                self._simple(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                             f"the unpacked body is larger than {_MAX_REQUEST_BODY} bytes")
                return
        elif coding != "identity":
            self._simple(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"Content-Encoding {coding!r}: send gzip or no encoding")
            return
        status, content_type, answer = receiver(body, self.headers.get("Content-Type") or "")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(answer)))
        self._common_headers()
        self._finish(answer)

    def _request_bytes(self) -> int:
        """Size of the request on the wire (a static site's GETs have no body)."""
        return len(self.requestline) + 2 + sum(len(k) + len(v) + 4 for k, v in self.headers.items()) + 2

    def _make_record(self, bytes_sent: int) -> RequestRecord:
        return RequestRecord(
            method=self.command,
            path=self._url.path,
            query=self._url.query,
            status=self._status,
            headers=dict(self._sent),
            bytes_sent=bytes_sent,
            timestamp=self._started,
            duration_s=time.time() - self._started,
            request_headers=dict(self.headers.items()),
        )

    def _finish(self, body: bytes) -> None:
        """End the headers and send the body, logging first.

        The record goes in before the client can see the response, so a test that
        reads the log right after its request always finds it.
        """
        send = self.command != "HEAD" and self._status != HTTPStatus.NOT_MODIFIED
        if self._shaping is not None:
            self.site.link.delay_request(self._shaping, self._request_bytes())
        self._log_index = self.site._record(self._make_record(len(body) if send else 0))
        self.end_headers()
        if send:
            self._write(body)

    def _serve(self, url_path: str) -> None:
        fs_path = self.site.translate_path(url_path)
        if fs_path is None:
            self._simple(HTTPStatus.FORBIDDEN, "path leaves the site directory")
            return
        if os.path.isdir(fs_path):
            if not url_path.endswith("/"):
                # Like a CDN: relative URLs in index.html need the trailing slash.
                self._simple(HTTPStatus.MOVED_PERMANENTLY, "directory", {"Location": url_path + "/"})
                return
            fs_path = os.path.join(fs_path, "index.html")
        if not os.path.isfile(fs_path):
            self._simple(HTTPStatus.NOT_FOUND, f"{url_path} is not in the site")
            return
        self._serve_file(fs_path)

    def _serve_file(self, fs_path: str) -> None:
        accepted = parse_accept_encoding(self.headers.get("Accept-Encoding"))
        variant, varies = self.site._variant(fs_path, accepted)
        data = variant.data

        inm = self.headers.get("If-None-Match")
        if inm and etag_matches(inm, variant.etag):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", variant.etag)
            if varies:
                self.send_header("Vary", "Accept-Encoding")
            self._common_headers()
            self._finish(b"")
            return

        status = HTTPStatus.OK
        content_range: str | None = None
        range_header = self.headers.get("Range")
        if variant.encoding is None and range_header:
            parsed = parse_range(range_header, len(data))
            if parsed == "unsatisfiable":
                self._simple(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "range outside the file",
                             {"Content-Range": f"bytes */{len(data)}"})
                return
            if parsed is not None:
                start, end = parsed
                content_range = f"bytes {start}-{end}/{len(data)}"
                data = data[start:end + 1]
                status = HTTPStatus.PARTIAL_CONTENT

        self.send_response(status)
        self.send_header("Content-Type", mime_type_for(fs_path, self.site.mime_types))
        self.send_header("Content-Length", str(len(data)))
        if variant.encoding:
            self.send_header("Content-Encoding", variant.encoding)
        else:
            self.send_header("Accept-Ranges", "bytes")
        if content_range:
            self.send_header("Content-Range", content_range)
        if varies:
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("ETag", variant.etag)
        self._common_headers()
        self._finish(data)


class StaticSiteServer:
    """Serve `root` on 127.0.0.1 the way a static CDN host would.

    Usage: ``with StaticSiteServer(path) as srv: page.goto(srv.url)``.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        isolation: Isolation = "require-corp",
        omit_headers: Iterable[str] = (),
        cache: bool = False,
        max_age: int = 3600,
        compression: Compression = "auto",
        extra_headers: Mapping[str, str] | None = None,
        html_injection: str | None = None,
        link: Link | None = None,
        mime_types: Mapping[str, str] | None = None,
        receivers: Mapping[str, Receiver] | None = None,
        tls: ssl.SSLContext | None = None,
        public_host: str | None = None,
        client_ssl: ssl.SSLContext | None = None,
    ) -> None:
        self.root = os.path.abspath(os.fspath(root))
        if not os.path.isdir(self.root):
            raise SiteNotFoundError(self.root)
        isolation_headers(isolation)  # validates the mode
        if compression not in COMPRESSION_MODES:
            raise ValueError(f"compression must be one of {COMPRESSION_MODES}, not {compression!r}")
        self.host = host
        self.requested_port = port
        # HTTPS with this context (a certificate the run made), and the host name browsers use: a
        # browser on another machine reaches this one by a name, not by the address it listens on.
        self.tls = tls
        self.public_host = public_host
        self.client_ssl = client_ssl  # trusts `tls`'s certificate: for Python clients of this server
        self.isolation: str = isolation
        self.omit_headers: frozenset[str] = frozenset(h.lower() for h in omit_headers)
        self.cache = cache
        self.max_age = max_age
        self.compression: str = compression
        self.extra_headers: dict[str, str] = dict(extra_headers or {})
        # Content types that replace the pinned ones, to reproduce a host that gets them wrong.
        self.mime_types: dict[str, str] = {mime_suffix(ext): kind for ext, kind in (mime_types or {}).items()}
        # JS run before the page's own scripts in every HTML response (engine-neutral probes).
        self.html_injection = html_injection
        # POST endpoints beside the static files: path -> receiver (the OTLP receiver of wasm_telemetry).
        self.receivers: dict[str, Receiver] = dict(receivers or {})
        # Offline and throttling; the `network` fixture shares one link between its servers.
        self.link = link if link is not None else Link()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._log: list[RequestRecord] = []
        self._log_offset = 0  # records dropped by clear_log(), so indexes stay unique
        self._log_lock = threading.Lock()
        # Compressing a multi-MB bundle per request would dominate timings.
        self._variants: dict[tuple[str, int, int, str | None], _Variant] = {}
        self._variants_lock = threading.Lock()

    # --- lifecycle ----------------------------------------------------------
    def start(self) -> StaticSiteServer:
        if self._httpd is not None:
            return self
        try:
            httpd = _HTTPServer((self.host, self.requested_port), self)
        except OSError as exc:
            raise ServerError(
                f"cannot serve {self.root} on {self.host}:{self.requested_port}: {exc.strerror or exc}. "
                f"Fix: free port {self.requested_port} or use port 0 to pick a free one."
            ) from exc
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"wasmblog-server-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        if thread is not None and thread.is_alive():
            httpd.shutdown()  # only safe while serve_forever runs, else it waits forever
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise ServerError("the server is not running: call start() or use it as a context manager")
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT` (https and the public host name when given), no trailing slash."""
        host = self.public_host or ("127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host)
        host = f"[{host}]" if ":" in host else host
        return f"{'https' if self.tls is not None else 'http'}://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The site's root URL, with a trailing slash."""
        return self.origin + "/"

    def url_for(self, path: str) -> str:
        return self.origin + "/" + path.lstrip("/")

    def deploy(self, root: str | os.PathLike[str]) -> None:
        """Serve another folder on the same origin from now on: a new deployment of the site."""
        new_root = os.path.abspath(os.fspath(root))
        if not os.path.isdir(new_root):
            raise SiteNotFoundError(new_root)
        self.root = new_root  # one assignment: each request sees the old or the new site, never a mix

    # --- request log --------------------------------------------------------
    def _record(self, record: RequestRecord) -> int:
        with self._log_lock:
            self._log.append(record)
            return self._log_offset + len(self._log) - 1

    def _log_bytes(self, index: int) -> int | None:
        with self._log_lock:
            i = index - self._log_offset
            return self._log[i].bytes_sent if 0 <= i < len(self._log) else None

    def _replace(self, index: int, record: RequestRecord) -> None:
        with self._log_lock:
            i = index - self._log_offset
            if 0 <= i < len(self._log):  # cleared meanwhile: nothing to correct
                self._log[i] = record

    def requests(self, path: str | None = None) -> list[RequestRecord]:
        """A copy of the request log, optionally only for one URL path."""
        with self._log_lock:
            records = list(self._log)
        return records if path is None else [r for r in records if r.path == path]

    def clear_log(self) -> None:
        with self._log_lock:
            # Indexes handed to in-flight requests stay valid (they point before the offset).
            self._log_offset += len(self._log)
            self._log.clear()

    # --- files --------------------------------------------------------------
    def translate_path(self, url_path: str) -> str | None:
        """URL path -> file system path inside root, or None if it would leave root."""
        decoded = unquote(url_path)
        if "\x00" in decoded or "\\" in decoded:
            return None
        parts = [p for p in decoded.split("/") if p not in ("", ".")]
        if ".." in parts:
            return None
        full = os.path.join(self.root, *parts)
        if os.path.commonpath([self.root, os.path.abspath(full)]) != self.root:
            return None
        return full

    def _variant(self, fs_path: str, accepted: Mapping[str, float]) -> tuple[_Variant, bool]:
        """Pick the body to send: precompressed sibling, on-the-fly compression or the file."""
        suffix = os.path.splitext(fs_path)[1].lower()
        compressible = suffix in COMPRESSIBLE_SUFFIXES
        siblings = [(enc, fs_path + ext) for enc, ext in (("br", ".br"), ("gzip", ".gz"))]
        existing = [(enc, p) for enc, p in siblings if os.path.isfile(p)]
        if self.html_injection is not None and suffix in HTML_SUFFIXES:
            existing = []  # a precompressed page would lack the injected script
        varies = self.compression == "auto" and (compressible or bool(existing))
        if self.compression == "auto":
            for enc, path in existing:
                if accepts(accepted, enc):
                    return self._load(path, enc, precompressed=True), varies
            if compressible:
                for enc in ("br", "gzip"):
                    if enc == "br" and not BROTLI:
                        continue
                    if accepts(accepted, enc):
                        return self._load(fs_path, enc, precompressed=False), varies
        return self._load(fs_path, None, precompressed=False), varies

    def _load(self, path: str, encoding: str | None, *, precompressed: bool) -> _Variant:
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size, encoding)
        with self._variants_lock:
            cached = self._variants.get(key)
        if cached is not None:
            return cached
        with open(path, "rb") as f:
            raw = f.read()
        if self.html_injection is not None and not precompressed and path.lower().endswith(HTML_SUFFIXES):
            raw = inject_script(raw, self.html_injection)
        data = raw if precompressed or encoding is None else compress_body(raw, encoding)
        digest = hashlib.sha1(data).hexdigest()[:20]
        variant = _Variant(data, encoding, f'"{digest}-{encoding}"' if encoding else f'"{digest}"')
        with self._variants_lock:
            # Drop stale versions of this file so edits during a session do not pile up.
            for old in [k for k in self._variants if k[0] == path and k[3] == encoding]:
                del self._variants[old]
            self._variants[key] = variant
        return variant
