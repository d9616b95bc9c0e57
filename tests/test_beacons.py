"""Beacons that are not OTLP: the entry syntax, the schema checks (in the draft the schema names),
what the store keeps, and the receiver's answers (no browser: the page side is in
test_plugin_telemetry.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_wasmblog.telemetry.beacons import (
    Beacon,
    BeaconConfigError,
    BeaconError,
    BeaconSchema,
    parse_beacon_entry,
)
from pytest_wasmblog.telemetry.receiver import beacon_receivers
from pytest_wasmblog.telemetry.store import TelemetryStore

# A web-vitals style beacon, as an app might send it with navigator.sendBeacon.
VITALS = {
    "type": "object",
    "required": ["page", "metrics"],
    "properties": {
        "page": {"type": "string", "pattern": "^/"},
        "metrics": {"type": "array", "items": {
            "type": "object", "required": ["name", "value"],
            "properties": {"name": {"enum": ["LCP", "INP", "CLS"]}, "value": {"type": "number", "minimum": 0}},
        }},
    },
}
GOOD = {"page": "/", "metrics": [{"name": "LCP", "value": 812.5}, {"name": "CLS", "value": 0.01}]}


def schema_file(tmp_path: Path, schema: Any, name: str = "vitals.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(schema))
    return path


@pytest.fixture
def vitals(tmp_path: Path) -> BeaconSchema:
    return BeaconSchema("/beacon/vitals", schema_file(tmp_path, VITALS))


@pytest.mark.parametrize(("entry", "expected"), [
    ("/beacon/vitals=schemas/v.json", ("/beacon/vitals", "schemas/v.json")),
    ("  /b = v.json ", ("/b", "v.json")),
])
def test_an_entry_is_a_path_and_a_schema_relative_to_its_base(tmp_path: Path, entry: str,
                                                               expected: tuple[str, str]) -> None:
    assert parse_beacon_entry(entry, tmp_path) == (expected[0], (tmp_path / expected[1]).resolve())


@pytest.mark.parametrize(("entry", "message"), [
    ("/beacon/vitals", "write PATH=SCHEMA"),
    ("=v.json", "write PATH=SCHEMA"),
    ("beacon=v.json", "starting with /"),
    ("/beacon?x=1=v.json", "without ?query"),
    ("/v1/logs=v.json", "that is an OTLP endpoint"),
])
def test_a_bad_entry_says_how_to_write_it(tmp_path: Path, entry: str, message: str) -> None:
    with pytest.raises(BeaconConfigError, match=message.replace("?", r"\?")):
        parse_beacon_entry(entry, tmp_path)


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"),
    ("{not json", "is not a readable JSON file"),
    (json.dumps({"type": "no-such-type"}), r"is not a valid JSON Schema \(\$.type: "),
    (json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "minimum": "zero"}),
     r"is not a valid JSON Schema \(\$.minimum: 'zero' is not of type 'number'"),
])
def test_a_schema_that_cannot_work_is_refused_with_the_file_and_the_fix(tmp_path: Path, content: str | None,
                                                                         message: str) -> None:
    path = tmp_path / "schema.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(BeaconConfigError, match=message) as raised:
        BeaconSchema("/b", path)
    assert str(path) in str(raised.value)


def test_a_valid_beacon_is_decoded(vitals: BeaconSchema) -> None:
    body = json.dumps(GOOD).encode()
    assert vitals.decode(body, "text/plain;charset=UTF-8") == Beacon("/beacon/vitals", GOOD, "text/plain;charset=UTF-8")
    assert vitals.decode(body, "application/json").data == GOOD
    assert vitals.decode(body, "").data == GOOD  # a Blob without a type


@pytest.mark.parametrize(("data", "json_path", "problem"), [
    ({"metrics": []}, "$", "'page' is a required property"),
    ({**GOOD, "page": "home"}, "$.page", "'home' does not match '^/'"),
    ({**GOOD, "metrics": [GOOD["metrics"][0], {"name": "FID", "value": 3}]}, "$.metrics[1].name",
     "'FID' is not one of ['LCP', 'INP', 'CLS']"),
    ({**GOOD, "metrics": [{"name": "LCP", "value": -1}]}, "$.metrics[0].value", "-1 is less than the minimum of 0"),
])
def test_a_beacon_its_schema_refuses_names_the_field(vitals: BeaconSchema, data: Any, json_path: str,
                                                      problem: str) -> None:
    with pytest.raises(BeaconError) as raised:
        vitals.decode(json.dumps(data).encode(), "application/json")
    assert (raised.value.json_path, raised.value.problem) == (json_path, problem)
    assert str(raised.value).startswith(f"bad beacon to /beacon/vitals: {json_path}: {problem}\nFix: ")


@pytest.mark.parametrize(("body", "content_type", "problem"), [
    (b"page=/", "application/x-www-form-urlencoded", "Content-Type 'application/x-www-form-urlencoded' is not JSON"),
    (b"{'page': '/'}", "application/json", "the body is not JSON"),
    (b"\xff\xfe", "text/plain", "the body is not JSON"),
])
def test_a_body_that_is_not_json_is_refused(vitals: BeaconSchema, body: bytes, content_type: str,
                                            problem: str) -> None:
    with pytest.raises(BeaconError, match=problem):
        vitals.decode(body, content_type)


def test_the_schema_draft_it_names_is_the_one_applied(tmp_path: Path) -> None:
    # Draft 4's boolean exclusiveMinimum and 2020-12's number form mean different things.
    draft4 = BeaconSchema("/a", schema_file(tmp_path, {"$schema": "http://json-schema.org/draft-04/schema#",
                                                       "minimum": 0, "exclusiveMinimum": True}, "a.json"))
    modern = BeaconSchema("/b", schema_file(tmp_path, {"exclusiveMinimum": 0}, "b.json"))
    for schema in (draft4, modern):
        assert schema.decode(b"1", "application/json").data == 1
        with pytest.raises(BeaconError, match="less than or equal to the minimum of 0"):
            schema.decode(b"0", "application/json")


def test_the_receiver_keeps_good_beacons_and_answers_a_bad_one_with_the_field(vitals: BeaconSchema) -> None:
    store = TelemetryStore()
    receive = beacon_receivers([vitals], store)["/beacon/vitals"]
    assert receive(json.dumps(GOOD).encode(), "application/json")[0] == 204
    status, _, answer = receive(b'{"page": "/", "metrics": [{"name": "LCP"}]}', "application/json")
    assert status == 400 and answer.decode().startswith("bad beacon to /beacon/vitals: $.metrics[0]: 'value' is a "
                                                        "required property")
    assert [beacon.data for beacon in store.beacons("/beacon/vitals")] == [GOOD]
    assert store.beacons("/elsewhere") == [] and store.records() == []
    assert [str(rejected.error).splitlines()[0] for rejected in store.errors()] == [
        "bad beacon to /beacon/vitals: $.metrics[0]: 'value' is a required property"]
    assert store.wait_for("beacon", timeout_s=0, path="/beacon/vitals")[0].data == GOOD
    assert "1 beacons" in store.summary() and "last beacons: /beacon/vitals" in store.summary()
