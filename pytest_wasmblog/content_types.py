"""The Content-Type the runtime's files must be served with, and the error when a host gets it wrong.

Measured on all three engines (Popcorn 0.3.3): `.wasm` sent as anything but `application/wasm`
makes Emscripten's streaming compile fail, and the runtime is downloaded a second time for the
ArrayBuffer fallback; a module script sent as a non-JavaScript type is refused outright, and the
page waits until the boot times out. Both are visible in the server's log the moment they happen.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.http_rules import RequestRecord

JAVASCRIPT_TYPES = frozenset({"text/javascript", "application/javascript", "application/x-javascript",
                              "application/ecmascript", "text/ecmascript"})
_CONSEQUENCE = {
    ".wasm": "the browser's streaming compile refuses it, so the runtime is downloaded twice and compiled late",
    ".mjs": "browsers refuse module scripts of any other type, so the app never starts",
    ".js": "browsers refuse module scripts of any other type, so the app never starts",
}


class WrongContentTypeError(WasmblogError):
    """A runtime file was served with a Content-Type the browser does not accept for it."""

    def __init__(self, page_url: str, wrong: list[tuple[str, str]]) -> None:
        self.wrong = wrong
        lines = [f"  {path}: sent as {sent!r}, needs {expected_type(path)!r}: {_CONSEQUENCE[_suffix(path)]}"
                 for path, sent in wrong]
        super().__init__(
            f"the site's runtime files were served with the wrong Content-Type while {page_url} booted:\n"
            + "\n".join(lines)
            + "\nFix: configure the host to send `Content-Type: application/wasm` for .wasm and "
            "`text/javascript` for .mjs/.js (and drop --wasm-mime-type if you set it)"
        )


def _suffix(path: str) -> str:
    return posixpath.splitext(path)[1].lower()  # URL paths are POSIX paths


def expected_type(path: str) -> str:
    return "application/wasm" if _suffix(path) == ".wasm" else "text/javascript"


def _acceptable(path: str, content_type: str) -> bool:
    essence = content_type.split(";", 1)[0].strip().lower()
    if _suffix(path) == ".wasm":
        return essence == "application/wasm"
    return essence in JAVASCRIPT_TYPES


def wrong_content_types(records: Iterable[RequestRecord]) -> list[tuple[str, str]]:
    """(path, type sent) of each runtime file answered with a type its browser use rejects."""
    wrong: dict[str, str] = {}
    for record in records:
        if not (200 <= record.status < 300) or _suffix(record.path) not in _CONSEQUENCE:
            continue
        sent = record.header("Content-Type") or "(none)"
        if not _acceptable(record.path, sent):
            wrong[record.path] = sent
    return sorted(wrong.items())
