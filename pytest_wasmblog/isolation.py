"""Is the site cross-origin isolated, and if not, which header is missing where?

AtomVM is an Emscripten pthreads build: without isolation there is no SharedArrayBuffer and the
VM cannot start. The check reads the headers the browser actually received, with fetch() from
the page, for the page and each runtime asset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pytest_wasmblog.browsers.base import BrowserSession
from pytest_wasmblog.errors import WasmblogError

REQUIRED = {
    "cross-origin-opener-policy": ("same-origin",),
    "cross-origin-embedder-policy": ("require-corp", "credentialless"),
}
CORP = "cross-origin-resource-policy"
ASSETS = ("popcorn.mjs", "iframe.mjs", "AtomVM.mjs", "AtomVM.wasm", "bundle.avm")

_PROBE = """async ([paths]) => {
  const headers = {};
  for (const path of paths) {
    const response = await fetch(path, { cache: "no-store" });
    const picked = { status: response.status };
    for (const name of ["cross-origin-opener-policy", "cross-origin-embedder-policy",
                        "cross-origin-resource-policy", "content-type"]) {
      picked[name] = response.headers.get(name);
    }
    headers[path] = picked;
  }
  return { crossOriginIsolated: window.crossOriginIsolated === true,
           sharedArrayBuffer: typeof SharedArrayBuffer === "function", headers };
}"""


class IsolationError(WasmblogError):
    pass


@dataclass
class IsolationReport:
    url: str
    cross_origin_isolated: bool
    shared_array_buffer: bool
    headers: dict[str, dict[str, str | int | None]]
    problems: list[str] = field(default_factory=list)

    def assert_isolated(self) -> None:
        if self.cross_origin_isolated and not self.problems:
            return
        lines = "\n".join(f"  - {p}" for p in self.problems) or "  - (every header looked right)"
        raise IsolationError(
            f"{self.url} is not cross-origin isolated (crossOriginIsolated={self.cross_origin_isolated}, "
            f"SharedArrayBuffer {'present' if self.shared_array_buffer else 'missing'}):\n{lines}\n"
            "Fix: send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: "
            "require-corp on every response (and Cross-Origin-Resource-Policy for cross-origin assets)."
        )


def check(browser: BrowserSession, origin: str, page_path: str = "/index.html") -> IsolationReport:
    url = origin + page_path
    with browser.new_page() as page:
        page.goto(url, timeout_s=15)
        paths = [page_path, *(f"/{a}" for a in ASSETS)]
        raw = page.evaluate(_PROBE, [paths], timeout_s=15)
    assert isinstance(raw, dict)
    report = IsolationReport(url, bool(raw["crossOriginIsolated"]), bool(raw["sharedArrayBuffer"]), raw["headers"])
    report.problems = _problems(report.headers)
    return report


def _problems(headers: dict[str, dict[str, str | int | None]]) -> list[str]:
    problems: list[str] = []
    for path, received in headers.items():
        if received.get("status") != 200:
            problems.append(f"{path}: HTTP {received.get('status')}")
            continue
        problems.extend(header_problems(path, {k: v for k, v in received.items() if isinstance(v, str)}))
    return problems


def header_problems(path: str, headers: Mapping[str, str]) -> list[str]:
    """What is wrong with one response's isolation headers (names matched case-insensitively)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    problems: list[str] = []
    for name, allowed in REQUIRED.items():
        value = lowered.get(name)
        if value is None:
            problems.append(f"{path}: header {_title(name)} is missing (want {' or '.join(allowed)})")
        elif value not in allowed:
            problems.append(f"{path}: header {_title(name)} is {value!r} (want {' or '.join(allowed)})")
    return problems


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


class IsolationChecker:
    """The `isolation` fixture: `check()` and `assert_isolated()` for the site's page or another one."""

    def __init__(self, browser: BrowserSession, origin: str, page: str) -> None:
        self.browser = browser
        self.origin = origin
        self.page = page

    def check(self, page: str | None = None) -> IsolationReport:
        return check(self.browser, self.origin, page or self.page)

    def assert_isolated(self, page: str | None = None) -> IsolationReport:
        report = self.check(page)
        report.assert_isolated()
        return report
