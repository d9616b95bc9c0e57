"""Shared helpers for the example blog's end-to-end suite.

Only the plugin's public fixtures are used (`wasm_app`, `popcorn`, `elixir`, ...). What the
tests expect about the posts is computed here, in Python, straight from `example_site/posts/*.md`,
so the Elixir code in the browser is checked against an independent reading of the same files.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

POSTS_DIR = Path(__file__).resolve().parent.parent / "posts"
WORDS_PER_MINUTE = 200


@dataclass(frozen=True)
class PostFile:
    file: str
    slug: str
    title: str
    date: str
    tags: tuple[str, ...]
    body: str

    @property
    def words(self) -> int:
        return len(self.body.split())

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.words / WORDS_PER_MINUTE))

    def matches(self, query: str) -> bool:
        text = (self.title + "\n" + self.body).lower()
        words = query.lower().split()
        return bool(words) and all(w in text for w in words)


def slugify_ascii(title: str) -> str:
    """The slug rule for ASCII titles: lowercase letters and digits, every other run is one dash."""
    return "-".join(re.findall(r"[a-z0-9]+", title.lower()))


def _parse(path: Path) -> PostFile:
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0].strip() == "---", f"{path.name}: no front matter"
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, value = line.split(":", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        meta[key.strip()] = value
    body_lines = lines[end + 1:]
    while body_lines and not body_lines[0].strip():
        body_lines.pop(0)
    tags: list[str] = []
    for tag in meta.get("tags", "").split(","):
        tag = tag.strip().lower()
        if tag and tag not in tags:
            tags.append(tag)
    title = meta["title"]
    return PostFile(path.name, meta.get("slug") or slugify_ascii(title), title, meta["date"], tuple(tags),
                    "\n".join(body_lines))


def load_posts() -> list[PostFile]:
    posts = [_parse(p) for p in sorted(POSTS_DIR.glob("*.md"))]
    # newest first, then by title
    posts.sort(key=lambda p: p.title)
    posts.sort(key=lambda p: p.date, reverse=True)
    return posts


POSTS = load_posts()
POSTS_BY_SLUG = {p.slug: p for p in POSTS}


@pytest.fixture(scope="session")
def posts() -> list[PostFile]:
    """The posts as read from the Markdown files, newest first."""
    assert len(POSTS) >= 5, "the example site should have a handful of posts"
    return POSTS


@pytest.fixture(scope="session")
def posts_by_slug() -> dict[str, PostFile]:
    return POSTS_BY_SLUG


class BlogPage:
    """Drives the blog's page on the shared app: navigate by hash, click, read the DOM."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def _await_render(self, start_js: str, arg: Any = None, timeout_s: float = 10) -> str:
        # Clear the marker first so the wait cannot be satisfied by the previous view.
        self.app.evaluate("async () => { delete document.body.dataset.rendered; }")
        self.app.evaluate(f"async (arg) => {{ {start_js} }}", arg)
        rendered = self.app.wait_for(
            "document.body.dataset.rendered && (document.body.dataset.rendered === 'error' || "
            "document.body.dataset.rendered === (location.hash || '#/')) && document.body.dataset.rendered",
            timeout_s=timeout_s,
        )
        assert rendered != "error", f"the page failed to render: {self.text('#content')}"
        return rendered

    def goto(self, hash_: str) -> str:
        """Sets location.hash and waits until the page says it rendered that view."""
        return self._await_render(
            "if (location.hash === arg) { window.dispatchEvent(new HashChangeEvent('hashchange')); }"
            " else { location.hash = arg; }",
            hash_,
        )

    def click(self, selector: str) -> str:
        """Clicks the element (a link) and waits for the view it leads to."""
        found = self.app.evaluate("async (sel) => !!document.querySelector(sel)", selector)
        assert found, f"nothing matches {selector!r}"
        return self._await_render(
            "const el = document.querySelector(arg);"
            " const target = new URL(el.href, location.href).hash;"
            " if (target === location.hash) { window.dispatchEvent(new HashChangeEvent('hashchange')); }"
            " else { el.click(); }",
            selector,
        )

    def back(self) -> str:
        """Goes back in the page's history and waits for that view."""
        return self._await_render("history.back();")

    def search(self, query: str) -> str:
        """Types into the search box and submits the form."""
        return self._await_render(
            "document.getElementById('q').value = arg;"
            " document.getElementById('search').requestSubmit();",
            query,
        )

    def text(self, selector: str) -> str | None:
        return self.app.evaluate(
            "async (sel) => { const el = document.querySelector(sel); return el ? el.textContent : null; }", selector
        )

    def texts(self, selector: str) -> list[str]:
        return self.app.evaluate(
            "async (sel) => [...document.querySelectorAll(sel)].map((el) => el.textContent)", selector
        )

    def attrs(self, selector: str, name: str) -> list[str | None]:
        return self.app.evaluate(
            "async ([sel, name]) => [...document.querySelectorAll(sel)].map((el) => el.getAttribute(name))",
            [selector, name],
        )

    def count(self, selector: str) -> int:
        return self.app.evaluate("async (sel) => document.querySelectorAll(sel).length", selector)

    @property
    def hash(self) -> str:
        return self.app.evaluate("async () => location.hash")


@pytest.fixture
def blog(wasm_app: Any) -> BlogPage:
    return BlogPage(wasm_app)
