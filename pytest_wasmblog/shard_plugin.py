"""pytest entry point (`pytest11: wasmblog_shards`): `--wasm-shard I/N` runs one of N disjoint parts
of the selected tests, balanced by `--wasm-durations PATH` or by count; `--wasm-save-durations PATH`
records a run's durations for that.
The split itself is `shards.py`; this module only reads the options, deselects, and records times."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest

from pytest_wasmblog import markers
from pytest_wasmblog.settings import GROUP
from pytest_wasmblog.shards import Shard, ShardError, load_durations, parse_shard, save_durations, shard_of_each, weights

shard_key = pytest.StashKey[Shard | None]()
durations_path_key = pytest.StashKey[Path | None]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP)
    group.addoption("--wasm-shard", metavar="I/N",
                    help="run only the I-th of N disjoint shards of the selected tests (each engine's tests stay "
                    "together); the N runs together run every test once")
    group.addoption("--wasm-durations", metavar="PATH",
                    help="balance --wasm-shard by the test durations in PATH (JSON, from --wasm-save-durations)")
    group.addoption("--wasm-save-durations", metavar="PATH",
                    help="merge this run's test durations into PATH (JSON) at the end; read-only runs stay "
                    "apart from it, so shards run one after another all split the same way")


def pytest_configure(config: pytest.Config) -> None:
    text = config.getoption("--wasm-shard")
    read, save = config.getoption("--wasm-durations"), config.getoption("--wasm-save-durations")
    durations_path = Path(read).resolve() if read else None
    try:
        shard = parse_shard(text) if text else None
        if durations_path is not None:
            if not durations_path.is_file():
                raise ShardError(f"--wasm-durations {durations_path}: no such file; write it with a run that has "
                                 "--wasm-save-durations, or leave the option out to split by test count")
            load_durations(durations_path)  # a broken file is a usage error now, not at collection
        if save:
            load_durations(Path(save).resolve())  # the run must not end unable to merge into it
    except ShardError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[shard_key] = shard
    config.stash[durations_path_key] = durations_path
    if save:
        config.pluginmanager.register(DurationRecorder(Path(save).resolve()), "wasmblog-durations")


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Generator[None]:
    # A wrapper: this runs after every plugin's reordering (the engine grouping is the last), so
    # the split sees the order the tests really run in.
    result = yield
    shard = config.stash[shard_key]
    if shard is None:
        return result
    path = config.stash[durations_path_key]
    durations = load_durations(path) if path is not None else {}
    placed = shard_of_each(weights([item.nodeid for item in items], durations), shard.count)
    kept = [item for item, where in zip(items, placed, strict=True) if where == shard.index - 1]
    dropped = [item for item, where in zip(items, placed, strict=True) if where != shard.index - 1]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    return result


def pytest_report_header(config: pytest.Config) -> list[str]:
    shard = config.stash[shard_key]
    if shard is None:
        return []
    path = config.stash[durations_path_key]
    basis = f"by the durations in {path}" if path is not None else "by test count"
    return [f"wasmblog: shard {shard}, balanced {basis}"]


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> list[str]:
    shard = config.stash[shard_key]
    if shard is None:
        return []
    engines = sorted({markers.engine_of(item) or "no browser" for item in items})
    return [f"wasmblog: shard {shard} runs {len(items)} tests ({', '.join(engines) or 'none'})"]


class DurationRecorder:
    """Adds up each test's setup, call and teardown times as the reports arrive (on xdist's controller
    too), and merges them into the durations file when the session ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.measured: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.measured[report.nodeid] = self.measured.get(report.nodeid, 0.0) + report.duration

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.measured or hasattr(session.config, "workerinput"):
            return
        try:
            save_durations(self.path, {test_id: round(seconds, 4) for test_id, seconds in self.measured.items()})
        except (OSError, ShardError) as exc:
            session.config.issue_config_time_warning(
                pytest.PytestWarning(f"--wasm-durations {self.path}: not written: {exc}"), 2)
