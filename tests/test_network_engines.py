"""`Network` (what the `network` fixture hands out) against each real browser.

Every timing is measured in the page with performance.now(), so a driver's round trips do not
count; the floors are what the conditions imply, the ceilings leave room for a busy CI machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_wasmblog.browsers.base import (
    CAP_CDP,
    CAP_OFFLINE,
    BrowserPage,
    BrowserSession,
)
from pytest_wasmblog.errors import NavigationError
from pytest_wasmblog.link import BROWSER_SHAPED_HEADER, Link
from pytest_wasmblog.network import (
    OFFLINE_NATIVE,
    OFFLINE_SERVER,
    THROTTLE_CDP,
    THROTTLE_SERVER_ALL,
    Network,
)
from pytest_wasmblog.network_conditions import Conditions
from pytest_wasmblog.server import StaticSiteServer

BLOB_BYTES = 200_000
CONDITIONS = Conditions(latency_ms=300, download_bps=400_000, upload_bps=200_000)  # 200 KB: >= 0.8 s

# Fetches `?via=sw` itself (so the request to the server comes from the worker) and caches it.
SERVICE_WORKER = """
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.searchParams.get("via") !== "sw") return;
  event.respondWith((async () => {
    const response = await fetch(url.pathname + "?from=sw&n=" + url.searchParams.get("n"), { cache: "no-store" });
    const cache = await caches.open("test-cache-v1");
    await cache.put(url.pathname, response.clone());
    return response;
  })());
});
"""

TIMED_FETCH = """async (path) => {
  const started = performance.now();
  try {
    const response = await fetch(path, { cache: "no-store" });
    const body = await response.arrayBuffer();
    return { ok: response.ok, bytes: body.byteLength, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, error: String(error), ms: performance.now() - started };
  }
}"""


@pytest.fixture(scope="module")
def session(engine_session: BrowserSession) -> BrowserSession:
    return engine_session


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("netsite")
    (root / "index.html").write_text("<!doctype html><meta charset='utf-8'><title>net</title>"
                                     "<script>window.events = []; for (const e of ['online', 'offline']) "
                                     "addEventListener(e, () => events.push(e));</script>")
    (root / "sw.js").write_text(SERVICE_WORKER)
    (root / "blob.bin").write_bytes(os.urandom(BLOB_BYTES))  # random: compression cannot shrink it
    return root


@pytest.fixture
def link() -> Link:
    return Link()


@pytest.fixture
def server(site: Path, link: Link) -> Iterator[StaticSiteServer]:
    with StaticSiteServer(site, link=link) as srv:
        yield srv


@pytest.fixture
def network(session: BrowserSession, link: Link) -> Iterator[Network]:
    net = Network(link, session)
    yield net
    net.online()
    session.set_network(False, None)


@pytest.fixture
def page(session: BrowserSession, server: StaticSiteServer) -> Iterator[BrowserPage]:
    with session.new_page() as p:
        p.goto(server.url)
        yield p


def timed_fetch(page: BrowserPage, path: str) -> dict[str, object]:
    result = page.evaluate(TIMED_FETCH, path, timeout_s=30)
    assert isinstance(result, dict)
    return result


def install_service_worker(page: BrowserPage, network: Network) -> None:
    page.evaluate("async () => { await navigator.serviceWorker.register('sw.js'); await navigator.serviceWorker.ready; }",
                  timeout_s=15)
    network.wait_until_controlled(page)


def test_offline_fetches_fail_and_online_restores_them(page: BrowserPage, network: Network, session: BrowserSession) -> None:
    assert timed_fetch(page, "blob.bin?n=1")["ok"]
    with network.offline():
        failed = timed_fetch(page, "blob.bin?n=2")
        assert failed["ok"] is False and "error" in failed
        assert float(failed["ms"]) < 5000, "an offline fetch must fail fast, not time out"  # type: ignore[arg-type]  # the page returns a number
    back = timed_fetch(page, "blob.bin?n=3")
    assert back["ok"] and back["bytes"] == BLOB_BYTES


def test_offline_flips_navigator_online_where_the_backend_can(page: BrowserPage, network: Network,
                                                              session: BrowserSession) -> None:
    handle = network.offline()
    on_line = page.evaluate("async () => navigator.onLine")
    if session.has(CAP_OFFLINE):
        assert on_line is False
        assert OFFLINE_NATIVE in network.mechanisms()
    else:
        # WebDriver cannot tell the browser; the server still drops everything.
        assert on_line is True
        assert network.mechanisms() == [OFFLINE_SERVER]
    handle.stop()
    assert page.evaluate("async () => navigator.onLine") is True
    if session.has(CAP_OFFLINE):
        assert page.evaluate("async () => window.events") == ["offline", "online"]


def test_a_page_opened_while_offline_starts_offline(session: BrowserSession, server: StaticSiteServer,
                                                    network: Network) -> None:
    with session.new_page() as first:
        first.goto(server.url)
        with network.offline(), session.new_page() as second:
            seen = len(server.requests())
            with pytest.raises(NavigationError):
                second.goto(server.url, timeout_s=10)
            # Where the browser itself is offline, the navigation never reaches the server. (The
            # first page's late requests, such as its favicon, may: they are not counted.)
            dropped_navigations = [r for r in server.requests()[seen:] if r.status == 0 and r.path == "/"]
            assert (dropped_navigations == []) is session.has(CAP_OFFLINE)


def test_a_throttled_transfer_takes_what_the_conditions_imply(page: BrowserPage, network: Network,
                                                              server: StaticSiteServer, session: BrowserSession) -> None:
    fast = timed_fetch(page, "blob.bin?n=fast")
    with network.throttle(CONDITIONS):
        slow = timed_fetch(page, "blob.bin?n=slow")
        mechanisms = network.mechanisms()
    floor_ms = CONDITIONS.transfer_s(BLOB_BYTES) * 1000
    assert slow["ok"] and slow["bytes"] == BLOB_BYTES
    assert floor_ms * 0.95 <= float(slow["ms"]) < floor_ms * 1.6 + 500, slow  # type: ignore[arg-type]  # the page returns a number
    assert float(fast["ms"]) < floor_ms / 2  # type: ignore[arg-type]  # the page returns a number
    record = server.requests("/blob.bin")[-1]
    if session.has(CAP_CDP):
        # Chromium throttled the page's request itself; the server let it through at full speed.
        assert record.request_headers.get(BROWSER_SHAPED_HEADER) == "cdp"
        assert THROTTLE_CDP in mechanisms
    else:
        assert BROWSER_SHAPED_HEADER not in record.request_headers
        assert mechanisms == [THROTTLE_SERVER_ALL]


def test_named_profiles_slow_every_request_by_their_latency(page: BrowserPage, network: Network) -> None:
    with network.throttle("4g"):
        ms = float(timed_fetch(page, "index.html?n=4g")["ms"])  # type: ignore[arg-type]  # the page returns a number
    assert 165 * 0.95 <= ms < 165 + 1500


def test_unthrottling_restores_full_speed(page: BrowserPage, network: Network) -> None:
    handle = network.throttle(CONDITIONS)
    handle.stop()
    assert float(timed_fetch(page, "blob.bin?n=after")["ms"]) < CONDITIONS.transfer_s(BLOB_BYTES) * 500  # type: ignore[arg-type]  # the page returns a number


def test_service_worker_requests_are_cut_offline(page: BrowserPage, network: Network, server: StaticSiteServer,
                                                 session: BrowserSession) -> None:
    install_service_worker(page, network)
    online = timed_fetch(page, "blob.bin?via=sw&n=1")
    assert online["ok"] and server.requests("/blob.bin")[-1].query.startswith("from=sw")
    with network.offline():
        offline = timed_fetch(page, "blob.bin?via=sw&n=2")
    assert offline["ok"] is False
    reached = [r for r in server.requests("/blob.bin") if r.query == "from=sw&n=2"]
    assert all(r.status == 0 for r in reached), "a service worker's request got through while offline"
    if not session.has(CAP_OFFLINE):
        assert reached, "without native offline the worker's request must reach the server and be dropped"


def test_service_worker_requests_are_throttled(page: BrowserPage, network: Network, server: StaticSiteServer) -> None:
    install_service_worker(page, network)
    with network.throttle(CONDITIONS):
        result = timed_fetch(page, "blob.bin?via=sw&n=slow")
    floor_ms = CONDITIONS.transfer_s(BLOB_BYTES) * 1000
    assert result["ok"] and floor_ms * 0.95 <= float(result["ms"]) < floor_ms * 1.6 + 500, result  # type: ignore[arg-type]  # the page returns a number
    assert BROWSER_SHAPED_HEADER not in server.requests("/blob.bin")[-1].request_headers


def test_service_worker_state_shows_control_and_caches(page: BrowserPage, network: Network) -> None:
    before = network.service_worker(page)
    assert before.supported and not before.controlled and before.caches == {}
    install_service_worker(page, network)
    timed_fetch(page, "blob.bin?via=sw&n=1")
    after = network.service_worker(page)
    assert after.controlled and after.script_url and after.script_url.endswith("/sw.js")
    assert after.caches == {"test-cache-v1": ["/blob.bin"]}
    assert after.cached_paths() == {"/blob.bin"}


def test_handles_nest_and_undo_in_order(network: Network) -> None:
    throttle = network.throttle("fast-3g")
    offline = network.offline()
    assert network.is_offline and network.conditions is not None and network.conditions.name == "fast-3g"
    offline.stop()
    assert not network.is_offline and network.conditions is not None
    throttle.stop()
    assert network.conditions is None and network.link.conditions is None and not network.link.offline
    assert len(network.fidelity) == 4


def test_coming_back_online_keeps_the_throttle(page: BrowserPage, network: Network) -> None:
    with network.throttle(CONDITIONS):
        with network.offline():
            assert timed_fetch(page, "blob.bin?n=off")["ok"] is False
        result = timed_fetch(page, "blob.bin?n=back")
    floor_ms = CONDITIONS.transfer_s(BLOB_BYTES) * 1000
    assert result["ok"] and floor_ms * 0.95 <= float(result["ms"]) < floor_ms * 1.6 + 500, result  # type: ignore[arg-type]  # the page returns a number
