"""Beacons that are not OTLP: an app's own JSON (a `sendBeacon` of web vitals, a usage ping) received
at a path the user names and checked against the JSON Schema they give, so a malformed beacon fails
the test that sent it with the field's path, as a bad OTLP payload does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# types-jsonschema comes with the test extras only: without it the import is untyped.
from jsonschema import SchemaError  # type: ignore[import-untyped, unused-ignore]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped, unused-ignore]
from jsonschema.validators import validator_for  # type: ignore[import-untyped, unused-ignore]

from pytest_wasmblog.errors import PayloadError, WasmblogError
from pytest_wasmblog.telemetry.otlp import SIGNALS, show

# sendBeacon(url, string) sends text/plain; a Blob or fetch usually application/json.
_JSON_MEDIA_TYPES = frozenset({"application/json", "text/plain", "application/reports+json"})


class BeaconConfigError(WasmblogError):
    """A `--wasm-beacon` / `wasm_beacons` entry that cannot work; the message names the fix."""


class BeaconError(PayloadError):
    """A beacon the receiver cannot accept: not JSON, or not what its schema says."""

    def __init__(self, path: str, problem: str, fix: str, json_path: str = "") -> None:
        self.path = path
        super().__init__(f"beacon to {path}", problem, fix, json_path)


@dataclass(frozen=True)
class Beacon:
    """One accepted beacon: the path it was sent to and its JSON value."""

    path: str
    data: Any
    content_type: str


def parse_beacon_entry(entry: str, base: Path) -> tuple[str, Path]:
    """`PATH=SCHEMA` (`--wasm-beacon`) or `PATH = SCHEMA` (a `wasm_beacons` line) -> (path, schema
    file), the file relative to `base` (where the command ran, or the ini file's folder)."""
    path, sep, schema = (part.strip() for part in entry.partition("="))
    if not sep or not path or not schema:
        raise BeaconConfigError(f"beacon entry {entry!r}: write PATH=SCHEMA, e.g. /beacon/vitals=schemas/vitals.json")
    if not path.startswith("/") or "?" in path or "#" in path:
        raise BeaconConfigError(f"beacon path {path!r}: give the path the page POSTs to, starting with / "
                                "and without ?query or #fragment, e.g. /beacon/vitals")
    if path in SIGNALS:
        raise BeaconConfigError(f"beacon path {path}: that is an OTLP endpoint, which is always received and "
                                "checked against OpenTelemetry's own messages; pick another path")
    return path, (base / schema).resolve()


class BeaconSchema:
    """The receiver's check for one beacon path: its JSON Schema, in the draft its `$schema` names
    (2020-12 when it names none)."""

    def __init__(self, path: str, schema_file: Path) -> None:
        self.path = path
        self.schema_file = schema_file
        try:
            schema = json.loads(schema_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BeaconConfigError(f"beacon schema for {path}: {schema_file} does not exist; "
                                    "give a JSON Schema file, relative to where pytest runs "
                                    "(or to the ini file for wasm_beacons)") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BeaconConfigError(f"beacon schema for {path}: {schema_file} is not a readable JSON file ({exc}); "
                                    "fix the file or point at another") from None
        validator_class = validator_for(schema)
        try:
            validator_class.check_schema(schema)
        except SchemaError as exc:
            where = exc.json_path if exc.json_path != "$" else "its top level"
            raise BeaconConfigError(f"beacon schema for {path}: {schema_file} is not a valid JSON Schema "
                                    f"({where}: {exc.message}); fix the schema") from None
        self._validator = validator_class(schema)

    def decode(self, body: bytes, content_type: str) -> Beacon:
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type and media_type not in _JSON_MEDIA_TYPES and not media_type.endswith("+json"):
            raise BeaconError(self.path, f"Content-Type {content_type!r} is not JSON",
                              "send the beacon as JSON: navigator.sendBeacon(url, JSON.stringify(data)) or a Blob "
                              "of type application/json")
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BeaconError(self.path, f"the body is not JSON ({exc}): {show(body[:80].decode('utf-8', 'replace'))}",
                              "send JSON.stringify(data)") from None
        error = best_match(self._validator.iter_errors(data))
        if error is not None:
            raise BeaconError(self.path, error.message,
                              f"send what {self.schema_file.name} describes, or change the schema",
                              json_path=error.json_path)
        return Beacon(self.path, data, content_type)
