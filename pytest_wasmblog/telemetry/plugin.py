"""pytest entry point (`pytest11: wasmblog_telemetry`): the `wasm_telemetry` fixture. Every server the
session starts receives OTLP/HTTP at /v1/traces, /v1/metrics and /v1/logs: what the browser really
sent, `sendBeacon` included, since the receiver is the server and not an interception. A payload the
receiver rejects fails the test during which it arrived, naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_wasmblog import state
from pytest_wasmblog.settings import GROUP, SettingsError, base_url_setting
from pytest_wasmblog.telemetry.beacons import BeaconConfigError, BeaconSchema, parse_beacon_entry
from pytest_wasmblog.telemetry.otlp import SIGNALS
from pytest_wasmblog.telemetry.receiver import Forwarder, beacon_receivers, otlp_receivers
from pytest_wasmblog.telemetry.store import TelemetryStore

store_key = pytest.StashKey[TelemetryStore]()
forwarder_key = pytest.StashKey["Forwarder | None"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP)
    group.addoption(
        "--wasm-otlp-forward", metavar="URL",
        help="also send every OTLP request the test server receives to this collector (its /v1/traces, "
        "/v1/metrics, /v1/logs), e.g. http://127.0.0.1:4318")
    group.addoption(
        "--wasm-beacon", metavar="PATH=SCHEMA", action="append", default=[],
        help="receive the app's own JSON beacons POSTed to PATH and check each against the JSON Schema "
        "file SCHEMA (repeatable); wasm_telemetry.beacons(PATH) returns them")
    parser.addini("wasm_beacons", "beacon paths and their JSON Schema files, one 'PATH = SCHEMA' per line, "
                  "relative to the ini file", type="linelist", default=[])


def beacon_schemas(config: pytest.Config) -> list[BeaconSchema]:
    """--wasm-beacon entries (relative to where pytest runs) and wasm_beacons lines (relative to the
    ini file); a path given twice is a mistake, not an override."""
    ini_base = config.inipath.parent if config.inipath else config.rootpath
    entries = [(entry, Path.cwd()) for entry in config.getoption("--wasm-beacon")]
    entries += [(entry, ini_base) for entry in config.getini("wasm_beacons")]
    schemas: dict[str, BeaconSchema] = {}
    for entry, base in entries:
        path, schema_file = parse_beacon_entry(entry, base)
        if path in schemas:
            raise BeaconConfigError(f"beacon path {path} is given twice ({schemas[path].schema_file} and "
                                    f"{schema_file}); give each path one schema")
        schemas[path] = BeaconSchema(path, schema_file)
    return list(schemas.values())


def pytest_configure(config: pytest.Config) -> None:
    forward = config.getoption("--wasm-otlp-forward")
    if forward:
        try:
            base_url_setting(forward)  # the same rules as a site's URL: http(s), no query
        except SettingsError as exc:
            raise pytest.UsageError(str(exc).replace("--wasm-base-url", "--wasm-otlp-forward")) from None
    try:
        schemas = beacon_schemas(config)
    except BeaconConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    store = TelemetryStore()
    forwarder = Forwarder(forward) if forward else None
    config.stash[store_key] = store
    config.stash[forwarder_key] = forwarder
    receivers = state.of(config).receivers
    receivers.update(otlp_receivers(store, forwarder))
    receivers.update(beacon_receivers(schemas, store))


def pytest_unconfigure(config: pytest.Config) -> None:
    forwarder = config.stash.get(forwarder_key, None)
    if forwarder is not None:
        forwarder.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    store, forwarder = config.stash[store_key], config.stash[forwarder_key]
    received = store.requests()
    if not received and forwarder is None:
        return
    terminalreporter.section("wasmblog telemetry")
    rejected = len(store.errors())
    beacons = sum(1 for request in received if request.path not in SIGNALS)
    terminalreporter.write_line(f"OTLP requests received: {len(received) - beacons}, beacons: {beacons} "
                                f"({rejected} rejected)" if beacons else
                                f"OTLP requests received: {len(received)} ({rejected} rejected)")
    if forwarder is not None:
        forwarder.close()
        line = f"forwarded to {forwarder.base_url}: {forwarder.sent} sent"
        if forwarder.failures:
            line += f", {len(forwarder.failures)} failed (first: {forwarder.failures[0]})"
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def wasm_telemetry(pytestconfig: pytest.Config) -> TelemetryStore:
    """What the session's sites sent to /v1/traces, /v1/metrics and /v1/logs, and to the beacon paths
    (--wasm-beacon): `spans(name=...)`, `logs(severity=...)`, `metrics(name=...)`, `beacons(path)`,
    `mark()`/`since(mark)`, and `wait_for(...)`, which shows what did arrive when it times out."""
    return pytestconfig.stash[store_key]


@pytest.fixture(autouse=True)
def _wasm_telemetry_rejections(pytestconfig: pytest.Config) -> Iterator[None]:
    store = pytestconfig.stash[store_key]
    mark = store.mark()
    yield
    rejected = store.since(mark).errors()
    if rejected:
        lines = "\n".join(f"  POST {r.request.path}: {r.error}" for r in rejected[:5])
        pytest.fail(f"the page sent {len(rejected)} request(s) the telemetry receiver rejected:\n{lines}",
                    pytrace=False)
