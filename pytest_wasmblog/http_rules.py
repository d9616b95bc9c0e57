"""The HTTP facts of serving a Popcorn site the way a static CDN host does: isolation headers,
content types, compression, ranges and validators. Pure functions and constants, shared by the
test server, the bundle builder (precompressed files) and the size report."""

from __future__ import annotations

import gzip
import importlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Literal, cast


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:  # pragma: no cover - depends on the environment
        return None


# Optional: brotli is what real CDNs prefer; gzip is always there.
_brotli = _optional_module("brotli")
BROTLI = _brotli is not None

Isolation = Literal["require-corp", "credentialless", "none"]
Compression = Literal["auto", "off"]

ISOLATION_MODES: tuple[Isolation, ...] = ("require-corp", "credentialless", "none")
COMPRESSION_MODES: tuple[str, ...] = ("auto", "off")

COOP = "Cross-Origin-Opener-Policy"
COEP = "Cross-Origin-Embedder-Policy"
CORP = "Cross-Origin-Resource-Policy"

# Pinned rather than taken from `mimetypes`: that depends on /etc/mime.types and
# does not know .avm; a wrong type for .wasm breaks instantiateStreaming.
MIME_TYPES: dict[str, str] = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".avm": "application/octet-stream",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".woff2": "font/woff2",
}
DEFAULT_MIME_TYPE = "application/octet-stream"

COMPRESSIBLE_SUFFIXES: frozenset[str] = frozenset(
    {".wasm", ".js", ".mjs", ".html", ".htm", ".css", ".json", ".map", ".svg", ".avm", ".txt", ".xml"}
)

# Framing headers: omitting them would corrupt the HTTP stream, not test the site.
UNOMITTABLE = frozenset({"content-length", "content-encoding", "content-range", "connection"})


def isolation_headers(isolation: str) -> dict[str, str]:
    """The COOP/COEP/CORP headers a mode sends."""
    if isolation == "require-corp":
        return {COOP: "same-origin", COEP: "require-corp", CORP: "same-origin"}
    if isolation == "credentialless":
        return {COOP: "same-origin", COEP: "credentialless", CORP: "same-origin"}
    if isolation == "none":
        return {}
    raise ValueError(f"isolation must be one of {ISOLATION_MODES}, not {isolation!r}")


def mime_type_for(path: str, overrides: Mapping[str, str] | None = None) -> str:
    suffix = os.path.splitext(path)[1].lower()
    if overrides and suffix in overrides:
        return overrides[suffix]
    return MIME_TYPES.get(suffix, DEFAULT_MIME_TYPE)


def mime_suffix(extension: str) -> str:
    suffix = extension.lower() if extension.startswith(".") else "." + extension.lower()
    if len(suffix) < 2 or "/" in suffix:
        raise ValueError(f"a MIME override needs a file extension such as .wasm, not {extension!r}")
    return suffix


def parse_accept_encoding(value: str | None) -> dict[str, float]:
    """`gzip;q=0.5, br` -> {"gzip": 0.5, "br": 1.0}; q=0 entries are kept (they forbid)."""
    result: dict[str, float] = {}
    for part in (value or "").split(","):
        token, *params = [p.strip() for p in part.split(";")]
        if not token:
            continue
        q = 1.0
        for param in params:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        result[token.lower()] = q
    return result


def accepts(accepted: Mapping[str, float], coding: str) -> bool:
    if coding in accepted:
        return accepted[coding] > 0
    return accepted.get("*", 0.0) > 0


def parse_range(value: str, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """One `bytes=a-b` range -> inclusive (start, end); None to ignore the header."""
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # other units and multipart ranges: send the whole file, as allowed
    first, sep, last = spec.strip().partition("-")
    if not sep:
        return None
    try:
        if first == "":
            suffix = int(last)
            if suffix <= 0:
                return "unsatisfiable"
            return (max(0, size - suffix), size - 1) if size else "unsatisfiable"
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start < 0 or end < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size - 1)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw and answered it."""

    method: str
    path: str  # URL path without the query, as sent (still percent-encoded)
    query: str
    status: int
    headers: dict[str, str]  # response headers actually sent
    bytes_sent: int  # body bytes written (0 for HEAD and 304)
    timestamp: float  # time.time() when the request arrived
    duration_s: float  # until the response was ready to send (body transfer excluded)
    request_headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """A response header by case-insensitive name."""
        lname = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lname:
                return value
        return None


def etag_matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in if_none_match.split(","))


HTML_SUFFIXES = (".html", ".htm")
_INJECT_AFTER = (re.compile(rb"<head\b[^>]*>", re.IGNORECASE), re.compile(rb"<html\b[^>]*>", re.IGNORECASE),
                 re.compile(rb"<!doctype\b[^>]*>", re.IGNORECASE))


def inject_script(html: bytes, js: str) -> bytes:
    """Insert `js` as the first inline classic script, so it runs before any page script."""
    safe = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)  # the JS must not close its own tag
    tag = b"<script>" + safe.encode() + b"</script>"
    for pattern in _INJECT_AFTER:
        match = pattern.search(html)
        if match:
            return html[: match.end()] + tag + html[match.end():]
    return tag + html


def compress_body(data: bytes, encoding: str) -> bytes:
    """The body the server sends for `data` in a content coding it compresses on the fly."""
    if encoding == "gzip":
        # mtime=0: the same file compresses to the same bytes (stable ETags).
        return gzip.compress(data, compresslevel=6, mtime=0)
    if encoding == "br" and _brotli is not None:
        # Quality 5: close to what CDNs use on the fly; 11 takes seconds on a 5 MB bundle.
        return cast(bytes, _brotli.compress(data, quality=5))
    raise ValueError(f"unsupported content coding {encoding!r}")
