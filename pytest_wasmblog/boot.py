"""Booting a site in a browser for a test: serve it, launch the engine, boot the VM in a page and
explain a boot that fails (a 404, a missing isolation header, a wrong Content-Type), with the run's
bookkeeping (circuit breaker, module recording, boot times)."""

from __future__ import annotations

import ssl
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest

from pytest_wasmblog import isolation as isolation_check
from pytest_wasmblog import module_usage
from pytest_wasmblog.app import PROBE_INIT, PROBE_JS, PopcornApp
from pytest_wasmblog.browsers.base import BrowserSession
from pytest_wasmblog.browsers.launch import connect_remote, launch
from pytest_wasmblog.bundle import avm
from pytest_wasmblog.certs import make_certificates
from pytest_wasmblog.content_types import WrongContentTypeError, wrong_content_types
from pytest_wasmblog.deploy.hosts import RealHost
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.http_rules import COMPRESSION_MODES, RequestRecord
from pytest_wasmblog.link import Link
from pytest_wasmblog.remote import OfflineSwitch, RemoteSite
from pytest_wasmblog.server import StaticSiteServer
from pytest_wasmblog.settings import Settings
from pytest_wasmblog.state import WasmSession
from pytest_wasmblog.vm_errors import NotIsolatedError, missing_site_files, not_isolated


class FixtureArgsError(WasmblogError):
    """A `wasm_*_args` fixture returned what cannot be used."""


# Where the app under test comes from: the plugin's own server, or a host it did not start.
ServedSite = StaticSiteServer | RemoteSite


SERVER_ARGS = {"extra_headers": "a dict of header names to values", "compression": '"auto" or "off"',
               "cache": "True to let the browser cache responses (for max_age seconds)", "max_age": "seconds"}
LAUNCH_ARGS = {"args": "a list of command-line arguments", "env": "a dict of environment variables",
               "headed": "True to show the browser"}


def validate_bundles(site: Path) -> None:
    """A malformed bundle segfaults the VM: refuse it before any browser sees it, whoever serves it."""
    for bundle in sorted(site.glob("*.avm")):
        avm.validate_file(bundle)


def serve_site(site: Path, session: WasmSession, link: Link,
               server_args: Mapping[str, Any] | None = None, port: int = 0) -> StaticSiteServer:
    """A started server for a built site, configured from the options and `server_args` (the
    `wasm_server_args` fixture), sharing the session's link; the session's artifacts see its requests."""
    validate_bundles(site)
    settings = session.settings
    options = _checked("wasm_server_args", dict(server_args or {}), SERVER_ARGS)
    if options.get("compression", "auto") not in COMPRESSION_MODES:
        raise FixtureArgsError(f"wasm_server_args compression must be \"auto\" or \"off\", "
                               f"not {options['compression']!r}")
    server = StaticSiteServer(
        site, isolation=settings.isolation, omit_headers=settings.omit_headers,
        html_injection=PROBE_JS, link=link, mime_types=settings.mime_types,
        extra_headers=options.get("extra_headers"), compression=options.get("compression", "auto"),
        cache=bool(options.get("cache", False)), max_age=int(options.get("max_age", 3600)),
        receivers=session.receivers, host=settings.bind, port=port, tls=server_tls(session),
        client_ssl=session.certificates.client_context() if session.certificates is not None else None,
        public_host=urlsplit(settings.public_origin).hostname if settings.public_origin else None,
    ).start()
    session.servers.append(server)
    return server


def server_tls(session: WasmSession) -> ssl.SSLContext | None:
    """HTTPS for the session's servers when browsers load them at an https:// public origin, with a
    certificate from a CA made for this run (made once, on first use)."""
    settings = session.settings
    if not settings.serves_https or settings.public_origin is None:
        return None
    if session.certificates is None:
        host = urlsplit(settings.public_origin).hostname or "localhost"
        session.certificates = make_certificates((host,), Path(tempfile.mkdtemp(prefix="wasmblog-ca-")))
    return session.certificates.context


def connect_site(base_url: str, session: WasmSession, link: Link, offline_switch: OfflineSwitch | None = None,
                 description: str | None = None) -> RemoteSite:
    """The deployment at `base_url`, checked to answer for the page before any browser is started."""
    remote = RemoteSite(base_url, session.settings.site, link, offline_switch, description)
    remote.check_reachable(session.settings.page)
    return remote


def start_real_host(kind: str, site: Path, session: WasmSession, link: Link) -> tuple[RealHost, RemoteSite]:
    """`site` served by a real server of `kind` with its generated config (and the run's isolation mode
    and omitted headers), as a deployment whose offline switch stops and restarts that server."""
    settings = session.settings
    validate_bundles(site)
    host = RealHost(kind, site, settings.isolation, omit_headers=settings.omit_headers).start()

    def switch(offline: bool) -> None:
        if offline:
            host.stop()
        else:
            host.start()

    try:
        return host, connect_site(host.origin, session, link, switch, f"{kind} serving {site} at {host.origin}")
    except BaseException:
        host.close()
        raise


def unavailable(settings: Settings, reason: str) -> NoReturn:
    """Outside CI a missing browser or capability skips; in CI it is an error."""
    if settings.in_ci:
        pytest.fail(f"{reason} (CI=true: a missing browser or capability is an error, not a skip)", pytrace=False)
    pytest.skip(f"{reason} (outside CI this skips; with CI=true it fails)")


def _checked(fixture: str, args: dict[str, Any], accepted: Mapping[str, str]) -> dict[str, Any]:
    unknown = sorted(set(args) - set(accepted))
    if unknown:
        known = "; ".join(f"{key}: {what}" for key, what in accepted.items())
        raise FixtureArgsError(f"{fixture} has unknown keys {', '.join(unknown)} (it takes {known})")
    return args


def launch_browser(engine: str, session: WasmSession, launch_args: Mapping[str, Any] | None = None) -> BrowserSession:
    """The engine's browser as the options and `launch_args` (the `wasm_launch_args` fixture) say, traced if
    asked, and named in the run's summary."""
    options = _checked("wasm_launch_args", dict(launch_args or {}), LAUNCH_ARGS)
    args, env = options.get("args", []), options.get("env", {})
    if not isinstance(args, list | tuple) or not all(isinstance(a, str) for a in args):
        raise FixtureArgsError(f"wasm_launch_args args must be a list of strings, not {args!r}")
    if not isinstance(env, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise FixtureArgsError(f"wasm_launch_args env must map names to string values, not {env!r}")
    headed = bool(options.get("headed", session.settings.headed))
    remote = session.settings.remotes.get(engine)
    if remote is not None:
        browser = connect_remote(engine, remote.url, accept_insecure_certs=session.settings.serves_https)
    else:
        browser = launch(engine, session.settings.browser_paths[engine], headless=not headed, args=args, env=env)
    if session.trace:
        browser.trace = True
        session.traced_browsers.append(browser)
    engine_stats = session.stats.engine(browser.engine)
    engine_stats.description, engine_stats.backend, engine_stats.version = (
        browser.describe(), browser.backend, browser.version)
    return browser


class SharedApp:
    """Boots the app once per engine and hands it to each test while its VM is healthy."""

    def __init__(self, browser: BrowserSession, server: ServedSite, session: WasmSession) -> None:
        self.browser = browser
        self.server = server
        self.session = session
        self.app: PopcornApp | None = None

    def get(self) -> PopcornApp:
        if self.app is not None and not self.app.healthy():
            self.app.close()
            self.app = None
        if self.app is None:
            self.app = boot_app(self.browser, self.server, self.session)
        return self.app

    def close(self) -> None:
        if self.app is not None:
            self.app.close()
            self.app = None


def missing_runtime_files(records: list[RequestRecord]) -> list[str]:
    """Paths of the runtime, the bundle or scripts the server answered 404 for, leaving out probes of
    a file that was found elsewhere (Popcorn looks for /bundle.avm and /assets/bundle.avm)."""
    runtime = (".wasm", ".avm", ".mjs", ".js")
    found = {r.path.rsplit("/", 1)[-1] for r in records if 200 <= r.status < 400}
    return sorted({r.path for r in records if r.status == 404 and r.path.endswith(runtime)
                   and r.path.rsplit("/", 1)[-1] not in found})


def _name_missing_isolation_headers(exc: NotIsolatedError, server: ServedSite, records: list[RequestRecord],
                                    url: str, page_path: str) -> NotIsolatedError:
    """The page saw no isolation; the server's log (or, for a host the plugin did not start, the host
    asked again) says which header its document lacked."""
    headers: Mapping[str, str] | None
    if isinstance(server, RemoteSite):
        headers = server.response_headers(page_path)
    else:
        page = next((r for r in records if r.path == page_path and r.status == 200), None)
        headers = page.headers if page else None
    problems = isolation_check.header_problems(page_path, headers) if headers is not None else []
    return not_isolated(url, exc.stdout, exc.stderr, problems) if problems else exc


def boot_app(browser: BrowserSession, server: ServedSite, session: WasmSession,
             boot_timeout_s: float | None = None, *, count_in_summary: bool = True) -> PopcornApp:
    """Boot in a new page; the boot time counts in the summary only on an unthrottled, online link."""
    settings, stats = session.settings, session.stats
    stats.breaker.check(browser.engine)
    remote = isinstance(server, RemoteSite)  # no server of the plugin's puts the probe into its HTML
    page = browser.new_page(init_scripts=[PROBE_INIT] if remote else [])
    app = PopcornApp(page, server.origin + settings.page, boot_timeout_s or settings.boot_timeout_s,
                     settings.call_timeout_s, settings.max_payload_bytes,
                     site=Path(server.root) if server.root else None, inject_probe=remote)
    engine = stats.engine(browser.engine)
    logged = isinstance(server, StaticSiteServer)  # a host the plugin did not start keeps no log here
    seen = len(server.requests()) if logged else 0

    def served_right() -> None:
        wrong = wrong_content_types(server.requests()[seen:]) if logged else []
        if wrong:
            raise WrongContentTypeError(app.url, wrong)

    try:
        app.boot(watch=served_right)
    except Exception as exc:
        if app.isolated is not None:  # a page that never loaded says nothing about isolation
            engine.isolated = app.isolated
        session.failed_boot_pages.append(page)  # closed after the test's report, so artifacts can show it
        records = server.requests()[seen:] if logged else []
        error: Exception = exc
        if isinstance(exc, NotIsolatedError):
            error = _name_missing_isolation_headers(exc, server, records, app.url, settings.page)
        # Only a vague failure is explained by a 404: an early, specific one came before Popcorn's
        # bundle probe had found the file elsewhere.
        missing = [] if isinstance(exc, NotIsolatedError | WrongContentTypeError) else missing_runtime_files(records)
        if missing:
            # Popcorn reports a missing file as a timeout or a vague error; the server knows better.
            error = missing_site_files(missing, app.url, getattr(exc, "stdout", []), getattr(exc, "stderr", []))
        stats.breaker.failed(browser.engine, error)
        if error is not exc:
            raise error from exc
        raise
    except BaseException:
        session.failed_boot_pages.append(page)
        raise
    stats.breaker.succeeded(browser.engine)
    if settings.record_modules is not None:
        app.before_close.append(module_usage.recorder(stats, browser.engine))
    engine.isolated = app.isolated
    if (count_in_summary and app.boot_ms is not None and server.link.conditions is None
            and not server.link.offline):
        engine.boot_ms.append(app.boot_ms)
    return app
