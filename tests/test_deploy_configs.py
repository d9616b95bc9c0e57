"""`wasmblog deploy-config`: each target's configuration parsed (or syntax-checked by the real server)
and read back as the host would apply it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from missing import missing

from pytest_wasmblog.cli import main
from pytest_wasmblog.deploy import hosts
from pytest_wasmblog.deploy.configs import TARGETS, UnknownTargetError, render_config
from pytest_wasmblog.deploy.rules import IMMUTABLE, DeployError, NotBuiltError
from pytest_wasmblog.errors import WasmblogError
from pytest_wasmblog.http_rules import COEP, COOP, CORP, ISOLATION_MODES, isolation_headers

EXAMPLE_DIST = Path(__file__).resolve().parent.parent / "example_site" / "dist"
HASHED = "app.0123abcd.js"
SERVERS = ("nginx", "caddy", "apache")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's built site, plus a content-hashed script (the build makes none)."""
    if not (EXAMPLE_DIST / "index.html").is_file():
        missing(f"{EXAMPLE_DIST} is not built: run `wasmblog build example_site`")
    dist = tmp_path_factory.mktemp("deploy") / "dist"
    shutil.copytree(EXAMPLE_DIST, dist)
    shutil.copy2(dist / "app.js", dist / HASHED)
    return dist


# --- web servers: the real program checks the syntax --------------------------------------------------

@pytest.mark.parametrize("isolation", ISOLATION_MODES)
@pytest.mark.parametrize("kind", SERVERS)
def test_server_config_passes_the_servers_own_check(kind: str, isolation: str, site: Path, tmp_path: Path) -> None:
    try:
        command = hosts.prepare(kind, site, tmp_path, hosts.free_port(), isolation)
    except hosts.HostNotInstalledError as exc:
        missing(str(exc))
    checked = subprocess.run(command.check, capture_output=True, text=True, timeout=60,
                             env={**command.env, "PATH": "/usr/sbin:/usr/bin:/bin"}, cwd=tmp_path)
    output = checked.stdout + checked.stderr
    assert checked.returncode == 0, output
    assert "[warn]" not in output and "[emerg]" not in output, output  # nginx: e.g. a duplicate type


def test_nginx_picks_brotli_by_hand(site: Path) -> None:
    text = render_config(site, "nginx", listen=8080).text
    assert "gzip_static on;" in text
    assert "rewrite ^(.*)$ $1.br last;" in text  # Debian's nginx has no brotli module
    assert re.search(r'location ~ "\\\.\(wasm\)\\\.br\$" \{[^}]*default_type "application/wasm";'
                     r"[^}]*Content-Encoding br;[^}]*Vary Accept-Encoding;", text)
    assert "listen 8080;" in text and f'root "{site}";' in text


def test_server_blocks_take_root_and_listen(site: Path) -> None:
    for kind, listen_line in (("nginx", "listen 127.0.0.1:9000;"), ("caddy", "bind 127.0.0.1"),
                              ("apache", "Listen 127.0.0.1:9000")):
        text = render_config(site, kind, root=Path("/srv/blog"), listen="127.0.0.1:9000").text
        assert listen_line in text and "/srv/blog" in text and str(site) not in text.split("\n", 1)[1], kind
    assert "file_server {\n\t\tprecompressed br gzip" in render_config(site, "caddy").text


# --- _headers (Netlify, Cloudflare Pages) --------------------------------------------------------------

def parse_headers_file(text: str) -> list[tuple[re.Pattern[str], list[tuple[str, str]]]]:
    """The documented format: a path line, then indented `Name: value` lines; `#` starts a comment."""
    rules: list[tuple[re.Pattern[str], list[tuple[str, str]]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            assert line.startswith("/"), f"line {number}: a rule starts with a path: {line!r}"
            pattern = "".join(".*" if part == "*" else "[^/]+" if part.startswith(":") else re.escape(part)
                              for part in re.split(r"(\*|:\w+)", line.strip()))
            rules.append((re.compile(pattern + "$"), []))
            continue
        assert rules, f"line {number}: a header before any path"
        name, sep, value = line.strip().partition(":")
        assert sep and name and value.strip(), f"line {number}: not `Name: value`: {line!r}"
        rules[-1][1].append((name.strip(), value.strip()))
    return rules


def headers_for(rules: list[tuple[re.Pattern[str], list[tuple[str, str]]]], path: str) -> dict[str, str]:
    """What a path gets; a header from two matching rules would be joined, so it must come from one only."""
    found: dict[str, list[str]] = {}
    for pattern, headers in rules:
        if pattern.match(path):
            for name, value in headers:
                found.setdefault(name.lower(), []).append(value)
    assert all(len(values) == 1 for values in found.values()), f"{path}: overlapping rules {found}"
    return {name: values[0] for name, values in found.items()}


@pytest.mark.parametrize("target", ["netlify", "cloudflare-pages"])
def test_headers_file(target: str, site: Path) -> None:
    config = render_config(site, target)
    assert config.file_name == "_headers"
    assert "compresses responses itself" in config.text
    rules = parse_headers_file(config.text)
    expected = {
        "/": ("text/html", "no-cache"), "/index.html": ("text/html", "no-cache"), "/sw.js": ("text/javascript", "no-cache"),
        "/AtomVM.wasm": ("application/wasm", "no-cache"), "/popcorn.mjs": ("text/javascript", "no-cache"),
        "/bundle.avm": ("application/octet-stream", "no-cache"), f"/{HASHED}": ("text/javascript", IMMUTABLE),
    }
    for path, (mime, cache) in expected.items():
        got = headers_for(rules, path)
        assert {k: got.get(k.lower()) for k in (COOP, COEP, CORP)} == isolation_headers("require-corp"), path
        assert got["cache-control"] == cache, path
        if path != "/":
            assert got["content-type"].startswith(mime), path


def test_headers_file_without_hashed_files_covers_everything_at_once(site: Path, tmp_path: Path) -> None:
    plain = tmp_path / "dist"
    shutil.copytree(site, plain, ignore=shutil.ignore_patterns(HASHED))
    rules = parse_headers_file(render_config(plain, "netlify").text)
    assert headers_for(rules, "/some/new-file.txt")["cache-control"] == "no-cache"
    assert len(rules) < 25  # no file-by-file list


# --- firebase.json -------------------------------------------------------------------------------------

def firebase_glob(glob: str) -> re.Pattern[str]:
    """Firebase's globs: `**` any path, `*` one segment's characters, `@(a|b)` one of."""
    out = ""
    for token in re.split(r"(\*\*/|\*\*|\*|@\([^)]*\))", glob):
        if token == "**/":
            out += "(?:.*/)?"
        elif token == "**":
            out += ".*"
        elif token == "*":
            out += "[^/]*"
        elif token.startswith("@("):
            out += "(?:" + "|".join(re.escape(t) for t in token[2:-1].split("|")) + ")"
        else:
            out += re.escape(token)
    return re.compile("^/?" + out.lstrip("/") + "$")


def firebase_headers(config: dict[str, object], path: str) -> dict[str, str]:
    """Every matching rule applies, the later one winning for the same header."""
    found: dict[str, str] = {}
    hosting = config["hosting"]
    assert isinstance(hosting, dict)
    for rule in hosting["headers"]:
        pattern = firebase_glob(rule["source"]) if "source" in rule else re.compile(rule["regex"])
        if pattern.search(path):
            found.update({h["key"].lower(): h["value"] for h in rule["headers"]})
    return found


def test_firebase_json(site: Path) -> None:
    rendered = render_config(site, "firebase")
    config = json.loads(rendered.text)
    assert config["hosting"]["public"] == "dist"
    assert {"**/*.br", "**/*.gz", "build-report.json"} <= set(config["hosting"]["ignore"])
    assert any("compresses responses itself" in note for note in rendered.notes)
    for path, mime, cache in (("/index.html", "text/html", "no-cache"), ("/sw.js", "text/javascript", "no-cache"),
                              ("/AtomVM.wasm", "application/wasm", "no-cache"),
                              ("/popcorn.mjs", "text/javascript", "no-cache"),
                              ("/bundle.avm", "application/octet-stream", "no-cache"),
                              (f"/{HASHED}", "text/javascript", IMMUTABLE)):
        got = firebase_headers(config, path)
        assert {k: got.get(k.lower()) for k in (COOP, COEP, CORP)} == isolation_headers("require-corp"), path
        assert got["content-type"].startswith(mime) and got["cache-control"] == cache, path


# --- GitHub Pages --------------------------------------------------------------------------------------

def test_github_pages_explains_what_it_cannot_do(site: Path) -> None:
    text = render_config(site, "github-pages").text
    for name, value in isolation_headers("require-corp").items():
        assert f"{name}: {value}" in text
    assert "cannot set response headers" in text and "service worker" in text and ".nojekyll" in text
    none = render_config(site, "github-pages", "none").text
    assert COEP not in none and 'Isolation "none"' in none


# --- options shared by every target --------------------------------------------------------------------

@pytest.mark.parametrize("target", TARGETS)
def test_isolation_mode_changes_the_headers(target: str, site: Path) -> None:
    texts = {mode: render_config(site, target, mode).text for mode in ISOLATION_MODES}
    assert "require-corp" in texts["require-corp"] and "require-corp" not in texts["credentialless"]
    assert "credentialless" in texts["credentialless"]
    assert all(name not in texts["none"] for name in (COOP, COEP, CORP))
    if target not in ("firebase", "github-pages"):
        assert 'Isolation "none"' in texts["none"]  # a comment says why they are missing


@pytest.mark.parametrize("target", TARGETS)
def test_omit_headers_leaves_one_out(target: str, site: Path) -> None:
    text = render_config(site, target, omit_headers=("cross-origin-embedder-policy",)).text
    if target == "github-pages":
        return  # it names the headers the host cannot send, whatever is omitted
    assert COEP not in text.replace(f"{COEP} is left out", "") and COOP in text


def test_omit_headers_rejects_what_it_cannot_omit(site: Path) -> None:
    with pytest.raises(DeployError, match="omit_headers takes"):
        render_config(site, "nginx", omit_headers=("Content-Length",))


def test_service_worker_found_from_the_precache_manifest(site: Path) -> None:
    text = render_config(site, "nginx", service_worker="other-sw.js").text
    assert r"sw\.js" in text and r"other\-sw\.js" in text


def test_bad_input_errors(site: Path, tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="no such folder"):
        render_config(tmp_path / "nowhere", "nginx")
    (tmp_path / "wasmblog.toml").write_text("")
    with pytest.raises(NotBuiltError, match=re.escape(f"wasmblog build {tmp_path}")):
        render_config(tmp_path, "nginx")
    with pytest.raises(UnknownTargetError, match="nginx, caddy, apache, netlify") as caught:
        render_config(site, "heroku")
    assert isinstance(caught.value, WasmblogError)
    with pytest.raises(DeployError, match="HOST:PORT"):
        render_config(site, "nginx", listen="localhost:http")
    with pytest.raises(DeployError, match="isolation mode"):
        render_config(site, "nginx", "strict")


# --- the CLI -------------------------------------------------------------------------------------------

def test_cli_prints_the_config(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy-config", str(site.parent), "--target", "caddy", "--port", "9090"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Caddyfile") and "http://:9090 {" in out


def test_cli_writes_the_config(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "conf" / "blog.conf"
    assert main(["deploy-config", str(site), "--target", "apache", "--out", str(out), "--isolation",
                 "credentialless", "--root", "/srv/blog"]) == 0
    assert "wrote" in capsys.readouterr().out
    text = out.read_text()
    assert 'DocumentRoot "/srv/blog"' in text and '"credentialless"' in text
    assert main(["deploy-config", str(site), "--target", "apache", "--out", str(tmp_path)]) == 1
    assert "is a folder" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--target", "heroku"], "unknown deploy target 'heroku': use one of nginx, caddy"),
    (["--target", "nginx", "--isolation", "strict"], "unknown isolation mode"),
])
def test_cli_errors(args: list[str], message: str, site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy-config", str(site), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("wasmblog: error: ") and message in err and "Traceback" not in err


def test_cli_unbuilt_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "wasmblog.toml").write_text("")
    assert main(["deploy-config", str(tmp_path), "--target", "netlify"]) == 1
    err = capsys.readouterr().err
    assert "not built" in err and f"wasmblog build {tmp_path}" in err and "Traceback" not in err
