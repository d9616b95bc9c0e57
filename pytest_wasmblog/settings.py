"""The core plugin's options (its own `wasmblog` group) and their values, resolved once at configure
time. A bad value raises SettingsError naming the option and what it accepts; the plugin turns it
into a usage error (exit code 4, no traceback)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pytest_wasmblog.browsers.base import ENGINES
from pytest_wasmblog.deploy import HOST_KINDS
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.http_rules import ISOLATION_MODES, Isolation, mime_suffix
from pytest_wasmblog.remote_settings import RemoteBrowser, bind_setting, is_loopback, parse_remotes, public_origin_setting

ENGINE_CHOICES = (*ENGINES, "all")
GROUP = "wasmblog"
GROUP_HELP = "pytest-wasmblog: Popcorn (AtomVM/WebAssembly) sites in real browsers"
# Bytes of JSON per call: a 50 KB argument works, about 100 KB aborts the VM (measured; docs/bundle.md).
DEFAULT_MAX_PAYLOAD = 50_000


class SettingsError(WasmblogError):
    pass


@dataclass(frozen=True)
class Settings:
    site: Path | None
    page: str
    engines: tuple[str, ...]
    browser_paths: dict[str, str | None]
    isolation: Isolation
    omit_headers: tuple[str, ...]
    boot_timeout_s: float
    call_timeout_s: float
    headed: bool
    in_ci: bool
    max_boot_failures: int = 3
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD
    record_modules: Path | None = None  # --wasm-record-modules: ask each VM what it loaded
    mime_types: dict[str, str] = field(default_factory=dict)  # suffix -> Content-Type, replacing the pinned one
    # --wasm-base-url: the site is already served there (no trailing slash); nothing is served locally.
    base_url: str | None = None
    # --wasm-host: serve the build with this real server (nginx, ...) and its generated config instead.
    host: str | None = None
    # --wasm-remote: engines whose browser runs elsewhere (a Playwright server or a WebDriver remote end).
    remotes: dict[str, RemoteBrowser] = field(default_factory=dict)
    # --wasm-bind / --wasm-public-origin: where the test server listens, and the origin browsers load it at
    # (None: its own loopback origin).
    bind: str = "127.0.0.1"
    public_origin: str | None = None

    @property
    def serves_https(self) -> bool:
        """Browsers load the plugin's servers at an https:// public origin (with the run's certificate)."""
        return self.public_origin is not None and self.public_origin.startswith("https://")

    @property
    def public_port(self) -> int:
        """The port the public origin names (the main test server listens on it), or 0: any free port."""
        return urlsplit(self.public_origin).port or 0 if self.public_origin else 0

    @property
    def deployment(self) -> str | None:
        """What is tested when it is not the plugin's own server, in words; None when it is."""
        if self.base_url is not None:
            return f"the deployment at {self.base_url}"
        return f"the build behind {self.host} (--wasm-host)" if self.host is not None else None

    def require_site(self) -> Path:
        if self.site is None:
            raise SettingsError(
                "no site to serve: pass --wasm-site PATH (the built folder with index.html, popcorn.mjs "
                "and bundle.avm) or set `wasm_site = PATH` in the [pytest] ini section"
            )
        if not self.site.is_dir():
            hint = ""
            if (self.site.parent / "wasmblog.toml").is_file():
                hint = f"; build it first: `wasmblog build {self.site.parent}`"
            hint = hint or "; pass --wasm-site (or ini wasm_site) pointing at the built folder"
            raise SettingsError(f"the site folder {self.site} does not exist{hint}")
        if not (self.site / self.page.lstrip("/")).is_file():
            raise SettingsError(f"the site {self.site} has no page {self.page}: pass --wasm-page or add it")
        return self.site


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP, GROUP_HELP)
    group.addoption("--wasm-site", help="built site folder to serve (index.html, popcorn.mjs, bundle.avm). ini: wasm_site")
    group.addoption("--wasm-base-url", metavar="URL",
                    help="test the site already served at URL (a staging or production deployment, or a local "
                    "nginx): nothing is served locally; --wasm-site then only names the build whose report "
                    "explains failures. ini: wasm_base_url")
    group.addoption("--wasm-host", choices=HOST_KINDS,
                    help="serve --wasm-site with this real server (Debian's nginx, caddy or apache2 with the config "
                    "`wasmblog deploy-config` writes, or `plain`: a static server that sends no custom headers) on "
                    "a free loopback port, and test it as a deployment")
    group.addoption("--wasm-page", help="page that boots the app, default /index.html. ini: wasm_page")
    group.addoption("--wasm-browser", action="append", choices=ENGINE_CHOICES,
                    help="engine to run on (repeatable; `all` for chromium, firefox and webkit), default chromium")
    group.addoption("--wasm-chromium-path", help="Chromium executable to use (env WASMBLOG_CHROMIUM)")
    group.addoption("--wasm-firefox-path", help="Firefox executable to use (env WASMBLOG_FIREFOX)")
    group.addoption("--wasm-webkit-path",
                    help="WebKitGTK MiniBrowser to drive over WebDriver (env WASMBLOG_WEBKIT; the driver: "
                    "WebKitWebDriver on PATH or env WASMBLOG_WEBKIT_DRIVER)")
    group.addoption("--wasm-isolation", choices=ISOLATION_MODES,
                    help="cross-origin isolation headers the server sends, default require-corp")
    group.addoption("--wasm-omit-header", action="append", metavar="NAME",
                    help="header the server must not send (repeatable), e.g. Cross-Origin-Embedder-Policy, "
                    "to prove what breaks without it")
    group.addoption("--wasm-mime-type", action="append", metavar="EXT=TYPE",
                    help="serve files ending in EXT with this Content-Type (repeatable), e.g. "
                    ".wasm=application/octet-stream, to reproduce a host that gets it wrong")
    group.addoption("--wasm-boot-timeout", type=float, help="seconds for the app to become ready, default 20")
    group.addoption("--wasm-call-timeout", type=float, help="seconds for one bridge call, default 10")
    group.addoption("--wasm-headed", action="store_true", help="show the browser window")
    group.addoption("--wasm-max-payload", type=int, metavar="BYTES",
                    help="largest JSON a call may send to the VM (default 50000; Popcorn 0.3.3's VM aborts "
                    "at about 100 KB; 0 turns the check off)")
    group.addoption("--wasm-max-boot-failures", type=int, metavar="N",
                    help="after N boots in a row fail on an engine, its remaining tests fail at once with the "
                    "first failure (default 3; 0 turns this off)")
    parser.addini("wasm_site", "built site folder to serve, relative to the ini file", default="")
    parser.addini("wasm_base_url", "URL of a deployment to test instead of serving wasm_site", default="")
    group.addoption("--wasm-remote", action="append", default=[], metavar="ENGINE=URL",
                    help="run ENGINE's browser elsewhere (repeatable): ws(s)://... a Playwright browser server "
                    "(reached with expose_network, so it loads this machine's loopback server), http(s)://... a "
                    "WebDriver remote end such as Selenium Grid. ini: wasm_remote")
    group.addoption("--wasm-bind", metavar="HOST", help="address the test server listens on, default 127.0.0.1; "
                    "another machine's browser needs one it can reach, with --wasm-public-origin")
    group.addoption("--wasm-public-origin", metavar="URL",
                    help="the origin browsers load the test server at, e.g. https://ci-runner.internal:8443; "
                    "https:// serves HTTPS with a certificate the run makes")
    parser.addini("wasm_remote", "ENGINE = URL lines: engines whose browser runs elsewhere", type="linelist",
                  default=[])
    parser.addini("wasm_page", "page that boots the app", default="/index.html")
    parser.addini("wasm_boot_timeout", "seconds for the app to become ready", default="20")
    parser.addini("wasm_call_timeout", "seconds for one bridge call", default="10")


def from_config(config: pytest.Config) -> Settings:
    site_option = config.getoption("--wasm-site")
    site_ini = config.getini("wasm_site")
    site: Path | None = None
    if site_option:
        site = Path(site_option).resolve()
        if not site.is_dir():  # named on the command line: say so now; the ini's default is checked when used
            raise SettingsError(f"--wasm-site: the folder {site} does not exist; pass the built site folder "
                                "(the one with index.html, popcorn.mjs and bundle.avm)")
    elif site_ini:
        base = config.inipath.parent if config.inipath else config.rootpath
        site = (base / site_ini).resolve()
    page = config.getoption("--wasm-page") or config.getini("wasm_page") or "/index.html"
    if "://" in page or page.startswith("//") or any(c.isspace() for c in page):
        raise SettingsError(f"--wasm-page (ini wasm_page) takes a path on the site such as /index.html, not {page!r}")
    base_url = base_url_setting(config.getoption("--wasm-base-url") or config.getini("wasm_base_url") or None)
    host = config.getoption("--wasm-host")
    if base_url is not None:
        _no_server_options(config, "--wasm-base-url", SERVER_OPTIONS)
        if host:
            raise SettingsError("--wasm-host serves the build with a real server, --wasm-base-url tests one already "
                                "running: give one of them")
    elif host:
        _no_server_options(config, "--wasm-host", ("--wasm-mime-type",))
    bind = bind_setting(config.getoption("--wasm-bind"))
    remotes = parse_remotes([*config.getoption("--wasm-remote"), *config.getini("wasm_remote")])
    public_origin = public_origin_setting(config.getoption("--wasm-public-origin"), bind)
    if (remotes or bind != "127.0.0.1" or public_origin) and (base_url is not None or host):
        raise SettingsError("--wasm-remote, --wasm-bind and --wasm-public-origin are for the plugin's own server; "
                            "with --wasm-base-url or --wasm-host the browsers load that deployment instead")
    return Settings(
        remotes=remotes,
        bind=bind,
        public_origin=public_origin,
        base_url=base_url,
        host=host or None,
        site=site,
        page=page if page.startswith("/") else "/" + page,
        engines=_engines(config.getoption("--wasm-browser") or ["chromium"]),
        # Environment variables are read by the resolver, which names where a path came from.
        browser_paths={engine: _browser_path(config, engine) for engine in ENGINES},
        isolation=_isolation(config.getoption("--wasm-isolation") or "require-corp"),
        omit_headers=_header_names(config.getoption("--wasm-omit-header") or []),
        boot_timeout_s=_seconds(config.getoption("--wasm-boot-timeout"), config.getini("wasm_boot_timeout"), "boot"),
        call_timeout_s=_seconds(config.getoption("--wasm-call-timeout"), config.getini("wasm_call_timeout"), "call"),
        headed=bool(config.getoption("--wasm-headed")),
        max_boot_failures=_boot_failure_limit(config.getoption("--wasm-max-boot-failures")),
        max_payload_bytes=_payload_limit(config.getoption("--wasm-max-payload")),
        record_modules=writable_path(config.getoption("--wasm-record-modules"), "--wasm-record-modules"),
        mime_types=parse_mime_types(config.getoption("--wasm-mime-type") or []),
        in_ci=os.environ.get("CI", "").lower() in ("1", "true", "yes"),
    )


# Options that shape the plugin's own server, which --wasm-base-url does not start.
SERVER_OPTIONS = ("--wasm-isolation", "--wasm-omit-header", "--wasm-mime-type")


def base_url_setting(value: str | None) -> str | None:
    """The deployment's URL without a trailing slash; refused up front when no page there could be
    cross-origin isolated (plain http:// is a secure context only on loopback)."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"--wasm-base-url takes an http(s) URL such as https://staging.example.org or "
                            f"http://127.0.0.1:8080, not {value!r}")
    if parts.query or parts.fragment:
        raise SettingsError(f"--wasm-base-url is where the site's root is served, without ?query or #fragment: "
                            f"{value!r}; name the page with --wasm-page")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise SettingsError(
            f"--wasm-base-url {value}: plain http:// to {parts.hostname} is not a secure context, so no page "
            "there can be cross-origin isolated (no SharedArrayBuffer, no service worker) and the VM cannot "
            "start; use the https:// URL of the deployment, or a loopback address (127.0.0.1, localhost)")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _no_server_options(config: pytest.Config, deployed: str, options: tuple[str, ...]) -> None:
    given = [option for option in options if config.getoption(option)]
    if given:
        raise SettingsError(f"{', '.join(given)} shape(s) the plugin's own server, which {deployed} does not "
                            "use: the host decides its headers and types. Leave them out, or test the local "
                            f"build without {deployed}")


def _browser_path(config: pytest.Config, engine: str) -> str | None:
    option = f"--wasm-{engine}-path"
    value = config.getoption(option)
    if value and not Path(value).exists():
        raise SettingsError(f"{option}: {value} does not exist; give the {engine} executable to drive, or leave "
                            "the option out to use Playwright's build or the system's")
    return str(value) if value else None


def _isolation(value: str) -> Isolation:
    for mode in ISOLATION_MODES:
        if value == mode:
            return mode
    raise SettingsError(f"--wasm-isolation must be one of {', '.join(ISOLATION_MODES)}, not {value!r}")


def _header_names(names: list[str]) -> tuple[str, ...]:
    for name in names:
        if not name or any(c.isspace() or c in ':"(),/;<=>?@[\\]{}' for c in name):
            raise SettingsError(f"--wasm-omit-header takes a header name such as Cross-Origin-Embedder-Policy, "
                                f"not {name!r}")
    return tuple(names)


def writable_path(value: str | None, option: str) -> Path | None:
    """A file an option names for the run to write (its folders are made when it is written): it must
    not be a folder, nor lie under a file."""
    if not value:
        return None
    path = Path(value)
    if path.is_dir():
        raise SettingsError(f"{option}: {value} is a folder; give the path of a file to write")
    blocking = next((p for p in path.resolve().parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise SettingsError(f"{option}: {blocking} is a file, so {value} cannot be written; give another path")
    return path


def parse_mime_types(pairs: list[str]) -> dict[str, str]:
    types: dict[str, str] = {}
    for pair in pairs:
        extension, _, content_type = pair.partition("=")
        try:
            suffix = mime_suffix(extension) if extension.startswith(".") else ""
        except ValueError:
            suffix = ""
        if not suffix or not content_type.strip():
            raise SettingsError(f"--wasm-mime-type takes EXT=TYPE such as .wasm=application/wasm, not {pair!r}")
        types[suffix] = content_type.strip()
    return types


def _payload_limit(value: int | None) -> int:
    if value is None:
        return DEFAULT_MAX_PAYLOAD
    if value < 0:
        raise SettingsError(f"--wasm-max-payload must be 0 (off) or a number of bytes, not {value}")
    return value


def _boot_failure_limit(value: int | None) -> int:
    if value is None:
        return 3
    if value < 0:
        raise SettingsError(f"--wasm-max-boot-failures must be 0 (off) or more, not {value}")
    return value


def _engines(chosen: list[str]) -> tuple[str, ...]:
    wanted = ENGINES if "all" in chosen else chosen
    return tuple(engine for engine in ENGINES if engine in wanted)


def _seconds(option: float | None, ini: str, what: str) -> float:
    value = option if option is not None else ini
    try:
        seconds = float(value)
    except ValueError:
        raise SettingsError(f"wasm_{what}_timeout must be a number of seconds, not {value!r}") from None
    if seconds <= 0:
        raise SettingsError(f"--wasm-{what}-timeout (ini wasm_{what}_timeout) must be a positive number of "
                            f"seconds, not {seconds:g}")
    return seconds
