"""The OTLP/HTTP receiver's core: decoding JSON and protobuf bodies, its errors, and the store tests query.

The payloads have the shape of the examples in opentelemetry-proto (examples/trace.json, logs.json,
metrics.json): resource, scope, then the records, with hex ids and 64-bit times as strings or numbers.
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.telemetry.beacons import Beacon
from pytest_wasmblog.telemetry.otlp import (
    SIGNALS,
    LogRecord,
    MetricPoint,
    OtlpError,
    Record,
    Span,
    decode,
)
from pytest_wasmblog.telemetry.store import TelemetryStore

TRACE_ID = "0AF7651916CD43DD8448EB211C80319C"
JSON = "application/json"
PROTOBUF = "application/x-protobuf"


def kv(key: str, **value: Any) -> dict[str, Any]:
    return {"key": key, "value": value}


def resource(signal: str, scope_key: str, items_key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {signal: [{
        "resource": {"attributes": [kv("service.name", stringValue="blog")]},
        scope_key: [{"scope": {"name": "blog.frontend", "version": "0.1.0"}, items_key: items}],
    }]}


def span(name: str, span_id: str = "B7AD6B7169203331", **fields: Any) -> dict[str, Any]:
    return {"traceId": TRACE_ID, "spanId": span_id, "parentSpanId": "", "name": name, "kind": 1,
            "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": 1700000000250000000,
            "attributes": [], **fields}


def traces(*spans: dict[str, Any]) -> dict[str, Any]:
    return resource("resourceSpans", "scopeSpans", "spans", list(spans))


def log(text: str, severity_text: str = "INFO", severity_number: int = 9, **fields: Any) -> dict[str, Any]:
    return {"timeUnixNano": "1700000000100000000", "severityText": severity_text, "severityNumber": severity_number,
            "traceId": TRACE_ID, "spanId": "B7AD6B7169203331", "body": {"stringValue": text}, **fields}


def logs(*records: dict[str, Any]) -> dict[str, Any]:
    return resource("resourceLogs", "scopeLogs", "logRecords", list(records))


def metrics(*items: dict[str, Any]) -> dict[str, Any]:
    return resource("resourceMetrics", "scopeMetrics", "metrics", list(items))


def histogram(name: str) -> dict[str, Any]:
    return {"name": name, "unit": "ms", "histogram": {"aggregationTemporality": 2, "dataPoints": [{
        "startTimeUnixNano": "1700000000000000000", "timeUnixNano": "1700000001000000000", "count": "4",
        "sum": 310.5, "bucketCounts": ["1", "2", "1"], "explicitBounds": [50, 100], "min": 20, "max": 180,
        "attributes": [kv("engine", stringValue="chromium")]}]}}


def body(payload: Any) -> bytes:
    return json.dumps(payload).encode()


# --- decoding valid payloads --------------------------------------------------------------------


def test_a_span_becomes_a_flat_record_with_hex_ids_and_plain_attributes() -> None:
    attributes = [
        kv("page", stringValue="/posts/1"), kv("retries", intValue="3"), kv("ratio", doubleValue=0.5),
        kv("cached", boolValue=True), kv("tags", arrayValue={"values": [{"stringValue": "a"}, {"intValue": 2}]}),
        kv("http", kvlistValue={"values": [kv("status", intValue=200)]}),
        kv("digest", bytesValue=base64.b64encode(b"\x00\x01").decode()), kv("nothing"),
    ]
    payload = traces(span("boot", attributes=attributes, kind=2, status={"code": 2, "message": "no network"}),
                     span("fetch", span_id="00F067AA0BA902B7", parentSpanId="b7ad6b7169203331"))
    decoded = decode("/v1/traces", body(payload), "application/json; charset=utf-8")
    assert decoded.signal == "traces"
    boot, fetch = decoded.records
    assert boot == Span(
        name="boot", trace_id=TRACE_ID.lower(), span_id="b7ad6b7169203331", parent_span_id="",
        start_ns=1700000000000000000, end_ns=1700000000250000000,
        attributes={"page": "/posts/1", "retries": 3, "ratio": 0.5, "cached": True, "tags": ["a", 2],
                    "http": {"status": 200}, "digest": b"\x00\x01", "nothing": None},
        resource={"service.name": "blog"}, scope="blog.frontend", status_code="ERROR", status_message="no network",
        kind="SERVER",
    )
    assert boot.duration_ms == 250.0
    assert isinstance(fetch, Span)
    assert (fetch.parent_span_id, fetch.status_code, fetch.kind) == ("b7ad6b7169203331", "UNSET", "INTERNAL")


def test_enum_names_and_unknown_enum_numbers_are_accepted() -> None:
    payload = traces(span("a", kind="SPAN_KIND_CLIENT"), span("b", kind=42))
    assert [s.kind for s in decode("/v1/traces", body(payload), JSON).records if isinstance(s, Span)] == ["CLIENT", "42"]


def test_a_log_record_keeps_severity_body_and_trace() -> None:
    structured = log("", body={"kvlistValue": {"values": [kv("event", stringValue="boot")]}})
    (text, kvlist) = decode("/v1/logs", body(logs(log("app ready"), structured)), JSON).records
    assert text == LogRecord(severity_text="INFO", severity_number=9, body="app ready",
                             attributes={}, resource={"service.name": "blog"}, time_ns=1700000000100000000,
                             trace_id=TRACE_ID.lower(), span_id="b7ad6b7169203331", scope="blog.frontend")
    assert isinstance(kvlist, LogRecord) and kvlist.body == {"event": "boot"}


@pytest.mark.parametrize(("metric", "expected"), [
    ({"name": "requests", "unit": "1", "sum": {"aggregationTemporality": 1, "isMonotonic": True,
                                               "dataPoints": [{"asInt": "7", "timeUnixNano": 5}]}},
     {"kind": "sum", "value": 7, "count": None, "time_ns": 5}),
    ({"name": "heap", "unit": "By", "gauge": {"dataPoints": [{"asDouble": 1.5e6, "timeUnixNano": "5"}]}},
     {"kind": "gauge", "value": 1.5e6}),
    (histogram("boot.duration"),
     {"kind": "histogram", "unit": "ms", "count": 4, "sum": 310.5, "bucket_counts": (1, 2, 1),
      "explicit_bounds": (50.0, 100.0), "min": 20.0, "max": 180.0, "value": None,
      "attributes": {"engine": "chromium"}, "time_ns": 1700000001000000000}),
])
def test_metric_points_are_flattened_per_kind(metric: dict[str, Any], expected: dict[str, Any]) -> None:
    (point,) = decode("/v1/metrics", body(metrics(metric)), JSON).records
    assert isinstance(point, MetricPoint)
    assert point.name == metric["name"] and point.resource == {"service.name": "blog"}
    assert {key: getattr(point, key) for key in expected} == expected


def test_a_histogram_without_sum_min_max_says_none() -> None:
    metric = {"name": "h", "histogram": {"dataPoints": [{"count": 0, "bucketCounts": [0], "explicitBounds": []}]}}
    (point,) = decode("/v1/metrics", body(metrics(metric)), JSON).records
    assert isinstance(point, MetricPoint) and (point.sum, point.min, point.max) == (None, None, None)


@pytest.mark.parametrize(("path", "payload"), [
    ("/v1/traces", traces(span("boot"), span("fetch", span_id="00F067AA0BA902B7"))),
    ("/v1/logs", logs(log("ready"), log("failed", "ERROR", 17))),
    ("/v1/metrics", metrics(histogram("boot.duration"))),
])
def test_binary_protobuf_gives_the_same_records_as_json(path: str, payload: dict[str, Any]) -> None:
    from_json = decode(path, body(payload), JSON)
    binary = from_json.request.SerializeToString()
    assert decode(path, binary, PROTOBUF).records == from_json.records


def test_an_empty_request_has_no_records() -> None:
    assert decode("/v1/traces", b"{}", JSON).records == ()
    assert decode("/v1/logs", b"", PROTOBUF).records == ()  # the binary encoding of an empty message


def test_null_fields_count_as_unset() -> None:
    (record,) = decode("/v1/traces", body(traces(span("a", parentSpanId=None, status=None))), JSON).records
    assert isinstance(record, Span) and (record.parent_span_id, record.status_code) == ("", "UNSET")


# --- malformed payloads -------------------------------------------------------------------------

SPAN_1 = "resourceSpans[0].scopeSpans[0].spans[1]"


@pytest.mark.parametrize(("change", "where", "problem", "fix"), [
    ({"traceId": "xyz"}, f"{SPAN_1}.traceId", '"xyz" is not 32 hex digits', "hex, not base64"),
    ({"traceId": base64.b64encode(bytes(16)).decode()}, f"{SPAN_1}.traceId", "it is base64", "32 hex digits"),
    ({"spanId": TRACE_ID}, f"{SPAN_1}.spanId", "is not 16 hex digits", "8-byte ids"),
    ({"parentSpanId": "zz" * 8}, f"{SPAN_1}.parentSpanId", "is not 16 hex digits", "16 hex digits"),
    ({"traceId": 12}, f"{SPAN_1}.traceId", "12 is not a string of 32 hex digits", "hex"),
    ({"nmae": "boot"}, f"{SPAN_1}.nmae", 'Span has no field "nmae"', 'did you mean "name"?'),
    ({"start_time_unix_nano": 1}, f"{SPAN_1}.start_time_unix_nano", "is a protobuf field name",
     'rename it "startTimeUnixNano"'),
    ({"kind": "SERVER"}, f"{SPAN_1}.kind", '"SERVER" is not a SpanKind', "2 SPAN_KIND_SERVER"),
    ({"startTimeUnixNano": "soon"}, f"{SPAN_1}.startTimeUnixNano", '"soon" is not an integer', "decimal string"),
    ({"startTimeUnixNano": {"low": 1, "high": 2}}, f"{SPAN_1}.startTimeUnixNano", "JavaScript Long", "useLongBits"),
    ({"startTimeUnixNano": str(2**64)}, f"{SPAN_1}.startTimeUnixNano", "does not fit the field's unsigned 64 bits",
     "from 0 to"),
    ({"droppedAttributesCount": -1}, f"{SPAN_1}.droppedAttributesCount", "does not fit", "from 0 to 4294967295"),
    ({"name": 5}, f"{SPAN_1}.name", "5 is not a string", "send a string"),
    ({"attributes": {}}, f"{SPAN_1}.attributes", "{} is not a JSON array", "[]"),
    ({"attributes": [kv("a", stringValue="x", intValue=1)]}, f"{SPAN_1}.attributes[0].value.intValue",
     '"stringValue" and "intValue" are both set', "only one"),
    ({"attributes": [kv("a", doubleValue="fast")]}, f"{SPAN_1}.attributes[0].value.doubleValue",
     '"fast" is not a number', "JSON number"),
    ({"status": {"code": True}}, f"{SPAN_1}.status.code", "true is not a StatusCode", "2 STATUS_CODE_ERROR"),
    ({"status": "ERROR"}, f"{SPAN_1}.status", '"ERROR" is not a JSON object', "Status object"),
])
def test_a_bad_field_is_named_by_its_json_path(change: dict[str, Any], where: str, problem: str, fix: str) -> None:
    payload = traces(span("first"), {**span("second", span_id="00F067AA0BA902B7"), **change})
    with pytest.raises(OtlpError) as caught:
        decode("/v1/traces", body(payload), JSON)
    error = caught.value
    assert isinstance(error, WasmblogError)
    assert (error.signal, error.json_path) == ("traces", where)
    first_line, fix_line = str(error).split("\n")
    assert first_line.startswith(f"bad OTLP traces request: {where}: ") and problem in first_line
    assert fix_line.startswith("Fix: ") and fix in fix_line


@pytest.mark.parametrize(("path", "data", "content_type", "problem", "fix"), [
    ("/v1/traces", b"", JSON, "the body is empty", '{"resourceSpans": [...]}'),
    ("/v1/logs", b"  \n", JSON, "the body is empty", '{"resourceLogs": [...]}'),
    ("/v1/traces", b"{'resourceSpans': []}", JSON, "not JSON: Expecting property name", "JSON.stringify"),
    ("/v1/traces", b"[]", JSON, "(body): [] is not a JSON object", "ExportTraceServiceRequest"),
    ("/v1/traces", b"\xff{}", JSON, "not UTF-8", "application/x-protobuf"),
    ("/v1/traces", b'{"resourceSpans": []}', "text/plain;charset=UTF-8", "navigator.sendBeacon(url, string)",
     "new Blob([JSON.stringify(payload)], {type: 'application/json'})"),
    ("/v1/traces", b"{}", "", "no Content-Type", "application/json"),
    ("/v1/traces", b"{}", "application/x-www-form-urlencoded", "not an OTLP encoding (the body looks like JSON)",
     "application/json"),
    ("/v1/traces", b'{"resourceSpans": []}', PROTOBUF, "the body looks like JSON", "Content-Type: application/json"),
    ("/v1/metrics", gzip.compress(b"{}"), JSON, "gzip-compressed", "Content-Encoding"),
    ("/v1/logs", b'{"resourceSpans": []}', JSON, 'resourceSpans: "resourceSpans" belongs to another signal',
     "POST it to /v1/traces"),
    ("/v1/profiles", b"{}", JSON, '"/v1/profiles" is not an OTLP/HTTP path', "/v1/logs"),
])
def test_a_bad_request_says_what_is_wrong_and_the_fix(path: str, data: bytes, content_type: str, problem: str,
                                                      fix: str) -> None:
    with pytest.raises(OtlpError) as caught:
        decode(path, data, content_type)
    first_line, fix_line = str(caught.value).split("\n")
    assert problem in first_line
    assert fix in fix_line


def test_a_binary_id_of_the_wrong_length_is_named() -> None:
    request = SIGNALS["/v1/traces"]()
    request.resource_spans.add().scope_spans.add().spans.add(name="a", trace_id=b"\x01\x02\x03")
    with pytest.raises(OtlpError, match=r"resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: "
                                        r"trace_id is 3 bytes, not 16"):
        decode("/v1/traces", request.SerializeToString(), PROTOBUF)


# --- the store ----------------------------------------------------------------------------------


def add(store: TelemetryStore, path: str, payload: Any) -> list[Record | Beacon]:
    return store.add(path, body(payload), JSON)


def filled_store() -> TelemetryStore:
    store = TelemetryStore()
    add(store, "/v1/traces", traces(span("boot", attributes=[kv("page", stringValue="/")]),
                                    span("fetch", attributes=[kv("page", stringValue="/about")])))
    add(store, "/v1/logs", logs(log("app ready"), log("fetch failed", "Error", 17), log("slow fetch", "warning", 0),
                                log("crash", "", 21)))
    add(store, "/v1/metrics", metrics(histogram("boot.duration"), histogram("fetch.duration")))
    return store


def test_queries_filter_by_resource() -> None:
    store = filled_store()
    other = traces(span("boot"))
    other["resourceSpans"][0]["resource"]["attributes"] = [kv("service.name", stringValue="shop")]
    add(store, "/v1/traces", other)
    assert [s.resource["service.name"] for s in store.spans("boot")] == ["blog", "shop"]
    assert len(store.spans("boot", resource={"service.name": "shop"})) == 1
    assert len(store.logs(resource={"service.name": "blog"})) == 4 and store.logs(resource={"service.name": "x"}) == []
    assert len(store.metrics(resource={"service.name": "blog"})) == 2
    assert store.wait_for("span", timeout_s=0, name="boot", resource={"service.name": "shop"})[0].resource == {
        "service.name": "shop"}


def test_queries_filter_by_name_attributes_and_severity() -> None:
    store = filled_store()
    assert [s.name for s in store.spans()] == ["boot", "fetch"]
    assert [s.name for s in store.spans("fetch")] == ["fetch"]
    assert [s.name for s in store.spans(page="/")] == ["boot"]
    assert store.spans("boot", page="/about") == []
    assert [m.name for m in store.metrics("fetch.duration", engine="chromium")] == ["fetch.duration"]
    assert [line.body for line in store.logs(severity="error")] == ["fetch failed", "crash"]  # text, or number >= 17
    assert [line.body for line in store.logs(severity="WARN")] == ["fetch failed", "slow fetch", "crash"]
    assert [line.body for line in store.logs(severity="information")] == []  # neither a level nor a text sent
    assert [line.body for line in store.logs(contains="fetch")] == ["fetch failed", "slow fetch"]
    assert [line.body for line in store.logs("info", contains="fetch")] == ["fetch failed", "slow fetch"]
    assert [request.index for request in store.requests()] == [0, 1, 2]


def test_a_rejected_request_is_kept_with_its_error_and_raised() -> None:
    store = filled_store()
    with pytest.raises(OtlpError) as caught:
        store.add("/v1/traces", b"not json", JSON)
    (rejected,) = store.errors()
    assert rejected.error is caught.value
    assert (rejected.request.index, rejected.request.path, rejected.request.body) == (3, "/v1/traces", b"not json")
    assert rejected.request.records == ()


def test_a_duplicate_delivery_is_kept_twice() -> None:
    store = TelemetryStore()
    for _ in range(2):
        (record,) = add(store, "/v1/traces", traces(span("boot")))
        assert isinstance(record, Span) and record.name == "boot"
    assert [s.name for s in store.spans("boot")] == ["boot", "boot"]


def test_since_a_mark_sees_only_what_came_after_even_past_clear() -> None:
    store = filled_store()
    mark = store.mark()
    add(store, "/v1/traces", traces(span("navigate")))
    view = store.since(mark)
    assert [s.name for s in view.spans()] == ["navigate"] and view.logs() == [] and view.metrics() == []
    add(store, "/v1/traces", traces(span("later")))
    assert [s.name for s in view.spans()] == ["navigate"]  # a view is a snapshot
    store.clear()
    assert store.requests() == []
    add(store, "/v1/traces", traces(span("after clear")))
    assert [r.index for r in store.requests()] == [5]
    assert [s.name for s in store.since(mark).spans()] == ["after clear"]


def add_later(store: TelemetryStore, delay_s: float, path: str, payload: Any) -> threading.Thread:
    def send() -> None:
        time.sleep(delay_s)
        add(store, path, payload)

    thread = threading.Thread(target=send)
    thread.start()
    return thread


@pytest.mark.parametrize(("kind", "filters", "path", "payload"), [
    ("span", {"name": "late", "page": "/"}, "/v1/traces", traces(span("late", attributes=[kv("page", stringValue="/")]))),
    ("logs", {"severity": "error", "contains": "boom"}, "/v1/logs", logs(log("boom", "ERROR", 17))),
    ("metric", {"name": "late.duration"}, "/v1/metrics", metrics(histogram("late.duration"))),
])
def test_wait_for_returns_once_a_match_arrives(kind: Any, filters: dict[str, Any], path: str, payload: Any) -> None:
    store = filled_store()
    thread = add_later(store, 0.05, path, payload)
    started = time.monotonic()
    found = store.wait_for(kind, timeout_s=5, **filters)
    thread.join()
    assert len(found) == 1 and time.monotonic() - started < 2


def test_wait_for_takes_a_predicate_a_count_and_a_mark() -> None:
    store = filled_store()
    mark = store.mark()
    thread = add_later(store, 0.05, "/v1/traces", traces(span("boot"), span("boot", span_id="00F067AA0BA902B7")))
    is_boot: Callable[[Record], bool] = lambda record: isinstance(record, Span) and record.name == "boot"  # noqa: E731
    found = store.wait_for(is_boot, timeout_s=5, count=2, since=mark)
    thread.join()
    assert [record.index for record in store.requests()] == [0, 1, 2, 3]
    assert len(found) == 2  # the boot span from before the mark is not counted


def test_wait_for_times_out_with_what_did_arrive() -> None:
    store = filled_store()
    with pytest.raises(OtlpError):
        store.add("/v1/logs", b"", JSON)
    started = time.monotonic()
    with pytest.raises(AssertionError) as caught:
        store.wait_for("span", timeout_s=0.1, name="never", page="/")
    assert 0.1 <= time.monotonic() - started < 2
    message = str(caught.value)
    assert message.startswith("timed out after 0.1 s waiting for 1 span(s) with name='never', page='/'; 0 matched.")
    assert "4 requests (/v1/logs: 2, /v1/metrics: 1, /v1/traces: 1), 1 rejected; 2 spans, 4 logs, 2 metric points" in message
    assert "last spans: 'boot', 'fetch'" in message
    assert 'last logs: INFO "app ready", Error "fetch failed", warning "slow fetch", 21 "crash"' in message
    assert "last metrics: 'boot.duration' (histogram), 'fetch.duration' (histogram)" in message
    assert "rejected #3 /v1/logs: bad OTLP logs request: the body is empty" in message


def test_wait_for_since_a_mark_with_nothing_new_says_so() -> None:
    store = filled_store()
    with pytest.raises(AssertionError, match="What arrived since the mark:\nnothing arrived"):
        store.wait_for("span", timeout_s=0.01, since=store.mark(), name="boot")


@pytest.mark.parametrize(("what", "filters", "error"), [
    (lambda record: True, {"name": "x"}, TypeError),
    ("trace", {}, ValueError),
])
def test_wait_for_rejects_bad_arguments(what: Any, filters: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        TelemetryStore().wait_for(what, timeout_s=0, **filters)


def test_threads_adding_at_once_lose_nothing() -> None:
    store = TelemetryStore()
    per_thread = 25

    def send(thread_number: int) -> None:
        for i in range(per_thread):
            add(store, "/v1/traces", traces(span(f"t{thread_number}-{i}")))
            store.spans()  # readers run alongside the writers

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    found = store.wait_for("span", timeout_s=10, count=8 * per_thread)
    for thread in threads:
        thread.join()
    assert sorted(r.index for r in store.requests()) == list(range(8 * per_thread))
    assert len({s.name for s in found}) == 8 * per_thread
