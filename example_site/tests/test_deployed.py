"""The blog as its host serves it: boot, isolation, offline, sizes and precompressed copies.

These hold on the plugin's own server and on any deployment: CI runs them behind Debian's nginx,
Caddy and Apache with the configs `wasmblog deploy-config` writes, and on a plain static server that
sends no custom headers (`--wasm-host plain`), where the blog's service worker makes the page
isolated. Point them at staging with `--wasm-base-url https://...`.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import BlogPage, PostFile
from pytest_wasmblog.app import PopcornApp
from pytest_wasmblog.link import Link
from pytest_wasmblog.network import Network
from pytest_wasmblog.perf.timing import PerfTimer
from pytest_wasmblog.remote import Fetched, RemoteSite
from pytest_wasmblog.settings import Settings

ISOLATION = ("cross-origin-opener-policy", "cross-origin-embedder-policy", "cross-origin-resource-policy")
RUNTIME = ("index.html", "popcorn.mjs", "iframe.mjs", "AtomVM.mjs", "AtomVM.wasm", "bundle.avm")
PRECOMPRESSED = {"AtomVM.wasm": "application/wasm", "AtomVM.mjs": "text/javascript",
                 "bundle.avm": "application/octet-stream"}
CODINGS = {"br": ".br", "gzip": ".gz"}


class Host:
    """What the site's host sends, asked with plain HTTP: the plugin's server or a deployment."""

    def __init__(self, server: Any) -> None:
        self.deployed = isinstance(server, RemoteSite)  # not the plugin's own server
        self.remote = server if self.deployed else RemoteSite(server.origin, None, Link(),
                                                              ssl_context=server.client_ssl)

    def get(self, path: str, accept_encoding: str | None = None) -> Fetched:
        fetched = self.remote.fetch(path, accept_encoding)
        assert fetched.status == 200, f"{path}: HTTP {fetched.status}"
        return fetched

    @property
    def sends_isolation_headers(self) -> bool:
        return "cross-origin-opener-policy" in self.get("index.html").headers


@pytest.fixture(scope="session")
def host(wasm_server: Any) -> Host:
    return Host(wasm_server)


@pytest.fixture
def visited(wasm_app_factory: Any, network: Network) -> PopcornApp:
    app = wasm_app_factory()
    network.wait_until_controlled(app)
    return app


def isolated_by(app: PopcornApp) -> str:
    return str(app.evaluate("async () => document.body.dataset.isolation || ''"))


def test_the_blog_boots_isolated_and_renders(fresh_wasm_app: PopcornApp, host: Host, posts: list[PostFile]) -> None:
    blog = BlogPage(fresh_wasm_app)
    blog.goto("#/")
    assert blog.texts(".post-summary h2") == [p.title for p in posts]
    assert fresh_wasm_app.isolated is True
    if host.sends_isolation_headers:
        assert isolated_by(fresh_wasm_app) == "headers" and fresh_wasm_app.boot_reload_ms == 0
    else:
        # The first visit reloads once, under the worker that adds the headers; the boot counts both loads.
        assert isolated_by(fresh_wasm_app) == "service-worker"
        assert 0 < fresh_wasm_app.boot_reload_ms < fresh_wasm_app.boot_ms


def test_one_service_worker_does_offline_and_isolation(visited: PopcornApp, network: Network) -> None:
    state = network.service_worker(visited)
    assert state.script_url is not None and state.script_url.endswith("/sw.js")
    assert visited.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length") == 1


def test_the_host_sends_the_isolation_headers_on_every_runtime_file(host: Host) -> None:
    sent = {path: {name: host.get(path).headers.get(name) for name in ISOLATION} for path in RUNTIME}
    if host.sends_isolation_headers:
        assert all(h == {ISOLATION[0]: "same-origin", ISOLATION[1]: "require-corp", ISOLATION[2]: "same-origin"}
                   for h in sent.values()), sent
    else:  # the case the service worker is for: not one of them, anywhere
        assert all(value is None for h in sent.values() for value in h.values()), sent


@pytest.mark.parametrize("asset", sorted(PRECOMPRESSED))
@pytest.mark.parametrize("coding", sorted(CODINGS))
def test_the_builds_precompressed_copies_go_out_encoded(host: Host, wasm_settings: Settings, asset: str,
                                                         coding: str) -> None:
    site = wasm_settings.require_site()
    sent = host.get(asset, coding)
    assert sent.headers["content-type"].split(";")[0] == PRECOMPRESSED[asset]
    if not host.sends_isolation_headers:  # a plain static server: no content codings at all
        assert sent.encoding == "identity" and sent.body == (site / asset).read_bytes()
        return
    assert sent.encoding == coding
    assert sent.body == (site / (asset + CODINGS[coding])).read_bytes()
    assert "accept-encoding" in sent.headers.get("vary", "").lower()
    assert host.get(asset).body == (site / asset).read_bytes()  # and raw to a client that takes no coding


def test_the_page_and_the_worker_are_revalidated_on_every_visit(host: Host) -> None:
    if not host.sends_isolation_headers:
        pytest.skip("a plain static server sends no Cache-Control: the browser's heuristics decide")
    for path in ("index.html", "sw.js"):
        assert host.get(path).headers.get("cache-control") == "no-cache", path


def test_after_one_visit_the_blog_boots_isolated_with_the_network_gone(visited: PopcornApp, network: Network,
                                                                       posts: list[PostFile]) -> None:
    with network.offline():
        visited.reload()
        blog = BlogPage(visited)
        blog.goto(f"#/post/{posts[0].slug}")
        assert blog.text("article.post h1") == posts[0].title
        assert visited.isolated is True


def test_sizes_as_the_host_sends_them(wasm_sizes: dict[str, dict[str, int]], host: Host,
                                      wasm_settings: Settings) -> None:
    site = wasm_settings.require_site()
    wasm = wasm_sizes["AtomVM.wasm"]
    assert wasm["raw"] == (site / "AtomVM.wasm").stat().st_size
    if host.sends_isolation_headers:
        assert (wasm["gzip"], wasm["br"]) == tuple((site / f"AtomVM.wasm{s}").stat().st_size for s in (".gz", ".br"))
    else:
        assert wasm["gzip"] == wasm["br"] == wasm["raw"]


def test_cold_boots_by_phase(wasm_perf: PerfTimer, host: Host) -> None:
    # One boot shows the phases through this host (a first visit behind a plain host reloads once);
    # test_performance.py is where boots are measured in numbers.
    series = wasm_perf.boot_cold(repeats=1)
    print(series.table())
    ready = series.summary("app_ready")
    assert ready is not None and ready.median > 0
    reloads = [sample.reload_ms for sample in series.samples]
    if host.sends_isolation_headers:
        assert reloads == [0.0] * len(series.samples)
    else:  # every first visit reloaded once, and its phases count from the first document
        assert all(0 < reload < sample.phases["app_ready"] for reload, sample in zip(reloads, series.samples, strict=True))
