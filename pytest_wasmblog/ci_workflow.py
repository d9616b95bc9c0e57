"""`wasmblog ci github`: a GitHub Actions workflow for a user's Popcorn site. It installs the toolchain
and browsers the way the README does (Debian 12's packages, in a Debian container, since Ubuntu's
runners have no firefox-esr and a snap-only chromium), builds the bundle once and caches it, runs an
engine x shard matrix, keeps failure artifacts and reports, and merges the reports in a last job
that checks them against a committed baseline and budgets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from pytest_wasmblog.browsers.base import ENGINES
from pytest_wasmblog.bundle.runtime import VERSION as POPCORN_VERSION
from pytest_wasmblog.errors import WasmblogError

DEFAULT_OUT = ".github/workflows/wasmblog.yml"
MAX_SHARDS = 64  # GitHub allows 256 jobs per matrix: 3 engines x 64 shards stays well under
BUILD_PACKAGES = "python3 python3-venv python3-pip git erlang elixir npm"  # npm fetches the Popcorn runtime
BROWSER_PACKAGES = "python3 python3-venv python3-pip git chromium firefox-esr webkit2gtk-driver xvfb"
_SAFE_PATH = re.compile(r"[A-Za-z0-9_./-]+")  # no quoting needed in a shell line or a glob
_SAFE_REQUIREMENT = re.compile(r"[A-Za-z0-9_.:/@=<>~!+,\[\]-]+")  # single-quoted in the shell lines


class WorkflowError(WasmblogError):
    """Options that cannot make a working workflow; the message says which and why."""


@dataclass(frozen=True)
class WorkflowOptions:
    site: str  # the site folder (with wasmblog.toml), relative to the repository root
    tests: tuple[str, ...]  # what pytest runs
    engines: tuple[str, ...] = ENGINES
    shards: int = 2
    baseline: str | None = None  # a committed report (--wasm-save-baseline), relative to the root
    budgets: str | None = None  # a committed file of budgets, one per line
    plugin: str = "pytest-wasmblog"  # what pip installs: a version pin, a path or a git URL


def _relative(path: str, what: str) -> str:
    posix = PurePosixPath(path.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts or not str(posix) or str(posix) == ".":
        if str(posix) == "." and what == "--site":
            return "."
        raise WorkflowError(f"{what} {path!r}: give a path inside the repository, relative to its root "
                            "(the workflow runs from a fresh checkout)")
    text = str(posix)
    if not _SAFE_PATH.fullmatch(text):
        raise WorkflowError(f"{what} {path!r}: use letters, digits and ./_- only, so the path needs no quoting "
                            "in the workflow's shell lines")
    return text


def checked(options: WorkflowOptions) -> WorkflowOptions:
    unknown = [engine for engine in options.engines if engine not in ENGINES]
    if unknown or not options.engines:
        raise WorkflowError(f"--engine {', '.join(unknown) or '(none)'}: choose from {', '.join(ENGINES)}")
    if not 1 <= options.shards <= MAX_SHARDS:
        raise WorkflowError(f"--shards {options.shards}: give 1 to {MAX_SHARDS}")
    if not options.tests:
        raise WorkflowError("--tests: name at least one test folder or file")
    if not _SAFE_REQUIREMENT.fullmatch(options.plugin):
        raise WorkflowError(f"--plugin {options.plugin!r}: give one pip requirement, such as pytest-wasmblog==0.1.0, "
                            "without spaces, quotes or ;")
    return WorkflowOptions(
        site=_relative(options.site, "--site"),
        tests=tuple(_relative(test, "--tests") for test in options.tests),
        engines=tuple(dict.fromkeys(options.engines)),
        shards=options.shards,
        baseline=_relative(options.baseline, "--baseline") if options.baseline else None,
        budgets=_relative(options.budgets, "--budgets") if options.budgets else None,
        plugin=options.plugin,
    )


def render_github_workflow(options: WorkflowOptions) -> str:
    o = checked(options)
    site, dist = o.site, f"{o.site}/dist" if o.site != "." else "dist"
    shards = ", ".join(str(n) for n in range(1, o.shards + 1))
    engines = ", ".join(o.engines)
    tests = " ".join(o.tests)
    sources = ", ".join(f"'{pattern}'" for pattern in (
        f"{site}/**/*.ex", f"{site}/**/*.exs", f"{site}/wasmblog.toml", f"{site}/static/**", f"{site}/posts/**"))
    check = ["merged.json"]
    if o.baseline:
        check.append(f"--baseline {o.baseline}")
    if o.budgets:
        check.append(f"--budgets {o.budgets}")
    check_step = (f"""      - name: Check against the baseline and budgets
        run: .venv/bin/wasmblog check-report {' '.join(check)}
""" if len(check) > 1 else """      - name: No baseline or budgets to check against
        run: echo "regenerate this workflow with --baseline and --budgets to gate on the merged report"
""")
    flags = [f"--site {site}", f"--tests {tests}", f"--shards {o.shards}"]
    flags += [f"--engine {engine}" for engine in o.engines] if o.engines != ENGINES else []
    flags += [f"--baseline {o.baseline}"] if o.baseline else []
    flags += [f"--budgets {o.budgets}"] if o.budgets else []
    flags += [f"--plugin {o.plugin}"] if o.plugin != "pytest-wasmblog" else []
    command = "wasmblog ci github " + " ".join(flags)

    def setup(what: str, packages: str) -> str:
        """A job's first steps: Debian's packages, the checkout, the plugin in a venv."""
        return (f"      - name: Install {what}\n        run: apt-get update -q && apt-get install -y -q {packages}\n"
                "      - uses: actions/checkout@v4\n      - name: Install pytest-wasmblog\n"
                f"        run: python3 -m venv .venv && .venv/bin/pip install -q '{o.plugin}'")

    return f"""# Written by `wasmblog ci github` (pytest-wasmblog, Popcorn {POPCORN_VERSION}). Regenerate it rather than edit
# it by hand:
#   {command}
name: wasmblog

on:
  push:
  pull_request:

permissions:
  contents: read

# Debian 12's packages, as the README installs them: erlang, elixir and npm build the bundle;
# chromium, firefox-esr and WebKitGTK's driver are the browsers.
env:
  DEBIAN_FRONTEND: noninteractive
  CI: "true"

jobs:
  build:
    runs-on: ubuntu-latest
    container: debian:12
    steps:
{setup("the toolchain", BUILD_PACKAGES)}
      - name: Toolchain versions (the cache key)
        id: versions
        run: |
          otp=$(erl -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().')
          elixir=$(elixir --short-version)
          echo "key=otp$otp-elixir$elixir-popcorn{POPCORN_VERSION}" >> "$GITHUB_OUTPUT"
      - name: Cache the built bundle
        id: bundle
        uses: actions/cache@v4
        with:
          path: {dist}
          key: wasmblog-${{{{ steps.versions.outputs.key }}}}-${{{{ hashFiles({sources}) }}}}
      - name: Build the bundle
        if: steps.bundle.outputs.cache-hit != 'true'
        run: .venv/bin/wasmblog build {site}
      - uses: actions/upload-artifact@v4
        with:
          name: site
          path: {dist}
          retention-days: 1

  test:
    needs: build
    runs-on: ubuntu-latest
    container:
      image: debian:12
      options: --shm-size=2g
    strategy:
      fail-fast: false
      matrix:
        engine: [{engines}]
        shard: [{shards}]
    steps:
{setup("the browsers", BROWSER_PACKAGES)}
      - uses: actions/download-artifact@v4
        with:
          name: site
          path: {dist}
      - name: Test on ${{{{ matrix.engine }}}}, shard ${{{{ matrix.shard }}}} of {o.shards}
        run: >-
          .venv/bin/python -m pytest {tests} -p no:cacheprovider
          --wasm-site {dist} --wasm-browser ${{{{ matrix.engine }}}}
          --wasm-shard ${{{{ matrix.shard }}}}/{o.shards}
          --wasm-report reports/${{{{ matrix.engine }}}}-${{{{ matrix.shard }}}}.json
          --wasm-output test-results
      - name: Keep what the failing tests left
        if: failure()
        uses: actions/upload-artifact@v4
        with:
          name: failures-${{{{ matrix.engine }}}}-${{{{ matrix.shard }}}}
          path: test-results
      - name: Keep the report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: report-${{{{ matrix.engine }}}}-${{{{ matrix.shard }}}}
          path: reports/${{{{ matrix.engine }}}}-${{{{ matrix.shard }}}}.json
          if-no-files-found: ignore

  report:
    needs: test
    if: always()
    runs-on: ubuntu-latest
    container: debian:12
    steps:
{setup("Python", "python3 python3-venv python3-pip git")}
      - uses: actions/download-artifact@v4
        with:
          pattern: report-*
          path: reports
          merge-multiple: true
      - name: Merge the shards' reports
        run: .venv/bin/wasmblog merge-reports merged.json reports/*.json
      - uses: actions/upload-artifact@v4
        with:
          name: merged-report
          path: merged.json
{check_step}"""
