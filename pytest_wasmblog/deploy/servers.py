"""The server-level blocks for web servers you run yourself: nginx, Caddy and Apache. Each serves the
site's precompressed copies itself (they are already there, compressed harder than on the fly)."""

from __future__ import annotations

import re
from pathlib import Path

from pytest_wasmblog.deploy.rules import (
    CACHE_NOTE,
    HASHED_STEM,
    IMMUTABLE,
    NO_CACHE,
    NOT_SERVED,
    SitePolicy,
    content_types,
    page_suffixes,
)
from pytest_wasmblog.http_rules import COMPRESSIBLE_SUFFIXES

# Accept-Encoding asks for br, and does not refuse it with q=0 (checked first).
_BR_REFUSED = r"(^|[\s,])br\s*;\s*q=0(\.0*)?\s*(,|$)"
_BR_ACCEPTED = r"(^|[\s,])br\s*(;|,|$)"
_GZIP_REFUSED = r"(^|[\s,])(x-)?gzip\s*;\s*q=0(\.0*)?\s*(,|$)"
_GZIP_ACCEPTED = r"(^|[\s,])(x-)?gzip\s*(;|,|$)"


def _comments(p: SitePolicy, what: str, prefix: str = "# ") -> list[str]:
    lines = [f"{what} from `wasmblog deploy-config` for {p.site} (isolation: {p.isolation}).",
             *p.isolation_comments(), CACHE_NOTE]
    return [prefix + line for line in lines]


def _compressible_groups() -> dict[str, list[str]]:
    """Content-Type -> suffixes that have precompressed copies."""
    groups: dict[str, list[str]] = {}
    for mime, suffixes in content_types().items():
        kept = [s for s in suffixes if "." + s in COMPRESSIBLE_SUFFIXES]
        if kept:
            groups[mime] = kept
    return groups


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(name) for name in names)


def nginx(p: SitePolicy, root: Path, host: str | None, port: int) -> str:
    cache_var, br_var = f"$wasmblog_cache_{port}", f"$wasmblog_br_{port}"
    pages = _alternation(page_suffixes())
    workers = _alternation(list(p.workers))
    common = [f'add_header {name} "{value}" always;' for name, value in p.headers.items()]
    if p.cache_control:
        common.append(f"add_header Cache-Control {cache_var} always;")
    lines = [
        *_comments(p, "nginx server block"),
        "# Include it inside the http { } block of nginx.conf (Debian: a file in /etc/nginx/sites-enabled/).",
        "# Compression: gzip_static serves X.gz; Debian's nginx has no brotli module, so the map and the",
        "# rewrite below pick X.br by hand, and the .br locations name its encoding and the original type.",
        "",
        f"map $http_accept_encoding {br_var} {{",
        "    default 0;",
        f'    "~*{_BR_REFUSED}" 0;',
        f'    "~*{_BR_ACCEPTED}" 1;',
        "}",
    ]
    if p.cache_control:
        lines += [
            "",
            "# $uri is the final one: X.br after the rewrite, index.html after the index redirect.",
            f"map $uri {cache_var} {{",
            f'    default "{NO_CACHE}";',
            f'    "~^/({workers})(\\.br)?$" "{NO_CACHE}";',
            f'    "~\\.({pages})(\\.br)?$" "{NO_CACHE}";',
            f'    "~{HASHED_STEM}(\\.br)?$" "{IMMUTABLE}";',
            "}",
        ]
    lines += [
        "",
        "server {",
        f"    listen {host + ':' if host else ''}{port};",
        f'    root "{root}";',
        "    index index.html;",
        "    etag on;",
    ]
    if p.content_types:
        lines.append("    # Replaces nginx's mime.types in this server: the runtime's files need exactly these.")
        lines.append("    types {")
        lines += [f'        "{mime}" {" ".join(suffixes)};' for mime, suffixes in content_types().items()]
        lines += ["    }", "    default_type application/octet-stream;"]
    lines += [
        "    gzip_static on;",
        "    gzip_vary on;",
        "    gzip_proxied any;",
        "",
        *(f"    location = /{name} {{ return 404; }}" for name in NOT_SERVED),
        "",
        "    location / {",
        *(f"        {line}" for line in common),
        '        set $wasmblog_br_file "";',
        f"        if ({br_var}) {{ set $wasmblog_br_file $request_filename.br; }}",
        "        if (-f $wasmblog_br_file) { rewrite ^(.*)$ $1.br last; }",
        "    }",
    ]
    for mime, suffixes in _compressible_groups().items():
        lines += [
            "",
            f'    location ~ "\\.({_alternation(suffixes)})\\.br$" {{',
            "        gzip off;",
            *([f'        default_type "{mime}";'] if p.content_types else []),
            "        add_header Content-Encoding br;",
            "        add_header Vary Accept-Encoding;",
            *(f"        {line}" for line in common),
            "    }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def caddy(p: SitePolicy, root: Path, host: str | None, port: int) -> str:
    lines = [
        *_comments(p, "Caddyfile site block"),
        "# Use it as a whole Caddyfile (`caddy run --config Caddyfile --adapter caddyfile`) or after your",
        "# global options. file_server sends the precompressed X.br/X.gz with the original file's type.",
        f"http://:{port} {{",
        *([f"\tbind {host}"] if host else []),
        f'\troot * "{root}"',
    ]
    if p.headers:
        lines += ["\theader {", *(f'\t\t{name} "{value}"' for name, value in p.headers.items()), "\t}"]
    if p.content_types:
        lines.append("\t# Pinned, not guessed from /etc/mime.types (which has no .avm).")
        for mime, suffixes in content_types().items():
            matcher = "@type_" + re.sub(r"\W", "_", suffixes[0])
            lines += [f"\t{matcher} path {' '.join('*.' + s for s in suffixes)}",
                      f'\theader {matcher} Content-Type "{mime}"']
    if p.cache_control:
        never = " ".join([*(f"*.{s}" for s in page_suffixes()), "*/", *(f"/{w}" for w in p.workers)])
        lines += [
            "\t@immutable {",
            f"\t\tpath_regexp {HASHED_STEM}$",
            f"\t\tnot path {never}",
            "\t}",
            f'\theader @immutable Cache-Control "{IMMUTABLE}"',
            "\t# '?': set only where the rule above did not, whatever order the header handlers run in.",
            f'\theader ?Cache-Control "{NO_CACHE}"',
        ]
    compressible = " ".join(f"*{s}" for s in sorted(COMPRESSIBLE_SUFFIXES))
    lines += [
        # Caddy names Vary only on the compressed answers; caches need it on the plain one too.
        f"\t@compressible path {compressible}",
        '\theader @compressible ?Vary "Accept-Encoding"',
        *(f"\trespond /{name} 404" for name in NOT_SERVED),
        "\tfile_server {",
        "\t\tprecompressed br gzip",
        "\t}",
        # Caddy's errors have an empty body, which Chromium shows as its own error page, not an HTTP 404.
        "\thandle_errors {",
        '\t\trespond "{err.status_code} {err.status_text}"',
        "\t}",
        "}",
    ]
    return "\n".join(lines) + "\n"


def apache(p: SitePolicy, root: Path, host: str | None, port: int) -> str:
    pages = _alternation(page_suffixes())
    workers = _alternation(list(p.workers))
    compressible = _alternation(sorted(s.lstrip(".") for s in COMPRESSIBLE_SUFFIXES))
    lines = [
        *_comments(p, "Apache virtual host"),
        "# Needs mod_rewrite, mod_headers, mod_mime and mod_dir (Debian: `a2enmod rewrite headers`).",
        "# Drop the Listen line if your ports.conf already listens on this port.",
        f"Listen {host + ':' if host else ''}{port}",
        f"<VirtualHost *:{port}>",
        f'    DocumentRoot "{root}"',
        "    DirectoryIndex index.html",
        f'    <Directory "{root}">',
        "        Options -Indexes -MultiViews",
        "        AllowOverride None",
        "        Require all granted",
        "    </Directory>",
        "",
        "    # mod_mime reads every extension: X.wasm.br is application/wasm in the br encoding.",
        "    # Debian's mime.conf makes .br Breton and .gz a type of its own; undo both here.",
        "    RemoveLanguage .br",
        "    RemoveType .br .gz",
        "    AddEncoding br .br",
        "    AddEncoding gzip .gz",
    ]
    if p.content_types:
        for mime, suffixes in content_types().items():
            base, _, param = mime.partition(";")
            dotted = " ".join("." + s for s in suffixes)
            lines.append(f'    AddType "{base.strip()}" {dotted}')
            if param.strip().startswith("charset="):
                lines.append(f"    AddCharset {param.strip().removeprefix('charset=')} {dotted}")
    lines += [
        "",
        "    # The precompressed copy when the client accepts it (server context: DOCUMENT_ROOT + URI).",
        "    RewriteEngine On",
        *(f"    RewriteRule ^/{re.escape(name)}$ - [R=404,L]" for name in NOT_SERVED),
    ]
    for coding, accepted, refused, suffix in (("br", _BR_ACCEPTED, _BR_REFUSED, ".br"),
                                              ("gzip", _GZIP_ACCEPTED, _GZIP_REFUSED, ".gz")):
        lines += [
            f"    # {coding}: X{suffix} when the request accepts {coding} and the copy exists",
            f'    RewriteCond "%{{HTTP:Accept-Encoding}}" "{accepted}" [NC]',
            f'    RewriteCond "%{{HTTP:Accept-Encoding}}" "!{refused}" [NC]',
            f'    RewriteCond "%{{DOCUMENT_ROOT}}%{{REQUEST_URI}}{suffix}" -f',
            f'    RewriteRule "^(.+)$" "$1{suffix}" [PT,L,E=no-gzip:1,E=no-brotli:1]',
        ]
    lines += [
        f'    <FilesMatch "\\.({compressible})(\\.br|\\.gz)?$">',
        "        Header merge Vary Accept-Encoding",
        "    </FilesMatch>",
        "",
        *(f'    Header always set {name} "{value}"' for name, value in p.headers.items()),
    ]
    if p.cache_control:
        lines += [
            f'    Header always set Cache-Control "{NO_CACHE}"',
            f'    <FilesMatch "{HASHED_STEM}(\\.br|\\.gz)?$">',
            f'        Header always set Cache-Control "{IMMUTABLE}"',
            "    </FilesMatch>",
            "    # Pages and the service worker last: they win over the rule above.",
            f'    <FilesMatch "(\\.({pages})|^({workers}))(\\.br|\\.gz)?$">',
            f'        Header always set Cache-Control "{NO_CACHE}"',
            "    </FilesMatch>",
        ]
    lines.append("</VirtualHost>")
    return "\n".join(lines) + "\n"
