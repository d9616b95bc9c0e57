"""Which Content-Types of the runtime's files the browsers refuse, read from the server's log."""

from __future__ import annotations

import pytest

from pytest_wasmblog.content_types import WrongContentTypeError, wrong_content_types
from pytest_wasmblog.http_rules import RequestRecord
from pytest_wasmblog.settings import SettingsError, parse_mime_types


def record(path: str, content_type: str | None, status: int = 200) -> RequestRecord:
    headers = {"Content-Type": content_type} if content_type is not None else {}
    return RequestRecord("GET", path, "", status, headers, 10, 0.0, 0.0)


@pytest.mark.parametrize(("path", "content_type"), [
    ("/AtomVM.wasm", "application/wasm"),
    ("/AtomVM.wasm", "Application/WASM"),
    ("/popcorn.mjs", "text/javascript"),
    ("/app.js", "application/javascript; charset=utf-8"),
    ("/bundle.avm", "application/octet-stream"),  # fetched as bytes: any type works
    ("/index.html", "text/plain"),  # not a runtime file
])
def test_types_the_browsers_accept_are_not_reported(path: str, content_type: str) -> None:
    assert wrong_content_types([record(path, content_type)]) == []


@pytest.mark.parametrize(("path", "content_type"), [
    ("/AtomVM.wasm", "application/octet-stream"),
    ("/assets/AtomVM.wasm", "application/wasm-but-not"),
    ("/popcorn.mjs", "application/octet-stream"),
    ("/iframe.mjs", "text/plain"),
    ("/AtomVM.mjs", None),
])
def test_a_refused_type_is_reported_with_what_was_sent(path: str, content_type: str | None) -> None:
    assert wrong_content_types([record(path, content_type)]) == [(path, content_type or "(none)")]


def test_only_successful_answers_count_and_each_path_once() -> None:
    records = [record("/AtomVM.wasm", "text/plain", status=404), record("/a.mjs", "text/plain"),
               record("/a.mjs", "text/plain")]
    assert wrong_content_types(records) == [("/a.mjs", "text/plain")]


def test_the_error_names_file_type_consequence_and_fix() -> None:
    error = WrongContentTypeError("http://h/index.html", [("/AtomVM.wasm", "application/octet-stream"),
                                                          ("/popcorn.mjs", "text/plain")])
    text = str(error)
    assert "/AtomVM.wasm: sent as 'application/octet-stream', needs 'application/wasm'" in text
    assert "downloaded twice" in text
    assert "/popcorn.mjs: sent as 'text/plain', needs 'text/javascript'" in text
    assert "never starts" in text
    assert "Fix: configure the host" in text


def test_mime_type_option_is_parsed_and_lowercases_the_suffix() -> None:
    assert parse_mime_types([".WASM=application/octet-stream", ".mjs= text/plain "]) == {
        ".wasm": "application/octet-stream", ".mjs": "text/plain"}


@pytest.mark.parametrize("pair", ["wasm=application/wasm", ".wasm", ".wasm=", "=text/plain"])
def test_mime_type_option_refuses_what_is_not_ext_equals_type(pair: str) -> None:
    with pytest.raises(SettingsError, match="EXT=TYPE"):
        parse_mime_types([pair])
