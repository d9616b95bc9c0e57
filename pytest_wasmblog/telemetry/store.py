"""What the test server's receivers got (OTLP, and the beacons a schema was given for): every
request as it arrived (duplicates included: a record that arrives twice must be visible), with the
queries and waits the `wasm_telemetry` fixture offers. Thread-safe: the server's threads add, the
test's thread reads."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from pytest_wasmblog.errors import PayloadError
from pytest_wasmblog.telemetry.beacons import Beacon
from pytest_wasmblog.telemetry.otlp import (
    SEVERITY_NUMBERS,
    LogRecord,
    MetricPoint,
    Record,
    Span,
    decode,
    show,
)


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as it arrived; `index` counts up from 0 over the store's life, `clear()` included."""

    index: int
    path: str
    content_type: str
    body: bytes = field(repr=False)
    received_s: float  # time.monotonic()
    records: tuple[Record | Beacon, ...] = ()
    error: PayloadError | None = None


@dataclass(frozen=True)
class Rejected:
    error: PayloadError
    request: ReceivedRequest


# (path, body, Content-Type) -> what the request holds; raises a PayloadError when it is bad.
Decoder = Callable[[str, bytes, str], tuple[Record | Beacon, ...]]


def otlp_records(path: str, body: bytes, content_type: str) -> tuple[Record | Beacon, ...]:
    return decode(path, body, content_type).records


@dataclass(frozen=True)
class Mark:
    """The index the next request will get: what `since()` and `wait_for(since=...)` start from."""

    index: int


def _severity_matches(log: LogRecord, severity: str) -> bool:
    if log.severity_text.casefold() == severity.casefold():
        return True
    threshold = SEVERITY_NUMBERS.get(severity.upper())
    number = log.severity_number or SEVERITY_NUMBERS.get(log.severity_text.upper(), 0)
    return threshold is not None and number >= threshold


def _body_text(body: Any) -> str:
    return body if isinstance(body, str) else json.dumps(body, default=repr)


def _has_attributes(attributes: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return all(key in attributes and attributes[key] == value for key, value in wanted.items())


class _Queries:
    """Queries over a sequence of received requests, in arrival order."""

    def _snapshot(self) -> Sequence[ReceivedRequest]:
        raise NotImplementedError

    def requests(self) -> list[ReceivedRequest]:
        return list(self._snapshot())

    def records(self) -> list[Record]:
        """The OTLP records (spans, logs, metric points); beacons() has the rest."""
        return [record for request in self._snapshot() for record in request.records
                if not isinstance(record, Beacon)]

    def beacons(self, path: str | None = None) -> list[Beacon]:
        """Accepted beacons sent to `path` (any beacon path when None), in arrival order."""
        return [record for request in self._snapshot() for record in request.records
                if isinstance(record, Beacon) and (path is None or record.path == path)]

    def spans(self, name: str | None = None, *, resource: Mapping[str, Any] | None = None,
              **attributes: Any) -> list[Span]:
        """Spans named `name` (any name when None) whose attributes include `attributes` and whose
        resource includes `resource` (e.g. {"session.id": ...}: one page's records among many)."""
        return [r for r in self.records() if isinstance(r, Span) and (name is None or r.name == name)
                and _has_attributes(r.attributes, attributes) and _has_attributes(r.resource, resource or {})]

    def logs(self, severity: str | None = None, contains: str | None = None, *,
             resource: Mapping[str, Any] | None = None) -> list[LogRecord]:
        """Logs whose severity_text is `severity` (any case), or whose number is at least the named level
        ("WARN" matches WARN and above); `contains` is a substring of the body."""
        return [r for r in self.records() if isinstance(r, LogRecord)
                and (severity is None or _severity_matches(r, severity))
                and (contains is None or contains in _body_text(r.body))
                and _has_attributes(r.resource, resource or {})]

    def metrics(self, name: str | None = None, *, resource: Mapping[str, Any] | None = None,
                **attributes: Any) -> list[MetricPoint]:
        return [r for r in self.records() if isinstance(r, MetricPoint) and (name is None or r.name == name)
                and _has_attributes(r.attributes, attributes) and _has_attributes(r.resource, resource or {})]

    def errors(self) -> list[Rejected]:
        return [Rejected(request.error, request) for request in self._snapshot() if request.error is not None]

    def summary(self, last: int = 5) -> str:
        """What arrived, for a failure message: counts per signal and the last few of each."""
        return _summary(self._snapshot(), last)


def _summary(requests: Sequence[ReceivedRequest], last: int) -> str:
    if not requests:
        return "nothing arrived: no request reached /v1/traces, /v1/metrics, /v1/logs or a beacon path"
    per_path = Counter(request.path for request in requests)
    records = [record for request in requests for record in request.records]
    beacons = [r for r in records if isinstance(r, Beacon)]
    spans = [r for r in records if isinstance(r, Span)]
    logs = [r for r in records if isinstance(r, LogRecord)]
    points = [r for r in records if isinstance(r, MetricPoint)]
    rejected = [request for request in requests if request.error is not None]
    lines = [
        f"{len(requests)} requests ({', '.join(f'{path}: {n}' for path, n in sorted(per_path.items()))}), "
        f"{len(rejected)} rejected; {len(spans)} spans, {len(logs)} logs, {len(points)} metric points"
        + (f", {len(beacons)} beacons" if beacons else "")
    ]

    def tail(label: str, items: list[str]) -> None:
        if items:
            lines.append(f"  last {label}: {', '.join(items[-last:])}")

    tail("spans", [repr(span.name) for span in spans])
    tail("logs", [f"{log.severity_text or log.severity_number} {show(_body_text(log.body))}" for log in logs])
    tail("metrics", [f"{point.name!r} ({point.kind})" for point in points])
    tail("beacons", [f"{beacon.path} {show(json.dumps(beacon.data))}" for beacon in beacons])
    for request in rejected[-last:]:
        assert request.error is not None
        lines.append(f"  rejected #{request.index} {request.path}: {str(request.error).splitlines()[0]}")
    return "\n".join(lines)


class TelemetryView(_Queries):
    """The requests that had arrived when it was taken; it does not change afterwards."""

    def __init__(self, requests: Sequence[ReceivedRequest]) -> None:
        self._requests = tuple(requests)

    def _snapshot(self) -> Sequence[ReceivedRequest]:
        return self._requests


_Kind = Literal["span", "spans", "log", "logs", "metric", "metrics", "beacon", "beacons"]


class TelemetryStore(_Queries):
    """Everything the OTLP endpoints received. The server's threads add(); the test thread queries.

    Every delivery is kept, duplicates included, so a test can tell a record that arrived twice.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._next_index = 0

    def _snapshot(self) -> Sequence[ReceivedRequest]:
        with self._changed:
            return tuple(self._requests)

    def add(self, path: str, body: bytes, content_type: str,
            decoder: Decoder = otlp_records) -> list[Record | Beacon]:
        """Record one request and return what it held; an OtlpError or BeaconError is recorded, then
        raised for a 400."""
        error: PayloadError | None = None
        records: tuple[Record | Beacon, ...] = ()
        try:
            records = decoder(path, body, content_type)
        except PayloadError as exc:
            error = exc
        with self._changed:
            request = ReceivedRequest(self._next_index, path, content_type, body, time.monotonic(), records, error)
            self._next_index += 1
            self._requests.append(request)
            self._changed.notify_all()
        if error is not None:
            raise error
        return list(records)

    def mark(self) -> Mark:
        with self._changed:
            return Mark(self._next_index)

    def since(self, mark: Mark) -> TelemetryView:
        """What arrived from `mark` on (a snapshot)."""
        with self._changed:
            return TelemetryView([request for request in self._requests if request.index >= mark.index])

    def clear(self) -> None:
        """Forget every request; indexes keep counting, so older marks stay valid."""
        with self._changed:
            self._requests.clear()

    @overload
    def wait_for(self, predicate_or_kind: Literal["span", "spans"], timeout_s: float = ..., *, count: int = ...,
                 since: Mark | None = ..., **filters: Any) -> list[Span]: ...
    @overload
    def wait_for(self, predicate_or_kind: Literal["log", "logs"], timeout_s: float = ..., *, count: int = ...,
                 since: Mark | None = ..., **filters: Any) -> list[LogRecord]: ...
    @overload
    def wait_for(self, predicate_or_kind: Literal["metric", "metrics"], timeout_s: float = ..., *, count: int = ...,
                 since: Mark | None = ..., **filters: Any) -> list[MetricPoint]: ...
    @overload
    def wait_for(self, predicate_or_kind: Literal["beacon", "beacons"], timeout_s: float = ..., *, count: int = ...,
                 since: Mark | None = ..., **filters: Any) -> list[Beacon]: ...
    @overload
    def wait_for(self, predicate_or_kind: Callable[[Record], bool], timeout_s: float = ..., *, count: int = ...,
                 since: Mark | None = ...) -> list[Record]: ...

    def wait_for(self, predicate_or_kind: _Kind | Callable[[Record], bool], timeout_s: float = 5.0, *,
                 count: int = 1, since: Mark | None = None, **filters: Any) -> Sequence[Record | Beacon]:
        """Wait until at least `count` records match, and return all that match.

        A kind ("span", "log", "metric", "beacon") takes the filters of spans(), logs(), metrics() or
        beacons(); a predicate is called with each OTLP record. On timeout, the AssertionError says what did arrive.
        """
        query = self._query(predicate_or_kind, filters)
        deadline = time.monotonic() + timeout_s
        start = since or Mark(0)
        while True:
            with self._changed:
                version = self._next_index
            found = query(self.since(start))
            if len(found) >= count:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._wait_past(version, remaining)
        raise AssertionError(
            f"timed out after {timeout_s:g} s waiting for {count} {_describe(predicate_or_kind, filters)}; "
            f"{len(found)} matched. What arrived{' since the mark' if since else ''}:\n"
            + self.since(start).summary()
        )

    def _wait_past(self, version: int, timeout_s: float) -> None:
        # Sleeps until another request arrives (or the time is up) instead of polling.
        with self._changed:
            self._changed.wait_for(lambda: self._next_index != version, timeout_s)

    @staticmethod
    def _query(predicate_or_kind: _Kind | Callable[[Record], bool],
               filters: dict[str, Any]) -> Callable[[TelemetryView], Sequence[Record | Beacon]]:
        if callable(predicate_or_kind):
            if filters:
                raise TypeError("wait_for() takes filters with a kind, not with a predicate")
            predicate = predicate_or_kind
            return lambda view: [record for record in view.records() if predicate(record)]
        kind = predicate_or_kind.rstrip("s")
        if kind == "span":
            return lambda view: view.spans(**filters)
        if kind == "log":
            return lambda view: view.logs(**filters)
        if kind == "metric":
            return lambda view: view.metrics(**filters)
        if kind == "beacon":
            return lambda view: view.beacons(**filters)
        raise ValueError(f"wait_for() kind {predicate_or_kind!r}: use 'span', 'log', 'metric', 'beacon' or a predicate")


def _describe(predicate_or_kind: str | Callable[[Record], bool], filters: dict[str, Any]) -> str:
    if callable(predicate_or_kind):
        return f"record(s) matching {getattr(predicate_or_kind, '__name__', repr(predicate_or_kind))}"
    wanted = ", ".join(f"{key}={value!r}" for key, value in filters.items())
    return f"{predicate_or_kind.rstrip('s')}(s)" + (f" with {wanted}" if wanted else "")
