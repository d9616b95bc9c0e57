"""Times as multiples of the same run's floors: what a baseline can compare across machines.

An absolute boot time says as much about the machine as about the site. Divided by the least the
same browser on the same machine needed in the same run (fetching, compiling and instantiating the
runtime's wasm alone; a bare postMessage round trip to the VM's iframe; a no-op page function from
Python), it says how far the site is
from its floor, which a faster or slower machine changes much less.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from pytest_wasmblog.perf.metrics import MetricSet, summarize

RATIO_UNIT = "ratio"
RATIO_PREFIX = "ratio."
# ratio metric -> (measured time, its floor)
RATIOS: dict[str, tuple[str, str]] = {
    "ratio.boot.app_ready": ("boot.app_ready", "floor.runtime_boot"),
    "ratio.boot_warm.app_ready": ("boot_warm.app_ready", "floor.runtime_boot"),
    "ratio.call.round_trip": ("call.round_trip", "call.postmessage_floor"),
    # A ping from Python over a page function that does nothing, timed the same way.
    "ratio.call.round_trip.from_python": ("call.round_trip.from_python", "call.driver_floor"),
}


def floor_value(name: str, samples: Sequence[float]) -> float:
    """What a floor is taken to be. The runtime's floor is its fastest sample: its samples spread
    from about 60 to 180 ms within one run (a fetch, a context), while their minimum moved about 10%
    between runs. A postMessage round trip (0.02-0.03 ms) is a few ticks of the page's clock, so
    its minimum is a tick and its median jumps a whole tick between runs: it is the mean of its
    middle 80%, which averages the ticks out and still ignores the odd pause."""
    if name == "floor.runtime_boot":
        return min(samples)
    ordered = sorted(samples)
    cut = len(ordered) // 10
    kept = ordered[cut:len(ordered) - cut] or ordered
    return statistics.fmean(kept)


def with_ratios(metrics: MetricSet) -> MetricSet:
    """`metrics` without any ratio it carried (a merged report pools the shards' own), plus each ratio
    recomputed, one sample per engine: the median time over its floor, where both were measured."""
    kept = [metric for metric in metrics if not metric.name.startswith(RATIO_PREFIX)]
    result = MetricSet(kept)
    for engine in sorted({metric.engine for metric in kept}):
        for name, (time_name, floor_name) in RATIOS.items():
            time, floor = result.get(engine, time_name), result.get(engine, floor_name)
            if time is None or floor is None:
                continue
            below = floor_value(floor_name, floor.samples)
            if below > 0:
                result.add(engine, name, RATIO_UNIT, summarize(time.samples).median / below)
    return result
