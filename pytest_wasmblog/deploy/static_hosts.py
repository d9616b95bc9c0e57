"""The configuration of static hosts that serve the uploaded folder themselves: Netlify and Cloudflare
Pages (`_headers`), Firebase (`firebase.json`), and GitHub Pages, which takes no headers at all. These
hosts compress on the fly and cannot serve the precompressed copies as encodings, so they are left out."""

from __future__ import annotations

import json

from pytest_wasmblog.deploy.rules import (
    CACHE_CONTROL,
    CACHE_NOTE,
    CONTENT_TYPE,
    HASHED_STEM,
    IMMUTABLE,
    NO_CACHE,
    NOT_SERVED,
    SitePolicy,
    content_types,
    is_hashed,
    page_suffixes,
    served_files,
)
from pytest_wasmblog.http_rules import COEP, COOP, CORP, isolation_headers

HOST_NAMES = {"netlify": "Netlify", "cloudflare-pages": "Cloudflare Pages", "firebase": "Firebase Hosting"}


def _upload_note(host: str) -> str:
    return (f"Compression: {host} compresses responses itself (brotli and gzip) and cannot serve the "
            f"precompressed .br/.gz copies as encodings: leave them out of the upload, with {', '.join(NOT_SERVED)} "
            "(a build record).")


def headers_file(p: SitePolicy, target: str) -> str:
    """`_headers`: a path line, then indented `Name: value` lines, for Netlify and Cloudflare Pages."""
    host = HOST_NAMES[target]
    lines = [f"# _headers for {host} from `wasmblog deploy-config` for {p.site} (isolation: {p.isolation}).",
             f"# Put it in the published folder, beside index.html ({p.site.name}/_headers).",
             *(f"# {line}" for line in (*p.isolation_comments(), CACHE_NOTE, _upload_note(host)))]
    hashed = p.hashed_files() if p.cache_control else []
    everywhere = dict(p.headers)
    if p.cache_control and not hashed:
        everywhere[CACHE_CONTROL] = NO_CACHE
    if everywhere:
        lines += ["/*", *(f"  {name}: {value}" for name, value in everywhere.items())]
    if p.content_types:
        for mime, suffixes in content_types().items():
            for suffix in suffixes:
                lines += [f"/*.{suffix}", f"  {CONTENT_TYPE}: {mime}"]
    if hashed:
        # A header given by two matching rules is joined with a comma, so no rule may overlap another.
        lines.append("# This build has content-hashed files, so Cache-Control goes file by file: "
                     "regenerate this after each build.")
        for name in ["", *served_files(p.site)]:
            value = IMMUTABLE if is_hashed(name) and not _never_immutable(p, name) else NO_CACHE
            lines += [f"/{name}", f"  {CACHE_CONTROL}: {value}"]
    return "\n".join(lines) + "\n"


def _never_immutable(p: SitePolicy, name: str) -> bool:
    return name in p.workers or name.endswith(tuple("." + s for s in page_suffixes()))


def firebase(p: SitePolicy) -> tuple[str, tuple[str, ...]]:
    """firebase.json (JSON has no comments: the explanations come back as notes)."""
    def rule(key: str, pattern: str, headers: dict[str, str]) -> dict[str, object]:
        return {key: pattern, "headers": [{"key": k, "value": v} for k, v in headers.items()]}

    everywhere = dict(p.headers)
    if p.cache_control:
        everywhere[CACHE_CONTROL] = NO_CACHE
    rules = [rule("source", "**", everywhere)] if everywhere else []
    if p.content_types:
        for mime, suffixes in content_types().items():
            glob = f"**/*.{suffixes[0]}" if len(suffixes) == 1 else f"**/*.@({'|'.join(suffixes)})"
            rules.append(rule("source", glob, {CONTENT_TYPE: mime}))
    if p.cache_control:
        rules.append(rule("regex", f"^.*{HASHED_STEM}$", {CACHE_CONTROL: IMMUTABLE}))
        rules.append(rule("source", f"**/*.@({'|'.join(page_suffixes())})", {CACHE_CONTROL: NO_CACHE}))
        rules += [rule("source", f"/{worker}", {CACHE_CONTROL: NO_CACHE}) for worker in p.workers]
    ignore = ["firebase.json", "**/.*", "**/node_modules/**", *NOT_SERVED, "**/*.br", "**/*.gz"]
    config = {"hosting": {"public": p.site.name, "ignore": ignore, "headers": rules}}
    notes = (f"Put firebase.json in the folder that holds {p.site.name}/ ({p.site.parent}); "
             f'"public" names the built folder.',
             *p.isolation_comments(), CACHE_NOTE,
             "Firebase applies every matching header rule, the later one winning for the same header, "
             "so the specific rules come last.",
             _upload_note("Firebase Hosting").replace("leave them out of the upload", '"ignore" leaves them out'))
    return json.dumps(config, indent=2) + "\n", notes


def github_pages(p: SitePolicy) -> str:
    lines = [f"# Deploying {p.site} on GitHub Pages", ""]
    wanted = isolation_headers(p.isolation)
    if wanted:
        lines += [
            "GitHub Pages cannot set response headers: it reads no _headers file and no server configuration.",
            "So it never sends",
            *(f"    {name}: {value}" for name, value in wanted.items()),
            "and the page is not cross-origin isolated: the runtime's pthreads (SharedArrayBuffer) cannot start.",
            "",
            "What works instead: a cross-origin-isolation service worker. Once installed it answers the page's",
            f"requests itself and adds {COOP}, {COEP} and {CORP} to every response;",
            "the page registers it and reloads once, and from then on it is isolated.",
            _worker_status(p),
        ]
    else:
        lines.append('Isolation "none": this site asks for no COOP/COEP/CORP headers, which suits GitHub Pages '
                     "(it cannot send any).")
    has_it = (p.site / ".nojekyll").is_file()
    nojekyll = "this build has one" if has_it else f"this build has none: create {p.site}/.nojekyll"
    lines += [
        "",
        "Also:",
        "- Add an empty `.nojekyll` file to the published folder, or Jekyll processes the site and drops files "
        f"whose names start with `_` or `.` ({nojekyll}).",
        "- Content types are GitHub's: .wasm goes out as application/wasm and .mjs/.js as JavaScript; files of "
        "unknown type such as .avm as application/octet-stream, which is what the runtime expects.",
        "- Compression and caching are GitHub's too: it compresses on the fly (leave the .br/.gz copies out of "
        "the upload) and sends Cache-Control: max-age=600 for every file; no setting changes that.",
        f"- Leave {', '.join(NOT_SERVED)} out: it is a build record.",
    ]
    return "\n".join(lines) + "\n"


def _worker_status(p: SitePolicy) -> str:
    present = [w for w in p.workers if (p.site / w).is_file()]
    if not present:
        return "This site has no service worker: add one that does this (such as coi-serviceworker)."
    adding = [w for w in present if COEP.lower() in (p.site / w).read_text(errors="replace").lower()]
    if adding:
        return (f"This site's {', '.join(adding)} sets {COEP}: it is such a worker, and registering it is all the "
                "page needs (test it on a host that sends no headers with `pytest --wasm-host plain`).")
    return (f"This site's service worker ({', '.join(present)}) does not add these headers: extend it to (one "
            "scope has one worker, so a second one such as coi-serviceworker would replace it).")
