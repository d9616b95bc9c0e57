"""The blog's production telemetry, as the test server receives it (`wasm_telemetry`): OTLP/HTTP JSON
checked against OpenTelemetry's own messages, on every engine.

The blog's `telemetry.json` points at its own origin, so on the plugin's server every page of the
suite reports here; a payload the receiver rejects fails the test it arrived in.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_wasmblog.app import PopcornApp
from pytest_wasmblog.network import Network
from pytest_wasmblog.perf.timing import PerfTimer
from pytest_wasmblog.settings import Settings
from pytest_wasmblog.telemetry.otlp import Span
from pytest_wasmblog.telemetry.store import TelemetryStore
from pytest_wasmblog.vm_errors import VMCrashError

# Phases the page can see itself; the VM iframe's instantiate and first-thread marks are the probe's.
SHARED_PHASES = ("html_received", "runtime_js_fetched", "bundle_fetched", "wasm_fetched", "app_ready")
# The blog's clock and the probe's read the same performance entries; they differ by event delivery.
PHASE_TOLERANCE_MS = 50.0
NS_PER_MS = 1_000_000


def flush(app: PopcornApp) -> int:
    return int(app.evaluate("async () => window.blogTelemetry.flush()", timeout_s=20))


def children(store: TelemetryStore, boot: Span) -> dict[str, float]:
    """Each phase span's end, in ms after the boot span's start (the navigation start)."""
    return {span.name.removeprefix("boot."): (span.end_ns - boot.start_ns) / NS_PER_MS
            for span in store.spans() if span.parent_span_id == boot.span_id and span.trace_id == boot.trace_id}


def test_the_boot_span_has_the_phases_the_plugin_measures(wasm_perf: PerfTimer, wasm_telemetry: TelemetryStore,
                                                          wasm_app_factory: Any, wasm_engine: str) -> None:
    mark = wasm_telemetry.mark()
    # The page stays open until its boot span arrives: WebKitGTK's page, closed by ending its WebDriver
    # session, may be gone before it sends (its pagehide path is not run).
    measured = wasm_perf.phases(wasm_app_factory()).phases

    # Other pages of the session (the shared app's, rebooted or closing) may report a boot meanwhile,
    # even first: wait for one whose ready time is the measured one, not for any boot span.
    def ready_gap(record: Any) -> float:
        return abs(float(record.attributes.get("boot.app_ready_ms", -1e9)) - measured["app_ready"])

    candidates = wasm_telemetry.wait_for(
        lambda record: isinstance(record, Span) and record.name == "blog.boot" and ready_gap(record) <= PHASE_TOLERANCE_MS,
        since=mark, timeout_s=15)
    boot = min(candidates, key=ready_gap)
    assert isinstance(boot, Span)
    assert boot.resource["service.name"] == "wasm-blog" and boot.resource["browser.engine"] == wasm_engine
    phases = children(wasm_telemetry, boot)
    for phase in SHARED_PHASES:
        assert phase in phases, f"no boot.{phase} span: {sorted(phases)}"
        assert abs(phases[phase] - measured[phase]) <= PHASE_TOLERANCE_MS, (phase, phases[phase], measured[phase])
    ordered = [phases[p] for p in SHARED_PHASES]
    assert ordered == sorted(ordered)
    assert boot.attributes["boot.app_ready_ms"] == pytest.approx(phases["app_ready"], abs=1)


def test_boot_and_call_durations_are_histograms(wasm_app_factory: Any, wasm_telemetry: TelemetryStore) -> None:
    mark = wasm_telemetry.mark()
    app = wasm_app_factory()
    app.wait_for("document.body.dataset.rendered")  # the first view's call was answered
    flush(app)
    # Other pages of the session (the shared app's) report too: this tab's records carry its session.id.
    tab = {"session.id": app.evaluate("async () => window.blogTelemetry.sessionId")}
    wasm_telemetry.wait_for("metric", since=mark, name="blog.boot.duration", resource=tab, timeout_s=10)
    wasm_telemetry.wait_for("metric", since=mark, name="blog.call.duration", resource=tab, timeout_s=10)
    points = wasm_telemetry.since(mark).metrics(resource=tab)
    assert {(m.name, m.kind, m.unit) for m in points} == {("blog.boot.duration", "histogram", "ms"),
                                                          ("blog.call.duration", "histogram", "ms")}
    assert sum(m.count for m in points if m.name == "blog.boot.duration") == 1
    assert sum(m.count for m in points if m.name == "blog.call.duration") >= 1  # the first view at least


def test_a_hidden_page_sends_what_it_collected_at_once(wasm_app_factory: Any, wasm_telemetry: TelemetryStore) -> None:
    app = wasm_app_factory()
    app.wait_for("document.body.dataset.rendered")
    flush(app)
    tab = {"session.id": app.evaluate("async () => window.blogTelemetry.sessionId")}
    mark = wasm_telemetry.mark()
    app.evaluate("async () => { location.hash = '#/search/modules'; }")
    app.wait_for("document.body.dataset.rendered === '#/search/modules'")
    # A call's histogram waits 30 s for more points; a tab going to the background sends it now,
    # as a mobile browser may discard the tab without a pagehide.
    app.evaluate("""async () => {
      Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
      document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));  // as the browser fires it
    }""")
    point = wasm_telemetry.wait_for("metric", since=mark, name="blog.call.duration", resource=tab, timeout_s=10)[0]
    assert point.attributes["blog.request"] == "search" and point.count == 1


def test_an_elixir_logger_error_arrives_with_its_level_and_metadata(wasm_app: PopcornApp, elixir: Any,
                                                                    wasm_telemetry: TelemetryStore) -> None:
    mark = wasm_telemetry.mark()
    assert elixir.apply("Blog.Api", "handle", [{"page": "nope"}])["error"] == "bad_request"
    flush(wasm_app)
    log = wasm_telemetry.wait_for("log", since=mark, severity="ERROR", contains="unknown page", timeout_s=10)[0]
    assert log.severity_number == 17
    assert log.attributes["elixir.logger.level"] == "error"
    assert log.attributes["elixir.logger.metadata.page"] == "nope"
    assert log.attributes["elixir.logger.metadata.reason"] == "bad_request"


def test_a_vm_crash_arrives_with_its_fatal_line(fresh_wasm_app: PopcornApp, wasm_telemetry: TelemetryStore) -> None:
    mark = wasm_telemetry.mark()
    with pytest.raises(VMCrashError):
        fresh_wasm_app.call({"bridge": "ping"}, process="no_such_process")  # Popcorn reloads the VM's frame
    flush(fresh_wasm_app)
    crash = wasm_telemetry.wait_for("log", since=mark, severity="FATAL", timeout_s=10)[0]
    assert crash.severity_number == 21 and crash.body
    assert "vm.stderr.tail" in crash.attributes


def test_records_made_offline_arrive_once_after_reconnecting(wasm_app_factory: Any, network: Network,
                                                             wasm_telemetry: TelemetryStore) -> None:
    app = wasm_app_factory()
    network.wait_until_controlled(app)
    flush(app)
    with network.offline():
        mark = wasm_telemetry.mark()
        app.evaluate("async () => window.blogTelemetry.flush()")  # nothing can go out
        assert app.call({"page": "offline-record"}).ok  # a bad request: a Logger error, made offline
        flush(app)
        assert int(app.evaluate("async () => window.blogTelemetry.queued()")) >= 1
    flush(app)
    wasm_telemetry.wait_for("log", since=mark, contains="offline-record", timeout_s=10)
    flush(app)  # nothing left to send: the records must not come again
    assert int(app.evaluate("async () => window.blogTelemetry.queued()")) == 0
    assert len(wasm_telemetry.since(mark).logs(contains="offline-record")) == 1


class HangingEndpoint:
    """A collector that accepts connections and never answers."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self.held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.socket.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def hanging_endpoint() -> Iterator[HangingEndpoint]:
    endpoint = HangingEndpoint()
    yield endpoint
    endpoint.close()


def with_endpoint(settings: Settings, folder: Path, endpoint: str | None) -> Path:
    site = folder / "site"
    shutil.copytree(settings.require_site(), site)
    config = json.loads((site / "telemetry.json").read_text())
    (site / "telemetry.json").write_text(json.dumps({**config, "endpoint": endpoint}))
    return site


@pytest.mark.parametrize("endpoint", ["refused", "hanging"])
def test_a_dead_endpoint_costs_the_app_nothing(wasm_serve: Any, wasm_app_factory: Any, wasm_settings: Settings,
                                               tmp_path: Path, hanging_endpoint: HangingEndpoint,
                                               endpoint: str) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    refused_port = int(closed.getsockname()[1])
    closed.close()
    port = hanging_endpoint.port if endpoint == "hanging" else refused_port
    server = wasm_serve(with_endpoint(wasm_settings, tmp_path, f"http://127.0.0.1:{port}/"))
    app = wasm_app_factory(server)
    # Every function of the app still works, and telemetry keeps what it could not send.
    app.evaluate("async () => { location.hash = '#/search/modules'; }")
    app.wait_for("document.body.dataset.rendered === '#/search/modules'")
    assert app.call({"page": "index"}).ok
    assert app.evaluate("async () => window.blogTelemetry.enabled") is True
    assert int(app.evaluate("async () => window.blogTelemetry.queued()")) >= 1
