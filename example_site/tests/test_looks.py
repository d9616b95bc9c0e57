"""The blog looks the same as its stored screenshots, per engine (`wasm_snapshot`).

References live in `__snapshots__/<name>.<engine>.png`; `--wasm-update-snapshots` rewrites them after
a deliberate change. The allowed difference covers font antialiasing between machines, not layout.
"""

from __future__ import annotations

from typing import Any

from conftest import BlogPage, PostFile

ALLOWED_SHARE = 0.01  # 1 % of pixels may differ by more than 16/255


def test_index_looks_as_stored(wasm_app_factory: Any, wasm_snapshot: Any) -> None:
    app = wasm_app_factory()
    BlogPage(app).goto("#/")
    wasm_snapshot(app, "index", "main", max_share=ALLOWED_SHARE)


def test_a_post_looks_as_stored(wasm_app_factory: Any, wasm_snapshot: Any, posts_by_slug: dict[str, PostFile]) -> None:
    app = wasm_app_factory()
    BlogPage(app).goto("#/post/hello-world")
    assert BlogPage(app).text("article.post h1") == posts_by_slug["hello-world"].title
    wasm_snapshot(app, "post-hello-world", "main", max_share=ALLOWED_SHARE)
