"""`--wasm-shard I/N` and `--wasm-durations`: the split itself (pure), and N real pytest runs whose
union runs every test exactly once, each engine's tests together (pytester, no browser: the tests
take `wasm_engine`, the parameter, not a browser)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_wasmblog.cli import main
from pytest_wasmblog.shards import (
    Shard,
    ShardError,
    load_durations,
    parse_shard,
    save_durations,
    shard_of_each,
    weights,
)


@pytest.mark.parametrize(("text", "shard"), [("1/1", Shard(1, 1)), ("2/3", Shard(2, 3)), (" 3 / 3 ", Shard(3, 3))])
def test_a_shard_is_written_i_of_n(text: str, shard: Shard) -> None:
    assert parse_shard(text) == shard


@pytest.mark.parametrize(("text", "message"), [
    ("2", "write I/N"), ("a/b", "write I/N"), ("0/3", "from 1 to the shard count"), ("4/3", "from 1 to"),
    ("1/0", "from 1 to"), ("-1/2", "write I/N"),
])
def test_a_bad_shard_says_how_to_write_it(text: str, message: str) -> None:
    with pytest.raises(ShardError, match=message):
        parse_shard(text)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13])
@pytest.mark.parametrize("seed", range(5))
def test_shards_are_contiguous_cover_everything_and_are_balanced(count: int, seed: int) -> None:
    # Durations skewed like a real suite: many quick unit tests, a few slow browser tests.
    test_weights = [((i * 7919 + seed * 104729) % 97) ** 2 / 100 + 0.01 for i in range(60)]
    placed = shard_of_each(test_weights, count)
    assert placed == sorted(placed) and set(placed) <= set(range(count))
    share = sum(test_weights) / count
    for shard in range(count):
        load = sum(w for w, where in zip(test_weights, placed, strict=True) if where == shard)
        assert abs(load - share) <= max(test_weights), (shard, load, share)


def test_more_shards_than_tests_leaves_some_empty_and_loses_none() -> None:
    assert shard_of_each([1.0, 1.0], 5) == [1, 3]


def test_weights_come_from_durations_with_the_median_for_new_tests() -> None:
    assert weights(["a", "b", "new"], {"a": 2.0, "b": 4.0, "gone": 100.0}) == [2.0, 4.0, 3.0]
    assert weights(["a", "b"], {}) == [1.0, 1.0]  # nothing known: by count
    assert weights(["a", "b"], {"a": 0.0, "b": 1.0}) == [0.005, 1.0]  # a floor, so instant tests still spread


def test_durations_are_merged_into_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "durations.json"
    assert load_durations(path) == {}
    save_durations(path, {"a": 1.0, "b": 2.0})
    save_durations(path, {"b": 3.0, "c": 0.5})  # another shard's tests: a's entry stays
    assert load_durations(path) == {"a": 1.0, "b": 3.0, "c": 0.5}


@pytest.mark.parametrize("content", ["{", '{"durations": {"a": "slow"}}', '{"a": 1}', '{"durations": {"a": -1}}'])
def test_a_broken_durations_file_says_to_delete_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "durations.json"
    path.write_text(content)
    with pytest.raises(ShardError, match="delete"):
        load_durations(path)


SUITE = """
import os
import pytest

def note(name):
    with open(os.environ["SHARD_LOG"], "a") as log:
        log.write(name + "\\n")

@pytest.mark.parametrize("n", range(12))
def test_unit(n):
    note(f"unit-{n}")

@pytest.mark.parametrize("n", range(8))
def test_page(wasm_engine, n):
    note(f"{wasm_engine}-page-{n}")

def test_slow(wasm_engine):
    note(f"{wasm_engine}-slow")
"""


def run_shards(pytester: pytest.Pytester, count: int, *extra: str) -> list[list[str]]:
    """Each shard's tests, in the order they ran."""
    pytester.makepyfile(test_suite=SUITE)
    shards = []
    for index in range(1, count + 1):
        log = pytester.path / f"shard-{index}.log"
        log.write_text("")
        pytester._monkeypatch.setenv("SHARD_LOG", str(log))
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--wasm-browser", "all",
                                               f"--wasm-shard={index}/{count}", *extra, timeout=120)
        assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED), result.stdout.str()
        result.stdout.fnmatch_lines([f"wasmblog: shard {index}/{count}, balanced *"])
        shards.append(log.read_text().split())
    return shards


EVERY_TEST = sorted([f"unit-{n}" for n in range(12)] + [f"{e}-page-{n}" for e in ("chromium", "firefox", "webkit")
                                                        for n in range(8)] + [f"{e}-slow" for e in
                                                                              ("chromium", "firefox", "webkit")])


@pytest.mark.parametrize("count", [4])  # more shards than engines: an engine's tests split too
def test_n_shards_run_every_test_exactly_once_each_engine_together(pytester: pytest.Pytester, count: int) -> None:
    shards = run_shards(pytester, count)
    assert sorted(name for shard in shards for name in shard) == EVERY_TEST
    assert max(map(len, shards)) - min(map(len, shards)) <= 1  # no durations: by count
    for shard in shards:
        engines = [name.split("-")[0] for name in shard if not name.startswith("unit")]
        # One block per engine: the shard launches each browser at most once.
        blocks = [engine for i, engine in enumerate(engines) if i == 0 or engines[i - 1] != engine]
        assert len(blocks) == len(set(blocks)), shard


def test_durations_are_recorded_then_balance_the_next_split(pytester: pytest.Pytester) -> None:
    durations = pytester.path / "durations.json"
    run_shards(pytester, 1, f"--wasm-save-durations={durations}")
    recorded = load_durations(durations)
    assert len(recorded) == len(EVERY_TEST) and all(seconds >= 0 for seconds in recorded.values())
    # An earlier run found the three slow tests slow: they get shards of their own.
    slow = {test_id: 100.0 for test_id in recorded if "test_slow" in test_id}
    durations.write_text(json.dumps({"durations": {**recorded, **slow}}))
    shards = run_shards(pytester, 3, f"--wasm-durations={durations}")
    assert sorted(name for shard in shards for name in shard) == EVERY_TEST
    assert [sorted(name for name in shard if name.endswith("-slow")) for shard in shards] == [
        ["chromium-slow"], ["firefox-slow"], ["webkit-slow"]]


@pytest.mark.parametrize(("args", "message"), [
    (["--wasm-shard=3/2"], "--wasm-shard 3/2: the shard number must be from 1 to the shard count*"),
    (["--wasm-shard=half"], "--wasm-shard 'half': write I/N*"),
    (["--wasm-durations=broken.json"], "durations file */broken.json: not a readable JSON file*"),
    (["--wasm-durations=missing.json"], "--wasm-durations */missing.json: no such file; write it with a run *"),
    (["--wasm-save-durations=broken.json"], "durations file */broken.json: not a readable JSON file*"),
])
def test_bad_shard_options_are_usage_errors(pytester: pytest.Pytester, args: list[str], message: str) -> None:
    pytester.makefile(".json", broken="{")
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


PERF_SUITE = """
def test_sizes(wasm_sizes):
    assert wasm_sizes["total"]["br"] > 0

def test_cold_boot(wasm_perf):
    wasm_perf.boot_cold(repeats=1)

def test_calls(wasm_perf, wasm_app):
    wasm_perf.call_latency(wasm_app, {"page": "index"}, n=5)

def test_echo(wasm_perf, wasm_app):
    wasm_perf.echo_latency(wasm_app, n=5)
"""


def test_merged_shard_reports_hold_the_metrics_of_an_unsharded_run(pytester: pytest.Pytester) -> None:
    site = Path(__file__).resolve().parent.parent / "example_site" / "dist"
    pytester.makepyfile(test_perf=PERF_SUITE)
    common = ("-p", "no:cacheprovider", f"--wasm-site={site}", "--wasm-browser=chromium")
    whole = pytester.runpytest_subprocess(*common, "--wasm-report=whole.json", timeout=600)
    whole.assert_outcomes(passed=4)
    for index in (1, 2):
        shard = pytester.runpytest_subprocess(*common, f"--wasm-shard={index}/2", f"--wasm-report=shard-{index}.json",
                                              timeout=600)
        assert shard.ret == pytest.ExitCode.OK
    assert main(["merge-reports", "merged.json", "shard-1.json", "shard-2.json"]) == 0

    def metric_set(name: str) -> dict[tuple[str, str, str], int]:
        report = json.loads((pytester.path / name).read_text())
        return {(m["engine"], m["name"], m["unit"]): len(m["samples"]) for m in report["metrics"]}

    merged, unsharded = metric_set("merged.json"), metric_set("whole.json")
    assert merged == unsharded  # the same metrics, each with as many samples
    assert ("chromium", "boot.app_ready", "ms") in merged and ("chromium", "call.round_trip", "ms") in merged
    counts = [json.loads((pytester.path / n).read_text())["run"]["counts"]["passed"] for n in ("merged.json",
                                                                                               "whole.json")]
    assert counts == [4, 4]
