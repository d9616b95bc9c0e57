"""What the plugins of one pytest session share, kept in `config.stash` (never in module globals):
the resolved settings, the run's statistics, and what the session started or left open."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from pytest_wasmblog.browsers.base import BrowserPage, BrowserSession
from pytest_wasmblog.certs import RunCertificates
from pytest_wasmblog.server import Receiver, StaticSiteServer
from pytest_wasmblog.settings import Settings
from pytest_wasmblog.stats import RunStats


@dataclass
class WasmSession:
    settings: Settings
    stats: RunStats
    trace: bool = False  # pages record Playwright traces (--wasm-trace, set by the artifacts plugin)
    servers: list[StaticSiteServer] = field(default_factory=list)  # started through the plugin
    traced_browsers: list[BrowserSession] = field(default_factory=list)
    # Pages of failed boots: closed after the test's report, so its artifacts can show them.
    failed_boot_pages: list[BrowserPage] = field(default_factory=list)
    # POST endpoints every server of the session has (the telemetry plugin's OTLP receiver).
    receivers: dict[str, Receiver] = field(default_factory=dict)
    # The run's CA and server certificate, made when a server first needs HTTPS (--wasm-public-origin https://).
    certificates: RunCertificates | None = None

    def running_servers(self) -> list[StaticSiteServer]:
        return [server for server in self.servers if server.running]


session_key = pytest.StashKey[WasmSession]()


def of(config: pytest.Config) -> WasmSession:
    """The session's shared state; the main plugin makes it first thing at configure time."""
    return config.stash[session_key]
