"""Every option's bad value is a one-line usage error naming the option: exit code 4, no traceback,
before any browser starts (pytester, in a subprocess as a user runs it)."""

from __future__ import annotations

import pytest

# (command-line arguments, ini lines, what the error must say)
BAD_VALUES = [
    (["--wasm-site=/nonexistent/site"], [], "--wasm-site: the folder /nonexistent/site does not exist*"),
    (["--wasm-page=http://example.com/index.html"], [], "--wasm-page (ini wasm_page) takes a path on the site*"),
    (["--wasm-base-url=http://staging.example.org"], [],
     "--wasm-base-url http://staging.example.org: plain http:// to staging.example.org is not a secure context*"),
    ([], ["wasm_base_url = ftp://example.org"], "--wasm-base-url takes an http(s) URL such as*not 'ftp://example.org'"),
    (["--wasm-base-url=https://example.org/?v=2"], [], "--wasm-base-url is where the site's root is served*"),
    (["--wasm-base-url=http://127.0.0.1:8080", "--wasm-omit-header=Cross-Origin-Embedder-Policy"], [],
     "--wasm-omit-header shape(s) the plugin's own server, which --wasm-base-url does not use*"),
    (["--wasm-base-url=http://127.0.0.1:8080", "--wasm-host=nginx"], [],
     "--wasm-host serves the build with a real server, --wasm-base-url tests one already running*"),
    (["--wasm-host=iis"], [], "*--wasm-host: invalid choice: 'iis'*"),
    (["--wasm-otlp-forward=collector:4318"], [], "--wasm-otlp-forward takes an http(s) URL such as*"),
    (["--wasm-host=nginx", "--wasm-mime-type=.wasm=text/plain"], [],
     "--wasm-mime-type shape(s) the plugin's own server, which --wasm-host does not use*"),
    (["--wasm-browser=safari"], [], "*--wasm-browser: invalid choice: 'safari'*"),
    (["--wasm-chromium-path=/nonexistent/chromium"], [], "--wasm-chromium-path: /nonexistent/chromium does not exist*"),
    (["--wasm-firefox-path=/nonexistent/firefox"], [], "--wasm-firefox-path: /nonexistent/firefox does not exist*"),
    (["--wasm-webkit-path=/nonexistent/webkit"], [], "--wasm-webkit-path: /nonexistent/webkit does not exist*"),
    (["--wasm-isolation=open"], [], "*--wasm-isolation: invalid choice: 'open'*"),
    (["--wasm-omit-header=Bad Header"], [], "--wasm-omit-header takes a header name*not 'Bad Header'"),
    (["--wasm-mime-type=wasm"], [], "--wasm-mime-type takes EXT=TYPE such as .wasm=application/wasm, not 'wasm'"),
    (["--wasm-boot-timeout=-1"], [], "--wasm-boot-timeout (ini wasm_boot_timeout) must be a positive number*"),
    (["--wasm-boot-timeout=soon"], [], "*--wasm-boot-timeout: invalid float value: 'soon'*"),
    (["--wasm-call-timeout=0"], [], "--wasm-call-timeout (ini wasm_call_timeout) must be a positive number*"),
    ([], ["wasm_boot_timeout = forever"], "wasm_boot_timeout must be a number of seconds, not 'forever'"),
    ([], ["wasm_call_timeout = -2"], "--wasm-call-timeout (ini wasm_call_timeout) must be a positive number*"),
    (["--wasm-max-payload=-5"], [], "--wasm-max-payload must be 0 (off) or a number of bytes, not -5"),
    (["--wasm-max-boot-failures=-1"], [], "--wasm-max-boot-failures must be 0 (off) or more, not -1"),
    (["--wasm-record-modules=/etc/hostname/modules.txt"], [],
     "--wasm-record-modules: /etc/hostname is a file, so /etc/hostname/modules.txt cannot be written*"),
    (["--wasm-report=/tmp"], [], "--wasm-report: /tmp is a folder; give the path of a file to write"),
    (["--wasm-baseline=/nonexistent/baseline.json"], [], "--wasm-baseline: /nonexistent/baseline.json does not exist*"),
    (["--wasm-save-baseline=/etc/hostname/b.json"], [], "--wasm-save-baseline: /etc/hostname is a file*"),
    (["--wasm-tolerance=-0.5"], [], "--wasm-tolerance (ini wasm_tolerance) must be a fraction from 0 to 10*"),
    ([], ["wasm_tolerance = lots"], "wasm_tolerance must be a fraction such as 0.1, not 'lots'"),
    (["--wasm-boot-repeats=0"], [], "--wasm-boot-repeats (ini wasm_boot_repeats) must be at least 1, not 0"),
    ([], ["wasm_boot_repeats = many"], "wasm_boot_repeats must be a whole number, not 'many'"),
    ([], ["wasm_budgets = chromium:boot.app_ready<=soon"], "wasm_budgets: *"),
    (["--wasm-output=/etc/hostname"], [], "--wasm-output: /etc/hostname is a file; name a folder for the artifacts"),
    (["--wasm-artifacts=sometimes"], [], "*--wasm-artifacts: invalid choice: 'sometimes'*"),
    (["--wasm-conformance", "--wasm-conformance-modules=lists"], [],
     "--wasm-conformance-modules takes Elixir module names like Enum,Map, not 'lists'"),
    (["--wasm-conformance", "--wasm-conformance-ebin=/nonexistent/ebin"], [],
     "--wasm-conformance-ebin: no such folder: /nonexistent/ebin"),
    (["--wasm-conformance", "--wasm-conformance-known=/nonexistent/known.toml"], [],
     "--wasm-conformance-known: /nonexistent/known.toml does not exist*"),
    (["--wasm-conformance", "--wasm-conformance-report=/tmp"], [],
     "--wasm-conformance: --wasm-conformance-report: /tmp is a folder; give the path of a file to write"),
]


@pytest.mark.parametrize(("args", "ini", "message"), BAD_VALUES, ids=[" ".join(a + i) for a, i, _ in BAD_VALUES])
def test_a_bad_value_is_a_one_line_usage_error(pytester: pytest.Pytester, args: list[str], ini: list[str],
                                               message: str) -> None:
    pytester.makeini("[pytest]\n" + "\n".join(ini) + "\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    # One line says it (argparse's own errors come after pytest's usage line).
    result.stderr.fnmatch_lines([f"*{message}"])
    errors = [line for line in result.stderr.lines
              if (line.startswith("ERROR:") or ": error:" in line) and not line.startswith("ERROR: usage:")]
    assert len(errors) == 1, result.stderr.lines
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_a_known_failures_file_that_is_not_toml_is_a_usage_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "known.toml").write_text('["Enum.map/2 #1"\n')
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--wasm-conformance",
                                           "--wasm-conformance-known=known.toml", timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --wasm-conformance: known.toml is not valid TOML*"])
