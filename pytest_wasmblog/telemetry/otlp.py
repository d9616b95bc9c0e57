"""OTLP/HTTP requests (JSON or binary protobuf) decoded into flat records (`store.py` keeps them).

The JSON is checked field by field against OpenTelemetry's own message definitions before
protobuf's parser sees it, so a bad payload is reported at its JSON path (protobuf's own errors
often lose the index), and OTLP's deviations from protobuf's JSON mapping are applied: ids are hex,
not base64. Unknown fields are rejected, although the spec tells collectors to ignore them: a test
receiver that ignored a misspelt field would let the site's bug pass.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as _PbSpan
from opentelemetry.proto.trace.v1.trace_pb2 import Status as _PbStatus

from pytest_wasmblog.errors import PayloadError

SIGNALS: dict[str, type[Message]] = {
    "/v1/traces": ExportTraceServiceRequest,
    "/v1/metrics": ExportMetricsServiceRequest,
    "/v1/logs": ExportLogsServiceRequest,
}
_TOP_KEYS = {"resourceSpans": "/v1/traces", "resourceMetrics": "/v1/metrics", "resourceLogs": "/v1/logs"}
JSON_TYPES = frozenset({"application/json"})
PROTOBUF_TYPES = frozenset({"application/x-protobuf", "application/protobuf"})
# Bytes fields that OTLP JSON writes as hex, with their length in bytes.
_ID_BYTES = {"trace_id": 16, "span_id": 8, "parent_span_id": 8}
_ID_EXAMPLE = {16: "5b8efff798038103d269b633813fc60c", 8: "eee19b7ec3c1b174"}
_HEX = re.compile(r"[0-9a-fA-F]*")
_INTEGER = re.compile(r"-?[0-9]+")
# SeverityNumber ranges start at these (TRACE 1-4, DEBUG 5-8, ...); WARNING is what Python calls WARN.
SEVERITY_NUMBERS = {"TRACE": 1, "DEBUG": 5, "INFO": 9, "WARN": 13, "WARNING": 13, "ERROR": 17, "FATAL": 21}


class OtlpError(PayloadError):
    """An OTLP/HTTP request this receiver cannot accept; names the signal, the JSON path and the fix."""

    def __init__(self, signal: str, problem: str, fix: str, json_path: str = "") -> None:
        self.signal = signal
        super().__init__(f"OTLP {signal} request", problem, fix, json_path)


class _Bad(Exception):
    """A problem found while walking the JSON; decode() adds the signal."""

    def __init__(self, path: str, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.path, self.problem, self.fix = path, problem, fix


# --- flat records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    name: str
    trace_id: str  # lowercase hex, "" when unset
    span_id: str
    parent_span_id: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any] = field(hash=False)
    resource: dict[str, Any] = field(hash=False)
    scope: str
    status_code: str  # "UNSET", "OK" or "ERROR"
    status_message: str = ""
    kind: str = "UNSPECIFIED"  # "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6


@dataclass(frozen=True)
class LogRecord:
    severity_text: str
    severity_number: int
    body: Any  # the AnyValue as a plain value: str, int, float, bool, bytes, list, dict or None
    attributes: dict[str, Any] = field(hash=False)
    resource: dict[str, Any] = field(hash=False)
    time_ns: int  # timeUnixNano, or observedTimeUnixNano when the event time is unknown
    trace_id: str
    span_id: str = ""
    scope: str = ""


@dataclass(frozen=True)
class MetricPoint:
    name: str
    kind: str  # "histogram", "sum", "gauge", "exponential_histogram" or "summary"
    unit: str
    attributes: dict[str, Any] = field(hash=False)
    resource: dict[str, Any] = field(hash=False)
    time_ns: int
    scope: str = ""
    value: float | int | None = None  # sum and gauge points
    count: int | None = None  # histogram and summary points from here on
    sum: float | None = None
    bucket_counts: tuple[int, ...] = ()
    explicit_bounds: tuple[float, ...] = ()
    min: float | None = None
    max: float | None = None


Record = Span | LogRecord | MetricPoint


@dataclass(frozen=True)
class Decoded:
    """One request: its signal ("traces", "metrics" or "logs"), the protobuf message and its records."""

    signal: str
    request: Message = field(repr=False)
    records: tuple[Record, ...]


# --- decoding ------------------------------------------------------------------------------------


def decode(path: str, body: bytes, content_type: str) -> Decoded:
    """Decode one OTLP/HTTP request body sent to `path`; raises OtlpError when it is malformed."""
    path = path.split("?", 1)[0]
    message_type = SIGNALS.get(path)
    if message_type is None:
        raise OtlpError(path, f'"{path}" is not an OTLP/HTTP path',
                        "POST traces to /v1/traces, metrics to /v1/metrics and logs to /v1/logs")
    signal = path.rsplit("/", 1)[1]
    media_type = content_type.split(";", 1)[0].strip().lower()
    if body[:2] == b"\x1f\x8b":
        raise OtlpError(signal, "the body is gzip-compressed",
                        "the HTTP side must undo Content-Encoding: gzip before decode()")
    if media_type in PROTOBUF_TYPES:
        request = _parse_binary(signal, message_type, body)
    elif media_type in JSON_TYPES:
        request = _parse_json(signal, message_type, body)
    else:
        raise _content_type_error(signal, content_type, body)
    return Decoded(signal, request, tuple(_flatten(request)))


def _content_type_error(signal: str, content_type: str, body: bytes) -> OtlpError:
    fix = "send Content-Type: application/json (OTLP/HTTP JSON) or application/x-protobuf"
    if not content_type:
        return OtlpError(signal, "the request has no Content-Type", fix)
    if content_type.lower().startswith("text/plain"):
        return OtlpError(
            signal, f"Content-Type is {content_type!r}, which is what navigator.sendBeacon(url, string) sends",
            "give sendBeacon a Blob that carries the type: "
            "navigator.sendBeacon(url, new Blob([JSON.stringify(payload)], {type: 'application/json'})), "
            "or use fetch(url, {method: 'POST', keepalive: true, headers: {'Content-Type': 'application/json'}, body})",
        )
    looks = " (the body looks like JSON)" if body.lstrip()[:1] in (b"{", b"[") else ""
    return OtlpError(signal, f"Content-Type {content_type!r} is not an OTLP encoding{looks}", fix)


def _parse_binary(signal: str, message_type: type[Message], body: bytes) -> Message:
    # An empty body is the binary encoding of an empty request, which the spec says to accept.
    try:
        request = message_type.FromString(body)
    except DecodeError as exc:
        looks = " (the body looks like JSON)" if body.lstrip()[:1] == b"{" else ""
        raise OtlpError(signal, f"the body is not a binary {message_type.__name__}: {exc}{looks}",
                        "send the protobuf encoding with application/x-protobuf, "
                        "or JSON with Content-Type: application/json") from exc
    _check_binary_ids(signal, request, "")
    return request


def _check_binary_ids(signal: str, message: Message, path: str) -> None:
    for fd, value in message.ListFields():
        here = _join(path, fd.json_name)
        if fd.type == FieldDescriptor.TYPE_MESSAGE:
            items = list(enumerate(value)) if _is_repeated(fd) else [(None, value)]
            for i, item in items:
                _check_binary_ids(signal, item, here if i is None else f"{here}[{i}]")
        elif fd.type == FieldDescriptor.TYPE_BYTES and fd.name in _ID_BYTES and len(value) != _ID_BYTES[fd.name]:
            size = _ID_BYTES[fd.name]
            raise OtlpError(signal, f"{fd.name} is {len(value)} bytes, not {size}",
                            f"send {size}-byte ids (or leave the field empty)", here)


def _parse_json(signal: str, message_type: type[Message], body: bytes) -> Message:
    top_key = next(key for key, path in _TOP_KEYS.items() if path.endswith(signal))
    fix = f'send one JSON object, {{"{top_key}": [...]}} (an empty request is {{}})'
    if not body.strip():
        raise OtlpError(signal, "the body is empty", fix)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OtlpError(signal, f"the body is not UTF-8 ({exc.reason} at byte {exc.start})",
                        "send UTF-8 JSON; send binary protobuf as application/x-protobuf") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OtlpError(signal, f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                        fix + "; JSON.stringify() the payload") from exc
    try:
        converted = _check_message(data, message_type.DESCRIPTOR, "", top=True)
    except _Bad as bad:
        raise OtlpError(signal, bad.problem, bad.fix, bad.path) from None
    try:
        return json_format.ParseDict(converted, message_type(), ignore_unknown_fields=False)
    except json_format.ParseError as exc:  # what the walk above does not check, e.g. a number out of range
        raise _protobuf_error(signal, message_type, exc) from exc


def _protobuf_error(signal: str, message_type: type[Message], exc: Exception) -> OtlpError:
    # protobuf nests "Failed to parse X field: " per level and sometimes ends with ' at "Type.path"'.
    text = re.sub(r"(Failed to parse \w+ field: )+", "", str(exc)).rstrip(".")
    found = re.search(rf' at "?{message_type.__name__}\.([^"\s]+)"?', text)
    path = found.group(1) if found else ""
    if found:
        text = text[: found.start()]
    return OtlpError(signal, text, "compare the payload with the OTLP JSON examples of opentelemetry-proto", path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def show(value: Any) -> str:
    """A JSON value, cut short for a message."""
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_repeated(fd: FieldDescriptor) -> bool:
    # protobuf 7 removed `label`; older runtimes have no `is_repeated`.
    repeated = getattr(fd, "is_repeated", None)
    return bool(repeated) if repeated is not None else fd.label == FieldDescriptor.LABEL_REPEATED


def _check_message(data: Any, desc: Descriptor, path: str, top: bool = False) -> dict[str, Any]:
    """The JSON object for `desc`, checked, with hex ids turned into the base64 protobuf expects."""
    if not isinstance(data, dict):
        raise _Bad(path or "(body)", f"{show(data)} is not a JSON object",
                   f"send a {desc.name} object here" if path else f'send one {desc.name} JSON object')
    by_json = {fd.json_name: fd for fd in desc.fields}
    by_name = {fd.name: fd for fd in desc.fields}
    out: dict[str, Any] = {}
    oneofs: dict[str, str] = {}
    for key, value in data.items():
        here = _join(path, key)
        fd = by_json.get(key)
        if fd is None:
            raise _unknown_field(key, here, desc, by_name, top)
        if value is None:  # null means "not set" in protobuf's JSON
            continue
        oneof = fd.containing_oneof
        if oneof is not None:
            if oneof.name in oneofs:
                raise _Bad(here, f'"{oneofs[oneof.name]}" and "{key}" are both set, but {desc.name} holds one of them',
                           "set only one")
            oneofs[oneof.name] = key
        if _is_repeated(fd):
            if not isinstance(value, list):
                raise _Bad(here, f"{show(value)} is not a JSON array", f"send [] around the {key} items")
            out[key] = [_check_value(item, fd, f"{here}[{i}]") for i, item in enumerate(value)]
        else:
            out[key] = _check_value(value, fd, here)
    return out


def _unknown_field(key: str, here: str, desc: Descriptor, by_name: dict[str, FieldDescriptor], top: bool) -> _Bad:
    if key in by_name:
        camel = by_name[key].json_name
        return _Bad(here, f'"{key}" is a protobuf field name', f'rename it "{camel}": OTLP JSON keys are lowerCamelCase')
    if top and key in _TOP_KEYS:
        return _Bad(here, f'"{key}" belongs to another signal', f"POST it to {_TOP_KEYS[key]}")
    names = sorted(fd.json_name for fd in desc.fields)
    close = difflib.get_close_matches(key, names, n=1)
    hint = f'did you mean "{close[0]}"? ' if close else ""
    return _Bad(here, f'{desc.name} has no field "{key}"',
                f"{hint}{desc.name}'s fields are {', '.join(names)}; this receiver rejects unknown fields "
                "so that a misspelt one is not silently dropped")


_INT_TYPES = frozenset({FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT32,
                        FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SINT64,
                        FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED32,
                        FieldDescriptor.TYPE_SFIXED64})
_UNSIGNED = frozenset({FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED32,
                       FieldDescriptor.TYPE_FIXED64})
_32_BITS = frozenset({FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_SINT32,
                      FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_SFIXED32})
_FLOAT_WORDS = frozenset({"NaN", "Infinity", "-Infinity"})


def _check_value(value: Any, fd: FieldDescriptor, path: str) -> Any:
    kind = fd.type
    if kind == FieldDescriptor.TYPE_MESSAGE:
        if fd.message_type.GetOptions().map_entry:  # OTLP has no maps today; protobuf checks them
            return value
        return _check_message(value, fd.message_type, path)
    if kind == FieldDescriptor.TYPE_BYTES and fd.name in _ID_BYTES:
        return _hex_id(value, _ID_BYTES[fd.name], path)
    if kind in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES):
        if not isinstance(value, str):
            what = "a base64 string" if kind == FieldDescriptor.TYPE_BYTES else "a string"
            raise _Bad(path, f"{show(value)} is not a string", f"send {what}")
    elif kind == FieldDescriptor.TYPE_BOOL:
        if not isinstance(value, bool):
            raise _Bad(path, f"{show(value)} is not a boolean", "send true or false")
    elif kind == FieldDescriptor.TYPE_ENUM:
        names = [v.name for v in fd.enum_type.values]
        if not (isinstance(value, int) and not isinstance(value, bool)) and value not in names:
            codes = ", ".join(f"{v.number} {v.name}" for v in fd.enum_type.values)
            raise _Bad(path, f"{show(value)} is not a {fd.enum_type.name}",
                       f"send the enum's number, as OTLP JSON requires: {codes}")
    elif kind in _INT_TYPES:
        _check_integer(value, kind, path)
    elif not _is_number(value) and value not in _FLOAT_WORDS:  # double and float
        raise _Bad(path, f"{show(value)} is not a number", 'send a JSON number (or "NaN", "Infinity", "-Infinity")')
    return value


def _is_number(value: Any) -> bool:
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_integer(value: Any, kind: int, path: str) -> None:
    example = 'e.g. 1544712660000000000 or "1544712660000000000"'
    if isinstance(value, dict) and {"low", "high"} <= value.keys():
        raise _Bad(path, f"{show(value)} is a JavaScript Long split into low and high bits",
                   f"send the 64-bit integer as a decimal string ({example}): serialize with useLongBits off")
    integral = (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and _INTEGER.fullmatch(value) is not None) or (
        isinstance(value, float) and value.is_integer())
    if not integral:
        raise _Bad(path, f"{show(value)} is not an integer", f"send a JSON integer or a decimal string, {example}")
    bits = 32 if kind in _32_BITS else 64
    low, high = (0, 2**bits - 1) if kind in _UNSIGNED else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if not low <= int(value) <= high:
        raise _Bad(path, f"{show(value)} does not fit the field's {'unsigned' if low == 0 else 'signed'} {bits} bits",
                   f"send a value from {low} to {high}")


def _hex_id(value: Any, size: int, path: str) -> str:
    digits = 2 * size
    fix = f'send {size}-byte ids as {digits} hex digits, e.g. "{_ID_EXAMPLE[size]}"; OTLP JSON ids are hex, not base64'
    if not isinstance(value, str):
        raise _Bad(path, f"{show(value)} is not a string of {digits} hex digits", fix)
    if value == "":  # unset, as for a root span's parent
        return ""
    if len(value) != digits or not _HEX.fullmatch(value):
        raise _Bad(path, f"{show(value)} is not {digits} hex digits{_base64_note(value, size)}", fix)
    return base64.b64encode(bytes.fromhex(value)).decode("ascii")


def _base64_note(value: str, size: int) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return " (it is base64, as protobuf's own JSON mapping writes bytes)" if len(raw) == size else ""


# --- flattening ----------------------------------------------------------------------------------


def plain_value(value: AnyValue) -> Any:
    """An OTLP AnyValue as the Python value it holds (None when empty)."""
    which = value.WhichOneof("value")
    if which == "array_value":
        return [plain_value(item) for item in value.array_value.values]
    if which == "kvlist_value":
        return plain_attributes(value.kvlist_value.values)
    return None if which is None else getattr(value, which)


def plain_attributes(pairs: Iterable[KeyValue]) -> dict[str, Any]:
    return {pair.key: plain_value(pair.value) for pair in pairs}


def _enum_name(names: Callable[[int], str], number: int, prefix: str) -> str:
    try:
        return names(number).removeprefix(prefix)
    except ValueError:  # a number newer than these definitions
        return str(number)


def _flatten(request: Any) -> Iterable[Record]:
    if isinstance(request, ExportTraceServiceRequest):
        return _flatten_spans(request)
    if isinstance(request, ExportLogsServiceRequest):
        return _flatten_logs(request)
    return _flatten_metrics(request)


def _flatten_spans(request: ExportTraceServiceRequest) -> Iterable[Span]:
    for resource_spans in request.resource_spans:
        resource = plain_attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield Span(
                    name=span.name, trace_id=span.trace_id.hex(), span_id=span.span_id.hex(),
                    parent_span_id=span.parent_span_id.hex(), start_ns=span.start_time_unix_nano,
                    end_ns=span.end_time_unix_nano, attributes=plain_attributes(span.attributes), resource=resource,
                    scope=scope_spans.scope.name,
                    status_code=_enum_name(_PbStatus.StatusCode.Name, span.status.code, "STATUS_CODE_"),
                    status_message=span.status.message,
                    kind=_enum_name(_PbSpan.SpanKind.Name, span.kind, "SPAN_KIND_"),
                )


def _flatten_logs(request: ExportLogsServiceRequest) -> Iterable[LogRecord]:
    for resource_logs in request.resource_logs:
        resource = plain_attributes(resource_logs.resource.attributes)
        for scope_logs in resource_logs.scope_logs:
            for log in scope_logs.log_records:
                yield LogRecord(
                    severity_text=log.severity_text, severity_number=log.severity_number, body=plain_value(log.body),
                    attributes=plain_attributes(log.attributes), resource=resource,
                    time_ns=log.time_unix_nano or log.observed_time_unix_nano, trace_id=log.trace_id.hex(),
                    span_id=log.span_id.hex(), scope=scope_logs.scope.name,
                )


def _flatten_metrics(request: ExportMetricsServiceRequest) -> Iterable[MetricPoint]:
    for resource_metrics in request.resource_metrics:
        resource = plain_attributes(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                kind = metric.WhichOneof("data")
                if kind is None:
                    continue
                for point in getattr(metric, kind).data_points:
                    common = {"name": metric.name, "kind": kind, "unit": metric.unit, "resource": resource,
                              "attributes": plain_attributes(point.attributes), "time_ns": point.time_unix_nano,
                              "scope": scope_metrics.scope.name}
                    yield MetricPoint(**common, **_point_values(kind, point))


def _optional(point: Any, name: str) -> float | None:
    return float(getattr(point, name)) if point.HasField(name) else None


def _point_values(kind: str, point: Any) -> dict[str, Any]:
    if kind in ("sum", "gauge"):
        which = point.WhichOneof("value")
        return {"value": None if which is None else getattr(point, which)}
    if kind == "summary":
        return {"count": point.count, "sum": point.sum}
    values = {"count": point.count, "sum": _optional(point, "sum"), "min": _optional(point, "min"),
              "max": _optional(point, "max")}
    if kind == "histogram":
        values.update(bucket_counts=tuple(point.bucket_counts), explicit_bounds=tuple(point.explicit_bounds))
    return values
