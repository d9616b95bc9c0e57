"""Per-engine markers (skip_browser, only_browser, xfail_browser), applied to each test's engine, and
`wasm_served_here` for tests that need the plugin's own server (skipped against --wasm-base-url)."""

from __future__ import annotations

import pytest

from pytest_wasmblog.browsers.base import ENGINES

MARKERS = (
    "skip_browser(*engines, reason=None): skip the test on these engines",
    "only_browser(*engines): run the test only on these engines",
    ("xfail_browser(**reasons): expect the test to fail on an engine, e.g. xfail_browser(webkit='why'); "
     "strict, so a fix shows up as XPASS"),
    ("wasm_served_here(reason): the test needs the plugin's own server (its request log, wasm_serve, "
     "server-side throttling); skipped with the reason against --wasm-base-url"),
)


def register(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)


def engine_of(item: pytest.Item) -> str | None:
    own = getattr(item, "wasm_engine", None)  # items the plugin makes itself (the conformance suite)
    if own is not None:
        return str(own)
    callspec = getattr(item, "callspec", None)
    engine = callspec.params.get("wasm_engine") if callspec is not None else None
    return str(engine) if engine is not None else None


def apply(item: pytest.Item, deployment: str | None = None) -> None:
    """Add skip/xfail marks for the engine this test item runs on, and for a deployment under test
    (`deployment` says which, in words)."""
    served_here = item.get_closest_marker("wasm_served_here")
    if served_here is not None and deployment is not None:
        why = served_here.args[0] if served_here.args else served_here.kwargs.get("reason", "")
        item.add_marker(pytest.mark.skip(reason=f"needs the plugin's own server, not {deployment}"
                                         + (f": {why}" if why else "")))
    engine = engine_of(item)
    if engine is None:
        return
    for mark in item.iter_markers("skip_browser"):
        _check_engines(item, mark.name, mark.args)
        if engine in mark.args:
            item.add_marker(pytest.mark.skip(reason=mark.kwargs.get("reason") or f"skipped on {engine}"))
    for mark in item.iter_markers("only_browser"):
        _check_engines(item, mark.name, mark.args)
        if engine not in mark.args:
            item.add_marker(pytest.mark.skip(reason=f"only runs on {', '.join(mark.args)}"))
    for mark in item.iter_markers("xfail_browser"):
        _check_engines(item, mark.name, tuple(mark.kwargs))
        if engine in mark.kwargs:
            item.add_marker(pytest.mark.xfail(reason=f"{engine}: {mark.kwargs[engine]}", strict=True))


def _check_engines(item: pytest.Item, marker: str, engines: tuple[str, ...]) -> None:
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or not engines:
        raise pytest.UsageError(
            f"{item.nodeid}: @pytest.mark.{marker} names {', '.join(map(repr, unknown)) or 'no engine'}; "
            f"engines are {', '.join(ENGINES)}"
        )
