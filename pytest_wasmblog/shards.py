"""Splitting a run into N shards for N CI machines (`--wasm-shard I/N`), pure and deterministic: every
shard computes the same split from the same collection, so the shards are disjoint and together run
every test once.

The tests are taken in the plugin's order (engine-less tests first, then each engine's tests
together) and cut into N contiguous runs of about equal weight: a test's duration in an earlier run
(`--wasm-durations`, written by `--wasm-save-durations`), or 1 when no durations are known.
Contiguous runs of that order keep each engine's tests together, so a shard launches each browser
at most once, and an engine's tests are split across shards only when the balance needs it.
"""

from __future__ import annotations

import json
import os
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_wasmblog.errors import WasmblogError

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


class ShardError(WasmblogError):
    """A shard option or durations file that cannot work; the message says what to write instead."""


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as written on the command line
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    match = _SHARD.fullmatch(text)
    if match is None:
        raise ShardError(f"--wasm-shard {text!r}: write I/N, e.g. --wasm-shard 2/3 for the second of three shards")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise ShardError(f"--wasm-shard {text}: the shard number must be from 1 to the shard count "
                         f"(1/{max(count, 1)} ... {max(count, 1)}/{max(count, 1)})")
    return Shard(index, count)


def load_durations(path: Path) -> dict[str, float]:
    """Seconds per test id from an earlier run; {} when the file does not exist yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ShardError(f"durations file {path}: not a readable JSON file ({exc}); delete it, and the next run "
                         "with --wasm-save-durations writes a new one") from None
    durations = data.get("durations") if isinstance(data, dict) else None
    if not isinstance(durations, dict) or not all(
            isinstance(key, str) and isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
            for key, value in durations.items()):
        raise ShardError(f"durations file {path}: expected {{\"durations\": {{\"test id\": seconds, ...}}}} as "
                         "--wasm-save-durations writes it; delete the file, and the next such run writes a new one")
    return {key: float(value) for key, value in durations.items()}


def save_durations(path: Path, measured: Mapping[str, float]) -> None:
    """Merge this run's durations into the file: tests this run did not run keep their old entries
    (another shard ran them)."""
    merged = {**load_durations(path), **measured}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"durations": dict(sorted(merged.items()))}, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def weights(test_ids: Sequence[str], durations: Mapping[str, float]) -> list[float]:
    """Each test's weight: its earlier duration; the median of the known ones for a new test; 1 each
    when nothing is known (a split by count)."""
    known = [durations[test_id] for test_id in test_ids if test_id in durations]
    default = statistics.median(known) if known else 1.0
    # A test that took no measurable time still costs a little: without a floor, all of them would
    # land wherever the cut falls.
    floor = max(default, 1e-3) * 0.01
    return [max(durations.get(test_id, default), floor) for test_id in test_ids]


def shard_of_each(test_weights: Sequence[float], count: int) -> list[int]:
    """The 0-based shard of each test, in order: contiguous runs of about total/count weight each.

    A test goes to the shard its weight's midpoint falls in, so no shard is further from its share
    than one test's weight. Shards only go up along the order, so each shard is one contiguous run.
    """
    total = sum(test_weights)
    shards: list[int] = []
    done = 0.0
    for weight in test_weights:
        middle = done + weight / 2
        shards.append(min(count - 1, int(middle / total * count)) if total > 0 else 0)
        done += weight
    return shards
