"""A deployment the plugin did not start: which base URLs can work at all, and what the host is asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_wasmblog.link import Link
from pytest_wasmblog.remote import RemoteSite, RemoteSiteError
from pytest_wasmblog.server import StaticSiteServer
from pytest_wasmblog.settings import SettingsError, base_url_setting


@pytest.mark.parametrize(("given", "kept"), [
    ("https://staging.example.org/", "https://staging.example.org"),
    ("https://user.github.io/blog/", "https://user.github.io/blog"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("http://127.0.0.2:8080/", "http://127.0.0.2:8080"),
    ("http://localhost:3000", "http://localhost:3000"),
    ("http://app.localhost:3000", "http://app.localhost:3000"),
    ("http://[::1]:8080", "http://[::1]:8080"),
])
def test_a_secure_context_is_kept_without_its_trailing_slash(given: str, kept: str) -> None:
    assert base_url_setting(given) == kept


@pytest.mark.parametrize(("given", "said"), [
    ("http://staging.example.org", "is not a secure context"),
    ("http://10.0.0.5:8080", "is not a secure context"),
    ("ftp://example.org", "takes an http(s) URL"),
    ("staging.example.org", "takes an http(s) URL"),
    ("https://example.org/#top", "without ?query or #fragment"),
])
def test_a_base_url_that_cannot_work_is_refused(given: str, said: str) -> None:
    with pytest.raises(SettingsError, match=said.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        base_url_setting(given)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>" + "x" * 2000)
    return tmp_path


def test_the_host_is_asked_for_each_coding_and_its_answer_kept_as_sent(site: Path) -> None:
    with StaticSiteServer(site) as server:
        remote = RemoteSite(server.origin, None, Link())
        raw, gzip = remote.fetch("index.html"), remote.fetch("/index.html", "gzip")
        assert raw.encoding == "identity" and raw.body == (site / "index.html").read_bytes()
        assert gzip.encoding == "gzip" and len(gzip.body) < len(raw.body)
        assert remote.response_headers("index.html")["cross-origin-embedder-policy"] == "require-corp"
        assert remote.response_headers("missing.html") is None
        remote.check_reachable("/index.html")
        with pytest.raises(RemoteSiteError, match="answered HTTP 404"):
            remote.check_reachable("/other.html")
    with pytest.raises(RemoteSiteError, match="cannot reach the deployment"):
        remote.check_reachable("/index.html")


def test_the_server_log_is_refused_with_the_way_out() -> None:
    remote = RemoteSite("https://staging.example.org", None, Link())
    with pytest.raises(RemoteSiteError, match=r"wasm_served_here.*wasm_server.fetch"):
        remote.requests()
    assert remote.url_for("/index.html") == "https://staging.example.org/index.html"
