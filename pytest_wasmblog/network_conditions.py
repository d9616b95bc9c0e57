"""Network conditions: named throttling profiles and custom latency/bandwidth.

The named profiles are Chrome DevTools' presets (as Puppeteer publishes them), so a boot time
measured here under `fast-3g` means the same as one measured in DevTools. Bandwidth is in bytes
per second, as in the DevTools protocol.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pytest_wasmblog.errors import WasmblogError


class NetworkConditionsError(WasmblogError, ValueError):
    """A throttling profile that does not exist or makes no sense."""


@dataclass(frozen=True)
class Conditions:
    """What a throttled link does to each request.

    latency_ms:    added once per request, before the response starts (a round trip)
    download_bps:  bytes per second from the server to the browser, shared by all transfers
    upload_bps:    bytes per second from the browser to the server (request line, headers, body)
    A bandwidth of None is unlimited.
    """

    latency_ms: float = 0.0
    download_bps: float | None = None
    upload_bps: float | None = None
    name: str = "custom"

    def __post_init__(self) -> None:
        if not math.isfinite(self.latency_ms) or self.latency_ms < 0:
            raise NetworkConditionsError(f"latency_ms must be a finite number >= 0, not {self.latency_ms!r}")
        for field_name in ("download_bps", "upload_bps"):
            value = getattr(self, field_name)
            if value is not None and (not math.isfinite(value) or value <= 0):
                raise NetworkConditionsError(
                    f"{field_name} must be a positive number of bytes per second (or None for unlimited), "
                    f"not {value!r}"
                )

    def transfer_s(self, body_bytes: int) -> float:
        """The least time one response of `body_bytes` takes on this link, alone on it."""
        download = body_bytes / self.download_bps if self.download_bps else 0.0
        return self.latency_ms / 1000 + download

    def describe(self) -> str:
        def rate(bps: float | None) -> str:
            return "unlimited" if bps is None else f"{bps * 8 / 1000:g} kbit/s"

        return (f"{self.name}: latency {self.latency_ms:g} ms, down {rate(self.download_bps)}, "
                f"up {rate(self.upload_bps)}")


# Chrome DevTools' presets: DevTools scales its nominal figures (e.g. Slow 3G is 500 kbit/s with
# 400 ms RTT) by 0.8-0.9 for throughput and 3.75-5 for latency to model real links.
PROFILES: dict[str, Conditions] = {
    "slow-3g": Conditions(latency_ms=2000, download_bps=50_000, upload_bps=50_000, name="slow-3g"),
    "fast-3g": Conditions(latency_ms=562.5, download_bps=180_000, upload_bps=84_375, name="fast-3g"),
    "4g": Conditions(latency_ms=165, download_bps=1_012_500, upload_bps=168_750, name="4g"),
}


def resolve(profile: str | Conditions) -> Conditions:
    """A profile name or Conditions -> Conditions; an unknown name lists the known ones."""
    if isinstance(profile, Conditions):
        return profile
    if isinstance(profile, str):
        found = PROFILES.get(profile.lower())
        if found is not None:
            return found
        raise NetworkConditionsError(
            f"unknown network profile {profile!r}; known profiles: {', '.join(PROFILES)}, or pass "
            "Conditions(latency_ms=..., download_bps=..., upload_bps=...)"
        )
    raise NetworkConditionsError(f"a network profile is a name or a Conditions, not {type(profile).__name__}")
