"""A boot's phases, read from the page's own clocks (navigation and resource timing of the page and
the VM's iframe, marks the probe sets in that iframe).

Every time is in milliseconds since the boot's first navigation started: a page that reloaded itself
on the way (a service worker that adds the isolation headers does, once) counts its first document
too. A phase the engine does not let us observe is absent with the reason, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# In boot order. (name, what it is)
PHASES: tuple[tuple[str, str], ...] = (
    ("html_received", "the page's HTML arrived (navigation responseEnd)"),
    ("runtime_js_fetched", "AtomVM.mjs fetched by the VM iframe"),
    ("bundle_fetched", "the .avm bundle fetched"),
    ("wasm_fetched", "AtomVM.wasm fetched"),
    ("wasm_instantiated", "WebAssembly.instantiate(Streaming) resolved in the VM iframe"),
    ("vm_started", "the runtime created its first thread (main() runs in a pthread)"),
    ("app_ready", "Popcorn's popcorn_app_ready event reached the page"),
    ("first_call", "the first bridge call after ready was answered"),
)
PHASE_NAMES: tuple[str, ...] = tuple(name for name, _ in PHASES)
# Assets whose bytes on the wire are recorded, by the phase that fetches them.
ASSETS: dict[str, str] = {"runtime_js_fetched": "AtomVM.mjs", "wasm_fetched": "AtomVM.wasm"}
_NO_FRAME = "the VM iframe was not found or not instrumented (is the page served by the plugin's server?)"


@dataclass(frozen=True)
class BootSample:
    """One boot: when each phase was reached, or why it could not be seen."""

    phases: dict[str, float]
    absent: dict[str, str]
    # asset -> transferSize the page saw (0 when a cache or a service worker answered)
    page_transfer_bytes: dict[str, int] = field(default_factory=dict)
    reload_ms: float = 0.0  # from the first navigation to the document that booted


def parse_timings(raw: dict[str, Any], first_call_at: float | None, bundle: str = "bundle.avm",
                  reload_ms: float = 0.0) -> BootSample:
    """`raw` is what the probe's `timings()` returned after the app was ready (in that document's
    clock); `reload_ms` is how long after the boot's first navigation that document started."""
    phases: dict[str, float] = {}
    absent: dict[str, str] = {}
    transfer: dict[str, int] = {}

    navigation = raw.get("navigation")
    if navigation:
        phases["html_received"] = float(navigation["end"])
    else:
        absent["html_received"] = "the engine exposes no navigation timing entry"

    frame_resources = raw.get("frameResources")
    assets = {**ASSETS, "bundle_fetched": bundle}
    for phase, asset in assets.items():
        if frame_resources is None:
            absent[phase] = _NO_FRAME
            continue
        found = _first(frame_resources, asset) or _first(raw.get("resources") or [], asset)
        if found is None:
            absent[phase] = f"no resource timing entry for {asset} (the page or the iframe never fetched it)"
            continue
        phases[phase] = float(found["end"])
        if found.get("transferSize") is not None:
            transfer[asset] = int(found["transferSize"])

    marks = raw.get("frameMarks")
    for phase, mark, missing in (
        ("wasm_instantiated", "wasmInstantiated", "the runtime's WebAssembly.instantiate never resolved"),
        ("vm_started", "firstWorker", "the runtime created no worker thread"),
    ):
        if marks is None:
            absent[phase] = _NO_FRAME
        elif mark in marks:
            phases[phase] = float(marks[mark])
        else:
            absent[phase] = missing

    if raw.get("readyAt") is not None:
        phases["app_ready"] = float(raw["readyAt"])
    else:
        absent["app_ready"] = "popcorn_app_ready never reached the page"
    if first_call_at is not None:
        phases["first_call"] = first_call_at
    else:
        absent["first_call"] = "no call was made after ready"
    shifted = {phase: value + reload_ms for phase, value in phases.items()}
    return BootSample(shifted, absent, transfer, reload_ms)


def _first(entries: list[dict[str, Any]], asset: str) -> dict[str, Any] | None:
    """The first fetch of `asset` (later ones are worker scripts and reloads)."""
    for entry in entries:
        if urlsplit(str(entry["name"])).path.rsplit("/", 1)[-1] == asset:
            return entry
    return None
