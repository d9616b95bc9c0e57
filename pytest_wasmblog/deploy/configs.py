"""`wasmblog deploy-config`: the header and serving configuration a host needs for a built site to be
cross-origin isolated, typed right, served precompressed and cached safely."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pytest_wasmblog.deploy import servers, static_hosts
from pytest_wasmblog.deploy.rules import DEFAULT_WORKER, DeployError, SitePolicy, check_path, policy

TARGETS = ("nginx", "caddy", "apache", "netlify", "cloudflare-pages", "firebase", "github-pages")
SERVER_TARGETS = ("nginx", "caddy", "apache")  # the ones that take a root and a listen address
DEFAULT_PORT = 8080
FILE_NAMES = {"nginx": "nginx.conf", "caddy": "Caddyfile", "apache": "apache.conf", "netlify": "_headers",
              "cloudflare-pages": "_headers", "firebase": "firebase.json", "github-pages": "GITHUB-PAGES.md"}


class UnknownTargetError(DeployError):
    def __init__(self, target: str) -> None:
        super().__init__(f"unknown deploy target {target!r}: use one of {', '.join(TARGETS)}")


@dataclass(frozen=True)
class DeployConfig:
    target: str
    file_name: str  # what the host expects it to be called (for github-pages: an explanation to read)
    text: str
    notes: tuple[str, ...] = ()  # explanations a format cannot carry as comments (JSON)


def render_config(site: Path, target: str, isolation: str = "require-corp", *, root: Path | None = None,
                  listen: int | str = DEFAULT_PORT, service_worker: str = DEFAULT_WORKER,
                  omit_headers: tuple[str, ...] = ()) -> DeployConfig:
    """The configuration for `target` serving `site` (a built folder, or a site folder with dist/).

    `root` and `listen` ("PORT" or "HOST:PORT") apply to nginx, caddy and apache; `omit_headers` leaves
    named headers out on purpose, to prove that a check notices."""
    if target not in TARGETS:
        raise UnknownTargetError(target)
    p = policy(site, isolation, service_worker, tuple(omit_headers))
    name = FILE_NAMES[target]
    if target in SERVER_TARGETS:
        served = (root or p.site).absolute()
        check_path(served, "root")
        host, port = parse_listen(listen)
        return DeployConfig(target, name, _server_block(target, p, served, host, port))
    if target == "firebase":
        text, notes = static_hosts.firebase(p)
        return DeployConfig(target, name, text, notes)
    if target == "github-pages":
        return DeployConfig(target, name, static_hosts.github_pages(p))
    return DeployConfig(target, name, static_hosts.headers_file(p, target))


def _server_block(target: str, p: SitePolicy, root: Path, host: str | None, port: int) -> str:
    render = {"nginx": servers.nginx, "caddy": servers.caddy, "apache": servers.apache}[target]
    return render(p, root, host, port)


def parse_listen(listen: int | str) -> tuple[str | None, int]:
    """8080, "8080" or "127.0.0.1:8080" -> (host or None, port)."""
    host, _, port_text = str(listen).rpartition(":")
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not 0 < port < 65536 or any(c in host for c in " {};\"'"):
        raise DeployError(f"listen must be a port (1-65535) or HOST:PORT such as 127.0.0.1:8080, not {listen!r}")
    return host or None, port
