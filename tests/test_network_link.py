"""Offline and throttling at the test server, over real HTTP (no browser needed).

These prove the shared mechanism the `network` fixture relies on for every engine: the
times are lower bounds the profile implies, with generous upper bounds for a busy CI machine.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pytest_wasmblog.link import BROWSER_SHAPED_HEADER, Link
from pytest_wasmblog.network_conditions import (
    PROFILES,
    Conditions,
    NetworkConditionsError,
    resolve,
)
from pytest_wasmblog.server import StaticSiteServer

BLOB = os.urandom(200_000)  # random: compression must not shrink what the link carries


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[StaticSiteServer]:
    (tmp_path / "blob.bin").write_bytes(BLOB)
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>")
    with StaticSiteServer(tmp_path) as srv:
        yield srv


def fetch(srv: StaticSiteServer, path: str = "/blob.bin", headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=20)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), time.monotonic() - started
    finally:
        conn.close()


SLOW = Conditions(latency_ms=200, download_bps=400_000, upload_bps=100_000)  # 200 KB -> 0.2 + 0.5 s


def test_unthrottled_transfer_is_fast(server: StaticSiteServer) -> None:
    status, body, elapsed = fetch(server)
    assert status == 200 and body == BLOB
    assert elapsed < SLOW.transfer_s(len(BLOB)) / 2  # the throttled case below is not just a slow machine


def test_throttled_transfer_takes_what_the_profile_implies(server: StaticSiteServer) -> None:
    server.link.set_conditions(SLOW)
    status, body, elapsed = fetch(server)
    assert status == 200 and body == BLOB
    floor = SLOW.transfer_s(len(BLOB))
    assert floor <= elapsed < floor * 1.6 + 0.3, f"{elapsed:.2f} s for a {floor:.2f} s transfer"


def test_latency_applies_to_every_request_even_empty_ones(server: StaticSiteServer) -> None:
    server.link.set_conditions(Conditions(latency_ms=300))
    for path in ("/index.html", "/missing"):
        _, _, elapsed = fetch(server, path)
        assert 0.3 <= elapsed < 1.0, path


def test_parallel_transfers_share_the_bandwidth(server: StaticSiteServer) -> None:
    server.link.set_conditions(Conditions(download_bps=400_000))
    started = time.monotonic()
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: fetch(server), range(3)))
    total = time.monotonic() - started
    assert all(body == BLOB for _, body, _ in results)
    assert total >= 3 * len(BLOB) / 400_000, "three transfers got more than the link's bandwidth"


def test_browser_shaped_requests_are_not_slowed_twice(server: StaticSiteServer) -> None:
    server.link.set_conditions(SLOW, browser_shaped=True)
    _, _, marked = fetch(server, headers={BROWSER_SHAPED_HEADER: "cdp"})
    _, _, unmarked = fetch(server)
    assert marked < SLOW.transfer_s(len(BLOB)) / 2
    assert unmarked >= SLOW.transfer_s(len(BLOB))


def test_the_marker_is_ignored_unless_the_browser_throttles(server: StaticSiteServer) -> None:
    server.link.set_conditions(SLOW)  # a page cannot opt out of server throttling by itself
    _, _, elapsed = fetch(server, headers={BROWSER_SHAPED_HEADER: "cdp"})
    assert elapsed >= SLOW.transfer_s(len(BLOB))


def test_offline_drops_requests_and_online_restores_them(server: StaticSiteServer) -> None:
    server.link.set_offline(True)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        fetch(server)
    dropped = server.requests("/blob.bin")
    assert dropped and dropped[-1].status == 0 and dropped[-1].bytes_sent == 0
    assert server.link.dropped == 1
    server.link.set_offline(False)
    status, body, _ = fetch(server)
    assert status == 200 and body == BLOB


def test_going_offline_cuts_a_transfer_in_flight(server: StaticSiteServer) -> None:
    server.link.set_conditions(Conditions(download_bps=100_000))  # 2 s for the blob
    errors: list[BaseException] = []

    def slow_fetch() -> None:
        try:
            fetch(server)
        except BaseException as exc:  # noqa: BLE001 - the failure is what is tested
            errors.append(exc)

    thread = threading.Thread(target=slow_fetch)
    thread.start()
    time.sleep(0.5)
    server.link.set_offline(True)
    thread.join(5)
    assert not thread.is_alive(), "the transfer kept going after the network went offline"
    assert errors, "a transfer cut by going offline must fail, not complete"
    record = server.requests("/blob.bin")[-1]
    assert 0 < record.bytes_sent < len(BLOB)


def test_a_shared_link_switches_every_server(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("a")
    link = Link()
    with StaticSiteServer(tmp_path / "a", link=link) as one, StaticSiteServer(tmp_path / "a", link=link) as two:
        link.set_offline(True)
        for srv in (one, two):
            with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
                fetch(srv, "/index.html")
        link.reset()
        assert fetch(one, "/index.html")[0] == fetch(two, "/index.html")[0] == 200


def test_deploy_switches_the_served_folder(tmp_path: Path) -> None:
    for version in ("v1", "v2"):
        (tmp_path / version).mkdir()
        (tmp_path / version / "version.txt").write_text(version)
    with StaticSiteServer(tmp_path / "v1") as srv:
        assert fetch(srv, "/version.txt")[1] == b"v1"
        srv.deploy(tmp_path / "v2")
        assert fetch(srv, "/version.txt")[1] == b"v2"


def test_profiles_are_the_devtools_presets() -> None:
    assert set(PROFILES) >= {"slow-3g", "fast-3g", "4g"}
    slow, fast, lte = (resolve(n) for n in ("slow-3g", "fast-3g", "4g"))
    assert slow.latency_ms > fast.latency_ms > lte.latency_ms
    assert slow.download_bps < fast.download_bps < lte.download_bps  # type: ignore[operator]  # the profiles all set a download rate
    assert resolve("Fast-3G") is fast


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(NetworkConditionsError, match=r"unknown network profile 'edge'.*slow-3g, fast-3g, 4g"):
        resolve("edge")


@pytest.mark.parametrize("kwargs, field", [
    ({"latency_ms": -1}, "latency_ms"),
    ({"download_bps": 0}, "download_bps"),
    ({"upload_bps": float("nan")}, "upload_bps"),
])
def test_nonsense_conditions_are_refused(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(NetworkConditionsError, match=field):
        Conditions(**kwargs)
