"""The blog's page as a reader sees it: every view is rendered from what Elixir returns."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest


def summary_slugs(blog):
    return blog.attrs("#content article.post-summary", "data-slug")


# ---------------------------------------------------------------------------
# Index
# ---------------------------------------------------------------------------


def test_index_lists_every_post_newest_first(blog, posts):
    assert blog.goto("#/") == "#/"
    assert blog.text("#content h1") == "All posts"
    assert summary_slugs(blog) == [p.slug for p in posts]
    dates = [p.date for p in posts]
    assert dates == sorted(dates, reverse=True)


def test_index_shows_title_link_date_reading_time_and_tags(blog, posts):
    blog.goto("#/")
    titles = blog.texts("#content article.post-summary h2 a")
    assert titles == [p.title for p in posts]
    assert blog.attrs("#content article.post-summary h2 a", "href") == [f"#/post/{p.slug}" for p in posts]
    metas = blog.texts("#content article.post-summary p.meta")
    for post, meta in zip(posts, metas, strict=True):
        minutes = "1 min read" if post.reading_minutes == 1 else f"{post.reading_minutes} min read"
        assert meta.startswith(f"{post.date} · {minutes} · "), meta
        assert meta.endswith("".join(post.tags)), meta
    for post in posts:
        hrefs = blog.attrs(f'#content article.post-summary[data-slug="{post.slug}"] p.meta a.tag', "href")
        assert hrefs == [f"#/tag/{quote(t)}" for t in post.tags]


def test_index_excerpts_are_plain_text_from_the_first_paragraph(blog, posts):
    blog.goto("#/")
    excerpts = blog.texts("#content article.post-summary p.excerpt")
    assert len(excerpts) == len(posts)
    for post, excerpt in zip(posts, excerpts, strict=True):
        assert excerpt, post.slug
        assert len(excerpt.encode()) <= 160 + len("…".encode())
        assert "**" not in excerpt and "`" not in excerpt
        first_words = excerpt.rstrip("…").split()[:3]
        plain_body = post.body.replace("**", "").replace("*", "").replace("`", "")
        assert plain_body.startswith(" ".join(first_words)), (post.slug, excerpt)


def test_index_tag_cloud_lists_all_tags_sorted(blog, posts):
    blog.goto("#/")
    expected = sorted({t for p in posts for t in p.tags})
    assert blog.texts("#content nav.tags a.tag") == expected
    assert blog.attrs("#content nav.tags a.tag", "href") == [f"#/tag/{t}" for t in expected]


def test_brand_link_returns_to_the_index(blog, posts):
    blog.goto("#/tag/testing")
    assert blog.text("#content h1") != "All posts"
    blog.click("header a.brand")
    assert blog.hash == "#/"
    assert summary_slugs(blog) == [p.slug for p in posts]


# ---------------------------------------------------------------------------
# Post
# ---------------------------------------------------------------------------


def test_clicking_a_title_opens_the_post(blog, posts_by_slug):
    post = posts_by_slug["hello-world"]
    blog.goto("#/")
    assert blog.click(f'#content article.post-summary[data-slug="{post.slug}"] h2 a') == f"#/post/{post.slug}"
    assert blog.attrs("#content article.post", "data-slug") == [post.slug]
    assert blog.text("#content article.post h1") == post.title
    assert blog.text("#content article.post p.meta") == f"{post.date} · {post.reading_minutes} min read"
    assert blog.count("#content article.post-summary") == 0


def test_post_body_renders_headings_lists_and_code(blog, posts_by_slug):
    post = posts_by_slug["hello-world"]
    blog.goto(f"#/post/{post.slug}")
    headings = [line[3:].strip() for line in post.body.split("\n") if line.startswith("## ")]
    assert blog.texts("#content .post-body h2") == headings
    assert blog.count("#content .post-body ul > li") == sum(1 for line in post.body.split("\n") if line.startswith("- "))
    assert blog.texts("#content .post-body strong") == ["Elixir code running inside your browser"]
    assert "WebAssembly" in blog.texts("#content .post-body em")
    # the fenced block keeps its language and its text verbatim
    assert blog.attrs("#content .post-body pre > code", "class") == ["language-javascript"]
    code = re.search(r"```javascript\n(.*?)\n```", post.body, re.DOTALL).group(1)
    assert blog.text("#content .post-body pre > code") == code
    assert "Blog.Api.handle/1" in blog.texts("#content .post-body p > code")


def test_post_ordered_list(blog, posts_by_slug):
    post = posts_by_slug["cross-origin-isolation-for-the-impatient"]
    blog.goto(f"#/post/{post.slug}")
    items = [re.sub(r"^\d+\. ", "", line) for line in post.body.split("\n") if re.match(r"^\d+\. ", line)]
    rendered = blog.texts("#content .post-body ol > li")
    assert len(rendered) == len(items) == 4
    assert rendered[0] == items[0]
    # inline code inside items is rendered as <code>, not left as backticks
    assert "`" not in "".join(rendered)
    assert "application/wasm" in blog.texts("#content .post-body ol code")


def test_post_markup_in_code_is_shown_not_interpreted(blog, posts_by_slug):
    post = posts_by_slug["a-markdown-renderer-without-regex"]
    blog.goto(f"#/post/{post.slug}")
    # `<script>` in the text is a code span showing the tag, never an element
    assert "<script>" in blog.texts("#content .post-body code")
    assert blog.count("#content .post-body script") == 0
    block = blog.text("#content .post-body pre > code.language-elixir")
    assert block is not None and block.startswith('defp heading(<<"## ", text::binary>>)')
    # `*stars*` inside a code span stays literal
    assert "*stars*" in blog.texts("#content .post-body p code")


def test_unknown_slug_shows_not_found(blog):
    assert blog.goto("#/post/no-such-post") == "#/post/no-such-post"
    assert blog.text("#content h1") == "Not found"
    assert blog.text("#content p.error") == 'no post with slug "no-such-post"'
    assert blog.count("#content article") == 0


def test_back_button_restores_previous_view(blog, posts):
    blog.goto("#/")
    blog.click('#content article.post-summary[data-slug="hello-world"] h2 a')
    assert blog.text("#content article.post h1") == "Hello, World"
    blog.back()
    assert blog.hash == "#/"
    assert summary_slugs(blog) == [p.slug for p in posts]


# ---------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["testing", "browsers", "elixir"])
def test_tag_view_filters_posts(blog, posts, tag):
    expected = [p.slug for p in posts if tag in p.tags]
    assert 0 < len(expected) < len(posts)
    assert blog.goto(f"#/tag/{tag}") == f"#/tag/{tag}"
    assert blog.text("#content h1") == f"Posts tagged “{tag}”"
    assert summary_slugs(blog) == expected
    for slug in expected:
        tags = blog.texts(f'#content article.post-summary[data-slug="{slug}"] a.tag')
        assert tag in tags


def test_clicking_a_tag_link_filters(blog, posts):
    blog.goto("#/")
    assert blog.click('#content nav.tags a.tag[href="#/tag/security"]') == "#/tag/security"
    assert summary_slugs(blog) == [p.slug for p in posts if "security" in p.tags]


def test_tag_is_case_insensitive(blog, posts):
    blog.goto("#/tag/WebAssembly")
    assert summary_slugs(blog) == [p.slug for p in posts if "webassembly" in p.tags]


def test_unknown_tag_shows_no_posts(blog):
    blog.goto("#/tag/cobol")
    assert blog.count("#content article.post-summary") == 0
    assert blog.text("#content p.empty") == "No posts found."


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------


def _expected_search(posts, query):
    return [p.slug for p in posts if p.matches(query)]


def test_search_form_finds_words_in_the_body(blog, posts):
    # "spectre" appears only in the body of one post, not in any title
    query = "Spectre"
    assert not any("spectre" in p.title.lower() for p in posts)
    expected = _expected_search(posts, query)
    assert len(expected) == 1
    assert blog.search(query) == f"#/search/{query}"
    assert blog.text("#content h1") == f"Search: {query}"
    assert summary_slugs(blog) == expected


def test_search_finds_words_in_the_title_case_insensitively(blog, posts):
    query = "ROUND trips"
    expected = _expected_search(posts, query)
    assert expected == ["round-trips-testing-a-json-codec"]
    blog.search(query)
    assert blog.hash == "#/search/" + quote(query)
    assert summary_slugs(blog) == expected


def test_search_needs_every_word(blog, posts):
    one = _expected_search(posts, "webassembly")
    both = _expected_search(posts, "webassembly spectre")
    assert len(both) < len(one)
    blog.goto("#/search/" + quote("webassembly"))
    assert summary_slugs(blog) == one
    blog.goto("#/search/" + quote("webassembly spectre"))
    assert summary_slugs(blog) == both


def test_search_for_nonsense_shows_no_posts_found(blog):
    blog.search("xyzzy-plugh-qwerty")
    assert blog.count("#content article.post-summary") == 0
    assert blog.text("#content p.empty") == "No posts found."


def test_search_text_is_not_interpreted_as_html(blog):
    query = '<img src=x onerror="document.body.dataset.pwned=1">'
    blog.search(query)
    assert blog.text("#content h1") == f"Search: {query}"
    assert blog.count("#content img") == 0
    assert blog.app.evaluate("async () => document.body.dataset.pwned ?? null") is None
