"""Reading a boot's phases from what the page probe reports (no browser: the probe's output shape)."""

from __future__ import annotations

from typing import Any

from pytest_wasmblog.perf.boot_phases import PHASE_NAMES, parse_timings


def resource(name: str, end: float, transfer: int | None = 1000) -> dict[str, Any]:
    return {"name": f"http://127.0.0.1:1/{name}", "start": end - 5, "end": end, "transferSize": transfer,
            "encodedBodySize": 900}


FULL: dict[str, Any] = {
    "navigation": {"name": "http://127.0.0.1:1/index.html", "start": 0, "end": 12.5, "transferSize": 700},
    "resources": [resource("popcorn.mjs", 40)],
    "frameResources": [resource("AtomVM.mjs", 100), resource("bundle.avm", 130), resource("AtomVM.wasm", 180, 0),
                       resource("AtomVM.mjs", 260)],  # the second AtomVM.mjs is a worker script
    "frameMarks": {"wasmInstantiateStarted": 150, "wasmInstantiated": 200, "firstWorker": 205},
    "readyAt": 300,
    "now": 310,
}


def test_every_phase_from_a_full_report() -> None:
    sample = parse_timings(FULL, first_call_at=320)
    assert sample.absent == {}
    assert sample.phases == {
        "html_received": 12.5, "runtime_js_fetched": 100, "bundle_fetched": 130, "wasm_fetched": 180,
        "wasm_instantiated": 200, "vm_started": 205, "app_ready": 300, "first_call": 320,
    }
    assert set(sample.phases) == set(PHASE_NAMES)
    assert sample.page_transfer_bytes == {"AtomVM.mjs": 1000, "bundle.avm": 1000, "AtomVM.wasm": 0}


def test_the_bundle_name_is_configurable_and_resources_fall_back_to_the_page() -> None:
    raw = {**FULL, "frameResources": [resource("AtomVM.mjs", 100), resource("AtomVM.wasm", 180)],
           "resources": [resource("app.avm", 90)]}
    sample = parse_timings(raw, first_call_at=None, bundle="app.avm")
    assert sample.phases["bundle_fetched"] == 90
    assert sample.absent == {"first_call": "no call was made after ready"}


def test_unobservable_phases_are_absent_with_the_reason_not_guessed() -> None:
    raw = {**FULL, "navigation": None, "frameResources": None, "frameMarks": None, "readyAt": None}
    sample = parse_timings(raw, first_call_at=None)
    assert sample.phases == {}
    assert set(sample.absent) == set(PHASE_NAMES)
    assert "navigation timing" in sample.absent["html_received"]
    assert "iframe" in sample.absent["wasm_fetched"] and "iframe" in sample.absent["vm_started"]
    assert "popcorn_app_ready" in sample.absent["app_ready"]


def test_a_missing_mark_or_fetch_names_what_is_missing() -> None:
    raw = {**FULL, "frameMarks": {"firstWorker": 205}, "frameResources": [resource("AtomVM.mjs", 100)]}
    sample = parse_timings(raw, first_call_at=320)
    assert "never resolved" in sample.absent["wasm_instantiated"]
    assert "AtomVM.wasm" in sample.absent["wasm_fetched"] and "bundle.avm" in sample.absent["bundle_fetched"]
    assert sample.phases["vm_started"] == 205
