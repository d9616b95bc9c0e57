"""The test server's OTLP/HTTP endpoints: each request is decoded and kept in the store, answered
as a collector would (200, or 400 naming the bad field), and optionally forwarded as it came to a
real collector, so a team can see a test run's telemetry in its own backend. Beacon endpoints do
the same for an app's own JSON, checked against the schema given for their path."""

from __future__ import annotations

import http.client
import json
import queue
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

from pytest_wasmblog.server import Receiver
from pytest_wasmblog.telemetry.beacons import BeaconError, BeaconSchema
from pytest_wasmblog.telemetry.otlp import SIGNALS, OtlpError
from pytest_wasmblog.telemetry.store import TelemetryStore

_JSON = "application/json"
_FORWARD_TIMEOUT_S = 10.0


class Forwarder:
    """Sends what arrived to `base_url` + the signal's path, in its own thread: a slow or dead
    collector never holds up the browser's request."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.sent = 0
        self.failures: list[str] = []
        self._queue: queue.Queue[tuple[str, bytes, str] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="wasmblog-otlp-forward", daemon=True)
        self._thread.start()

    def forward(self, path: str, body: bytes, content_type: str) -> None:
        self._queue.put((path, body, content_type))

    def close(self, timeout_s: float = _FORWARD_TIMEOUT_S) -> None:
        """Send what is queued (waiting up to `timeout_s`), then stop."""
        self._queue.put(None)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            path, body, content_type = item
            problem = self._post(path, body, content_type)
            if problem is None:
                self.sent += 1
            elif len(self.failures) < 20:
                self.failures.append(problem)

    def _post(self, path: str, body: bytes, content_type: str) -> str | None:
        url = self.base_url + path
        parts = urlsplit(url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = kind(parts.netloc, timeout=_FORWARD_TIMEOUT_S)
        try:
            connection.request("POST", parts.path, body=body, headers={"Content-Type": content_type})
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            return f"{url}: {exc or type(exc).__name__}"
        finally:
            connection.close()
        return None if response.status < 300 else f"{url}: HTTP {response.status}"


def beacon_receivers(schemas: Iterable[BeaconSchema], store: TelemetryStore) -> dict[str, Receiver]:
    """One endpoint per beacon path: 204 for a beacon its schema accepts, 400 naming the field otherwise."""

    def receiver_for(schema: BeaconSchema) -> Receiver:
        def receive(body: bytes, content_type: str) -> tuple[int, str, bytes]:
            try:
                store.add(schema.path, body, content_type, lambda _path, raw, kind: (schema.decode(raw, kind),))
            except BeaconError as exc:
                return 400, "text/plain; charset=utf-8", str(exc).encode()
            return 204, "text/plain; charset=utf-8", b""

        return receive

    return {schema.path: receiver_for(schema) for schema in schemas}


def otlp_receivers(store: TelemetryStore, forwarder: Forwarder | None = None) -> dict[str, Receiver]:
    """The three OTLP/HTTP endpoints, for StaticSiteServer(receivers=...)."""

    def receiver_for(path: str) -> Receiver:
        def receive(body: bytes, content_type: str) -> tuple[int, str, bytes]:
            if forwarder is not None:
                forwarder.forward(path, body, content_type)
            try:
                store.add(path, body, content_type)
            except OtlpError as exc:
                # OTLP's answer to a bad request: 400 with a Status message.
                return 400, _JSON, json.dumps({"code": 3, "message": str(exc)}).encode()
            return 200, _JSON, b"{}"

        return receive

    return {path: receiver_for(path) for path in SIGNALS}
