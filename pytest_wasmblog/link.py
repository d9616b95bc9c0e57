"""The emulated link between the browser and the test server: offline, latency and bandwidth.

One `Link` is shared by every server of a test session, and the `network` fixture switches it.
It is the mechanism every engine shares, because it acts on the server side of the socket:
requests a service worker or a worker makes are cut or slowed like the page's own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from .network_conditions import Conditions

# Requests carrying this header were throttled by the browser itself (Chromium's CDP network
# emulation sets it on the same target it throttles), so the server must not slow them again.
BROWSER_SHAPED_HEADER = "X-Wasmblog-Shaped"

_WAIT_SLICE_S = 0.05  # how soon a sleeping transfer notices it went offline


class LinkDown(ConnectionAbortedError):
    """The link went offline while a response was waiting or being sent."""


class Link:
    """Offline switch plus one shared download pipe with per-request latency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offline = False
        self._conditions: Conditions | None = None
        self._browser_shaped = False  # honour BROWSER_SHAPED_HEADER only while the browser throttles
        self._next_free = 0.0  # monotonic time at which the pipe is free again
        self.dropped = 0  # requests cut because the link was offline

    # --- switching ----------------------------------------------------------
    @property
    def offline(self) -> bool:
        return self._offline

    @property
    def conditions(self) -> Conditions | None:
        return self._conditions

    def set_offline(self, offline: bool) -> None:
        with self._lock:
            self._offline = offline

    def set_conditions(self, conditions: Conditions | None, *, browser_shaped: bool = False) -> None:
        with self._lock:
            self._conditions = conditions
            self._browser_shaped = browser_shaped and conditions is not None
            self._next_free = 0.0

    def reset(self) -> None:
        self.set_offline(False)
        self.set_conditions(None)

    # --- used by the server's request handlers -------------------------------
    def shapes(self, request_headers: Mapping[str, str]) -> Conditions | None:
        """The conditions to apply to one request (None: send at full speed)."""
        conditions = self._conditions
        if conditions is None:
            return None
        if self._browser_shaped and any(k.lower() == BROWSER_SHAPED_HEADER.lower() for k in request_headers):
            return None
        return conditions

    def check(self) -> None:
        if self._offline:
            raise LinkDown("the network is offline")

    def delay_request(self, conditions: Conditions, request_bytes: int) -> None:
        """The round trip and the upload of the request, before the response may start."""
        upload_s = request_bytes / conditions.upload_bps if conditions.upload_bps else 0.0
        self._sleep(conditions.latency_ms / 1000 + upload_s)

    def delay_chunk(self, conditions: Conditions, nbytes: int) -> None:
        """Wait until `nbytes` more fit through the shared download pipe."""
        if not conditions.download_bps:
            self.check()
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_free)
            self._next_free = start + nbytes / conditions.download_bps
            wait = self._next_free - now
        self._sleep(wait)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            self.check()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, _WAIT_SLICE_S))
