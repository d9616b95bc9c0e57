"""A circuit breaker for boots: after N boots in a row fail on an engine, the rest of that engine's
tests fail at once with the first failure's diagnosis, instead of each waiting for its own timeout."""

from __future__ import annotations

from pytest_wasmblog.errors import WasmblogError


class BootCircuitOpenError(WasmblogError):
    """Boots on this engine failed too often in a row; no further boot is attempted."""


class BootBreaker:
    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise ValueError(f"the boot failure limit must be 0 (off) or more, not {limit}")
        self.limit = limit  # 0: never open
        self._failures: dict[str, int] = {}
        self._first: dict[str, str] = {}

    def check(self, engine: str) -> None:
        """Raise at once when the engine's breaker is open."""
        failures = self._failures.get(engine, 0)
        if self.limit and failures >= self.limit:
            raise BootCircuitOpenError(
                f"{engine}: the last {failures} boots failed, so this test does not try again "
                f"(--wasm-max-boot-failures={self.limit}; 0 turns this off). The first of them:\n"
                f"{self._first[engine]}"
            )

    def failed(self, engine: str, error: BaseException) -> None:
        self._failures[engine] = self._failures.get(engine, 0) + 1
        self._first.setdefault(engine, f"{type(error).__name__}: {error}")

    def succeeded(self, engine: str) -> None:
        self._failures.pop(engine, None)
        self._first.pop(engine, None)
