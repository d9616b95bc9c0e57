"""Real web servers (nginx, Caddy, Apache, and a plain static server) serving a built site on a free
loopback port with the generated configuration, for tests that must see what production sends.

Everything a server writes (its main config, pid file, logs, Caddy's data) goes to a temporary folder;
nothing touches /etc or a privileged port. `stop()` then `start()` serves again on the same port,
which is how a test takes the origin offline: in between, connections are refused."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from pytest_wasmblog.deploy import HOST_KINDS
from pytest_wasmblog.deploy.configs import render_config
from pytest_wasmblog.deploy.rules import DeployError, built_folder

# kind -> (program, where Debian installs it, Debian package)
PROGRAMS = {"nginx": ("nginx", "/usr/sbin/nginx", "nginx"), "caddy": ("caddy", "/usr/bin/caddy", "caddy"),
            "apache": ("apache2", "/usr/sbin/apache2", "apache2")}
APACHE_MODULES = Path("/usr/lib/apache2/modules")
_APACHE_LOAD = ("mpm_event", "authz_core", "mime", "headers", "rewrite", "dir", "log_config")
_UNPRIVILEGED = ("www-data", "nobody")  # who Apache serves as when started by root (it refuses root)


class HostNotInstalledError(DeployError):
    def __init__(self, kind: str, looked: list[str]) -> None:
        self.kind = kind
        package = PROGRAMS[kind][2]
        super().__init__(f"{kind} is not installed (looked for {' and '.join(looked)}): install it with "
                         f"`apt-get install {package}`")


class HostStartError(DeployError):
    """The server did not come up (or the port is taken); carries its log."""


@dataclass(frozen=True)
class ServerCommand:
    run: list[str]  # starts the server in the foreground
    check: list[str]  # syntax-checks the same configuration (empty for plain)
    env: dict[str, str] = field(default_factory=dict)
    logs: tuple[Path, ...] = ()  # the server's own log files, for log_tail()


def program(kind: str) -> str:
    """The server's executable, or HostNotInstalledError naming the package."""
    name, debian_path, _ = PROGRAMS[kind]
    found = shutil.which(name) or (debian_path if os.access(debian_path, os.X_OK) else None)
    if found is None:
        raise HostNotInstalledError(kind, [f"{name} on PATH", debian_path])
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(kind: str, site: Path, workdir: Path, port: int, isolation: str = "require-corp",
            omit_headers: tuple[str, ...] = ()) -> ServerCommand:
    """Write the main configuration wrapping the generated block into `workdir`; the commands to use it."""
    if kind not in HOST_KINDS:
        raise DeployError(f"unknown host kind {kind!r}: use one of {', '.join(HOST_KINDS)}")
    if kind == "plain":
        # No configuration, no custom headers. Checked here: Python sends .wasm as application/wasm, .avm as
        # application/octet-stream and .mjs/.js as text/javascript (/etc/mime.types), or application/javascript
        # without that file: a JavaScript type either way, so module scripts load and Caddy is not needed.
        run = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port), "--directory", str(site)]
        return ServerCommand(run, [])
    exe = program(kind)
    block = render_config(site, kind, isolation, listen=f"127.0.0.1:{port}", omit_headers=omit_headers).text
    if kind == "nginx":
        return _nginx(exe, block, workdir)
    if kind == "caddy":
        return _caddy(exe, block, workdir)
    return _apache(exe, block, workdir)


def _nginx(exe: str, block: str, work: Path) -> ServerCommand:
    (work / "site.conf").write_text(block)
    temp = {name: work / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    lines = [
        "daemon off;",
        "worker_processes 1;",
        f'pid "{work}/nginx.pid";',
        f'error_log "{work}/error.log" notice;',
        # Workers of a root master run as nobody, who may not reach a test's private temp folder.
        *(["user root;"] if os.geteuid() == 0 else []),
        "events { worker_connections 64; }",
        "http {",
        f'    access_log "{work}/access.log";',
        *(f'    {name}_temp_path "{path}";' for name, path in temp.items()),
        f'    include "{work}/site.conf";',
        "}",
    ]
    conf = work / "nginx.conf"
    conf.write_text("\n".join(lines) + "\n")
    base = [exe, "-p", str(work), "-e", str(work / "error.log"), "-c", str(conf)]
    return ServerCommand(base, [*base, "-t"], logs=(work / "error.log",))


def _caddy(exe: str, block: str, work: Path) -> ServerCommand:
    conf = work / "Caddyfile"
    # No admin endpoint: no second port. Its data and autosaved config go to this folder (env below).
    conf.write_text("{\n\tadmin off\n}\n\n" + block)
    env = {"HOME": str(work), "XDG_DATA_HOME": str(work / "data"), "XDG_CONFIG_HOME": str(work / "config")}
    adapter = ["--config", str(conf), "--adapter", "caddyfile"]
    return ServerCommand([exe, "run", *adapter], [exe, "validate", *adapter], env)


def _apache(exe: str, block: str, work: Path) -> ServerCommand:
    (work / "site.conf").write_text(block)
    lines = [
        f'ServerRoot "{work}"',
        "ServerName 127.0.0.1",
        f'PidFile "{work}/apache2.pid"',
        f'DefaultRuntimeDir "{work}"',
        f'ErrorLog "{work}/error.log"',
        "LogLevel warn",
        # Some builds compile modules in (Debian: log_config); loading one of those again is an error.
        *(f'<IfModule !{name}_module>\n    LoadModule {name}_module "{APACHE_MODULES}/mod_{name}.so"\n</IfModule>'
          for name in _APACHE_LOAD),
        # Small: a test server, on a 2-core machine.
        "StartServers 1", "ServerLimit 2", "ThreadLimit 8", "ThreadsPerChild 8", "MaxRequestWorkers 16",
        "MinSpareThreads 1", "MaxSpareThreads 16",
        'LogFormat "%h %l %u %t \\"%r\\" %>s %b" common',
        f'CustomLog "{work}/access.log" common',
        "TypesConfig /dev/null",
    ]
    if os.geteuid() == 0:
        user = apache_user()
        lines += [f"User {user}", f"Group #{pwd.getpwnam(user).pw_gid}"]
    lines.append(f'Include "{work}/site.conf"')
    conf = work / "apache2.conf"
    conf.write_text("\n".join(lines) + "\n")
    return ServerCommand([exe, "-f", str(conf), "-DFOREGROUND"], [exe, "-t", "-f", str(conf)],
                         logs=(work / "error.log",))


def apache_user() -> str:
    for name in _UNPRIVILEGED:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise HostStartError(f"apache refuses to serve as root and none of the users {', '.join(_UNPRIVILEGED)} exists: "
                         "create one (`adduser --system www-data`)")


def readable_by_others(root: Path) -> bool:
    """Can a user with no special rights reach and read every file under `root`?"""
    for folder in (root, *root.parents):
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
    for path in root.rglob("*"):
        mode = path.stat().st_mode
        need = stat.S_IROTH | stat.S_IXOTH if stat.S_ISDIR(mode) else stat.S_IROTH
        if mode & need != need:
            return False
    return True


def _world_readable_copy(site: Path, work: Path) -> Path:
    """A copy Apache's unprivileged user can read (same bytes and times: same ETags)."""
    copy = work / "site"
    shutil.copytree(site, copy)
    for path in (copy, *copy.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    work.chmod(0o711)
    return copy


class RealHost:
    """A real server for a built site on 127.0.0.1; a context manager that stops it and removes its files.

    `root` is the folder the server reads: the site itself, except for Apache started by root when its
    unprivileged user cannot reach the site (e.g. in pytest's private tmp_path): then a world-readable
    copy made at construction. `plain` ignores `isolation` and `omit_headers`: it sends no such headers."""

    def __init__(self, kind: str, site: Path, isolation: str = "require-corp", port: int | None = None,
                 omit_headers: tuple[str, ...] = (), start_timeout_s: float = 15.0) -> None:
        self.kind = kind
        self.site = built_folder(site)
        self.port = port or free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.start_timeout_s = start_timeout_s
        self.workdir = Path(tempfile.mkdtemp(prefix=f"wasmblog-{kind}-"))  # its configs and logs
        self._process: subprocess.Popen[bytes] | None = None
        try:
            self.root = self.site  # the folder the server reads
            if kind == "apache" and os.geteuid() == 0 and not readable_by_others(self.site):
                self.root = _world_readable_copy(self.site, self.workdir)
            self._command = prepare(kind, self.root, self.workdir, self.port, isolation, tuple(omit_headers))
        except BaseException:
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise

    @property
    def console_log(self) -> Path:
        return self.workdir / "console.log"

    def start(self) -> RealHost:
        """Start the server and wait until it accepts connections."""
        if self._process is not None and self._process.poll() is None:
            return self
        if _accepts(self.port):
            raise HostStartError(f"cannot start {self.kind} on {self.origin}: another program already listens "
                                 "on that port (pass another port, or none for a free one)")
        with open(self.console_log, "ab") as console:
            self._process = subprocess.Popen(
                self._command.run, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                cwd=self.workdir, env={**os.environ, **self._command.env}, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            code = self._process.poll()
            if code is not None:
                self._reap()
                raise HostStartError(f"{self.kind} exited with status {code} while starting on {self.origin}:\n"
                                     f"{self.log_tail()}")
            if _accepts(self.port):
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise HostStartError(f"{self.kind} did not accept connections on {self.origin} within "
                                     f"{self.start_timeout_s:g} s:\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server and its children; afterwards connections to the port are refused."""
        if self._process is None:
            return
        if self._process.poll() is None:
            _signal_group(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(self._process.pid, signal.SIGKILL)
        self._reap()
        deadline = time.monotonic() + 5
        while _accepts(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def _reap(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        # Workers that outlive their master would keep the port: the whole group goes.
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()

    def log_tail(self, lines: int = 30) -> str:
        parts = []
        for path in (*self._command.logs, self.console_log):
            if path.is_file():
                text = path.read_text(errors="replace").strip().splitlines()[-lines:]
                parts.append(f"--- {path.name} ---\n" + ("\n".join(text) or "(empty)"))
        return "\n".join(parts) or "(the server wrote no log)"

    def close(self) -> None:
        """Stop the server and remove its temporary folder."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> RealHost:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def start_host(kind: str, site: Path, isolation: str = "require-corp", port: int | None = None,
               omit_headers: tuple[str, ...] = ()) -> RealHost:
    """A started real server of `kind` for the built site (`with start_host(...) as host:` stops it)."""
    host = RealHost(kind, site, isolation, port, omit_headers)
    try:
        return host.start()
    except BaseException:
        host.close()
        raise


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
