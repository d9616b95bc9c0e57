"""`wasm_telemetry`: the test server receives OTLP/HTTP from the page, `sendBeacon` included, checks it
against OpenTelemetry's own messages, fails the test whose page sent a bad payload naming the field,
and forwards everything to another collector when asked (pytester, a real page in Chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_wasmblog.server import StaticSiteServer
from pytest_wasmblog.telemetry.receiver import otlp_receivers
from pytest_wasmblog.telemetry.store import TelemetryStore

PAGE_SENDS = '''
import json
import time
import pytest

LOG = {"resourceLogs": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "toolbox"}}]},
        "scopeLogs": [{"scope": {"name": "t"}, "logRecords": [
            {"timeUnixNano": "1700000000000000000", "severityNumber": 17, "severityText": "ERROR",
             "body": {"stringValue": "%s"}, "attributes": [{"key": "k", "value": {"intValue": "7"}}]}]}]}]}

def send(page, payload, beacon=False):
    js = """async ([body, beacon]) => {
      const blob = new Blob([body], {type: "application/json"});
      if (beacon) return navigator.sendBeacon("/v1/logs", blob);
      return (await fetch("/v1/logs", {method: "POST", body: blob, headers: {"Content-Type": "application/json"}})).status;
    }"""
    return page.evaluate(js, [json.dumps(payload), beacon])

@pytest.fixture
def page(wasm_browser, wasm_server):
    with wasm_browser.new_page() as page:
        page.goto(wasm_server.origin + "/index.html")
        yield page
'''



def test_what_the_page_sends_arrives_and_a_bad_payload_fails_its_test(pytester: pytest.Pytester,
                                                                       toolbox_site: Path) -> None:
    pytester.makepyfile(PAGE_SENDS + '''
def test_fetch_and_beacon_arrive(page, wasm_telemetry):
    mark = wasm_telemetry.mark()
    LOG["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["body"]["stringValue"] = "by fetch"
    assert send(page, LOG) == 200
    LOG["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["body"]["stringValue"] = "by beacon"
    assert send(page, LOG, beacon=True) is True
    wasm_telemetry.wait_for("log", count=2, since=mark, timeout_s=10)
    logs = wasm_telemetry.since(mark).logs(severity="error")
    assert sorted(log.body for log in logs) == ["by beacon", "by fetch"]
    assert logs[0].attributes == {"k": 7} and logs[0].resource["service.name"] == "toolbox"

def test_a_bad_payload_fails_this_test(page):
    bad = json.loads(json.dumps(LOG))
    bad["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["traceId"] = "not-hex"
    assert send(page, bad) == 400

def test_waiting_for_what_never_comes_says_what_came(wasm_telemetry):
    wasm_telemetry.wait_for("span", timeout_s=0.2, name="never")
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={toolbox_site}", timeout=180)
    result.assert_outcomes(passed=2, failed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*the page sent 1 request(s) the telemetry receiver rejected:*",
        "*POST /v1/logs: bad OTLP logs request: resourceLogs[[]0[]].scopeLogs[[]0[]].logRecords[[]0[]].traceId: *",
        "*timed out after 0.2 s waiting for 1 span(s) with name='never'*",
        "*OTLP requests received: 3 (1 rejected)*",
    ])


def test_everything_is_forwarded_to_another_collector(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    collected = TelemetryStore()
    with StaticSiteServer(toolbox_site, receivers=otlp_receivers(collected)) as collector:
        origin = collector.origin
        pytester.makepyfile(PAGE_SENDS + '''
def test_send(page):
    assert send(page, LOG) == 200
''')
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={toolbox_site}",
                                               f"--wasm-otlp-forward={origin}", timeout=180)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"forwarded to {origin}: 1 sent"])
    assert [log.severity_text for log in collected.logs()] == ["ERROR"]


VITALS_SCHEMA = """{"type": "object", "required": ["page", "lcp"],
  "properties": {"page": {"type": "string"}, "lcp": {"type": "number", "minimum": 0}}}"""


def test_beacons_are_checked_against_their_schema(pytester: pytest.Pytester, toolbox_site: Path) -> None:
    pytester.makefile(".json", vitals=VITALS_SCHEMA)
    pytester.makeini("[pytest]\nwasm_beacons =\n    /beacon/vitals = vitals.json\n")
    pytester.makepyfile(PAGE_SENDS + '''
def beacon(page, data):
    js = "async (body) => navigator.sendBeacon('/beacon/vitals', body)"  # a string: sent as text/plain
    return page.evaluate(js, json.dumps(data))

def test_a_good_beacon_arrives(page, wasm_telemetry):
    mark = wasm_telemetry.mark()
    assert beacon(page, {"page": "/", "lcp": 812.5}) is True
    assert [b.data for b in wasm_telemetry.wait_for("beacon", since=mark, path="/beacon/vitals", timeout_s=10)] == [
        {"page": "/", "lcp": 812.5}]

def test_a_bad_beacon_fails_this_test(page, wasm_telemetry):
    mark = wasm_telemetry.mark()
    assert beacon(page, {"page": "/", "lcp": "fast"}) is True
    deadline = time.monotonic() + 10  # the beacon leaves after evaluate() returns
    while not wasm_telemetry.since(mark).errors() and time.monotonic() < deadline:
        time.sleep(0.05)
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--wasm-site={toolbox_site}", timeout=180)
    result.assert_outcomes(passed=2, errors=1)  # the bad beacon's test fails in its teardown
    result.stdout.fnmatch_lines([
        "*the page sent 1 request(s) the telemetry receiver rejected:*",
        "*POST /beacon/vitals: bad beacon to /beacon/vitals: $.lcp: 'fast' is not of type 'number'*",
        "*OTLP requests received: 0, beacons: 2 (1 rejected)*",
    ])


@pytest.mark.parametrize(("args", "message"), [
    (["--wasm-beacon=/beacon"], "beacon entry '/beacon': write PATH=SCHEMA*"),
    (["--wasm-beacon=/v1/traces=vitals.json"], "beacon path /v1/traces: that is an OTLP endpoint*"),
    (["--wasm-beacon=/b=missing.json"], "beacon schema for /b: */missing.json does not exist*"),
    (["--wasm-beacon=/b=vitals.json", "--wasm-beacon=/b=vitals.json"], "beacon path /b is given twice*"),
])
def test_a_beacon_option_that_cannot_work_is_a_usage_error(pytester: pytest.Pytester, args: list[str],
                                                           message: str) -> None:
    pytester.makefile(".json", vitals=VITALS_SCHEMA)
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert "Traceback" not in result.stderr.str()
