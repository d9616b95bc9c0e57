"""The blog's Elixir modules, called in the browser VM through the `elixir` fixture."""

from __future__ import annotations

import pytest

from pytest_wasmblog import terms
from pytest_wasmblog.terms import Atom
from pytest_wasmblog.vm_errors import ElixirError

OK = Atom("ok")
ERROR = Atom("error")
POST_KEYS = {Atom(k) for k in ("slug", "title", "date", "tags", "body_markdown", "excerpt", "reading_minutes")}


def html(elixir, markdown: str) -> str:
    return elixir.apply("Blog.Markdown", "to_html", [markdown])


# ---------------------------------------------------------------------------
# Blog.Posts
# ---------------------------------------------------------------------------


def test_all_returns_every_post_newest_first_with_atom_keys(elixir, posts):
    result = elixir.apply("Blog.Posts", "all")
    assert isinstance(result, list)
    assert [p[Atom("slug")] for p in result] == [p.slug for p in posts]
    for got, want in zip(result, posts, strict=True):
        assert set(got) == POST_KEYS
        assert "slug" not in got  # keys are atoms, not strings
        assert got[Atom("title")] == want.title
        assert got[Atom("date")] == want.date
        assert got[Atom("tags")] == list(want.tags)
        assert got[Atom("reading_minutes")] == want.reading_minutes
        assert got[Atom("body_markdown")].strip() == want.body.strip()
        # Rendered when Blog.Posts was compiled, by the same function the VM runs.
        assert got[Atom("excerpt")] == elixir.apply("Blog.Markdown", "excerpt", [got[Atom("body_markdown")]])


def test_get_returns_the_post_map(elixir, posts_by_slug):
    post = elixir.apply("Blog.Posts", "get", ["hello-world"])
    assert isinstance(post, dict)
    assert post[Atom("title")] == posts_by_slug["hello-world"].title == "Hello, World"
    assert post[Atom("tags")] == ["elixir", "webassembly", "meta"]
    assert isinstance(post[Atom("tags")], list)


def test_get_unknown_slug_raises_not_found_error(elixir):
    with pytest.raises(ElixirError) as info:
        elixir.apply("Blog.Posts", "get", ["does-not-exist"])
    error = info.value
    assert error.kind == "error"
    assert error.exception == "Blog.NotFoundError"
    assert error.message == 'no post with slug "does-not-exist"'
    assert error.stacktrace, "the reply should carry the VM stacktrace"
    top = error.stacktrace[0]
    assert top[0] == "Elixir.Blog.Posts" and top[1] == "get" and top[2] == 1
    assert top[3].endswith("lib/blog/posts.ex") and isinstance(top[4], int) and top[4] > 0
    assert "Blog.Posts.get/1" in str(error)
    assert "(Blog.NotFoundError)" in str(error)


def test_get_with_a_non_string_is_a_function_clause_error(elixir):
    with pytest.raises(ElixirError) as info:
        elixir.apply("Blog.Posts", "get", [Atom("hello-world")])
    assert info.value.exception == "FunctionClauseError"
    assert "Blog.Posts.get/1" in info.value.message


def test_fetch_returns_ok_tuple_or_error_atom(elixir):
    found = elixir.apply("Blog.Posts", "fetch", ["hello-world"])
    assert isinstance(found, tuple) and len(found) == 2
    assert found[0] == OK and found[0] != "ok"
    assert found[1][Atom("slug")] == "hello-world"
    missing = elixir.apply("Blog.Posts", "fetch", ["nope"])
    assert missing == ERROR
    assert isinstance(missing, Atom)


@pytest.mark.parametrize("tag", ["elixir", "testing", "security"])
def test_by_tag(elixir, posts, tag):
    expected = [p.slug for p in posts if tag in p.tags]
    assert expected
    assert [p[Atom("slug")] for p in elixir.apply("Blog.Posts", "by_tag", [tag])] == expected


def test_by_tag_trims_and_ignores_case(elixir, posts):
    expected = [p.slug for p in posts if "webassembly" in p.tags]
    got = elixir.apply("Blog.Posts", "by_tag", ["  WebAssembly "])
    assert [p[Atom("slug")] for p in got] == expected


def test_by_tag_unknown_is_empty_list(elixir):
    assert elixir.apply("Blog.Posts", "by_tag", ["cobol"]) == []


def test_tags_are_sorted_tuples_with_counts(elixir, posts):
    result = elixir.apply("Blog.Posts", "tags")
    assert isinstance(result, list)
    assert all(isinstance(item, tuple) and len(item) == 2 for item in result)
    counts: dict[str, int] = {}
    for post in posts:
        for tag in post.tags:
            counts[tag] = counts.get(tag, 0) + 1
    assert result == sorted(counts.items())


@pytest.mark.parametrize(
    "query",
    ["binary pattern matching", "SPECTRE", "Markdown", "round trips", "webassembly threads", "Welcome aboard"],
)
def test_search_matches_title_and_body_case_insensitively(elixir, posts, query):
    expected = [p.slug for p in posts if p.matches(query)]
    assert expected, f"the oracle finds nothing for {query!r}"
    got = elixir.apply("Blog.Posts", "search", [query])
    assert [p[Atom("slug")] for p in got] == expected


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "qwertyuiop", "webassembly qwertyuiop"])
def test_search_without_matches_is_empty(elixir, query):
    assert elixir.apply("Blog.Posts", "search", [query]) == []


# ---------------------------------------------------------------------------
# Blog.Markdown
# ---------------------------------------------------------------------------


def test_markdown_escapes_script_tags(elixir):
    out = html(elixir, "Hello <script>alert(1)</script> world")
    assert out == "<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; world</p>"


def test_markdown_escapes_ampersand_and_quotes(elixir):
    out = html(elixir, "Tom & Jerry say \"hi\" and 'bye'")
    assert out == "<p>Tom &amp; Jerry say &quot;hi&quot; and &#39;bye&#39;</p>"


def test_markdown_does_not_double_unescape_entities(elixir):
    assert html(elixir, "&lt;b&gt;") == "<p>&amp;lt;b&amp;gt;</p>"


def test_markdown_link_rendered_and_url_escaped(elixir):
    out = html(elixir, 'See [the docs](https://example.com/?a=1&b="2") now')
    assert out == '<p>See <a href="https://example.com/?a=1&amp;b=&quot;2&quot;">the docs</a> now</p>'


@pytest.mark.parametrize(
    "url", ["javascript:alert", "JavaScript:alert", "  javascript:alert", "java\tscript:alert", "vbscript:msgbox",
            "data:text/html;base64,PHNjcmlwdD4="],
)
def test_markdown_refuses_dangerous_links(elixir, url):
    out = html(elixir, f"[click me]({url})")
    assert out == "<p>click me</p>"
    assert "<a" not in out and "href" not in out


def test_markdown_code_block_is_escaped_and_not_interpreted(elixir):
    source = "```html\n<b>*not em*</b> & **not strong** [x](y)\n# not a heading\n- not a list\n```"
    out = html(elixir, source)
    assert out == (
        '<pre><code class="language-html">&lt;b&gt;*not em*&lt;/b&gt; &amp; **not strong** [x](y)\n'
        "# not a heading\n- not a list</code></pre>"
    )


def test_markdown_code_span_is_escaped_and_not_interpreted(elixir):
    assert html(elixir, "Use `<em>*x*</em>` here") == "<p>Use <code>&lt;em&gt;*x*&lt;/em&gt;</code> here</p>"


def test_markdown_headings(elixir):
    assert html(elixir, "# One\n## Two\n### Three") == "<h1>One</h1>\n<h2>Two</h2>\n<h3>Three</h3>"


def test_markdown_emphasis_and_strong(elixir):
    assert html(elixir, "*a* _b_ **c**") == "<p><em>a</em> <em>b</em> <strong>c</strong></p>"


def test_markdown_emphasis_nested_in_strong(elixir):
    assert html(elixir, "**bold *and italic* bold**") == (
        "<p><strong>bold <em>and italic</em> bold</strong></p>"
    )


def test_markdown_underscore_inside_words_is_literal(elixir):
    assert html(elixir, "snake_case_name and _real_") == "<p>snake_case_name and <em>real</em></p>"


def test_markdown_backslash_escapes(elixir):
    assert html(elixir, r"\*not em\*") == "<p>*not em*</p>"


def test_markdown_strong_nested_in_emphasis(elixir):
    assert html(elixir, "*a **b** c*") == "<p><em>a <strong>b</strong> c</em></p>"


def test_markdown_lists(elixir):
    out = html(elixir, "- one\n- two *em*\n  continued\n\n1. first\n2. second")
    assert out == "<ul><li>one</li><li>two <em>em</em>\ncontinued</li></ul>\n<ol><li>first</li><li>second</li></ol>"


def test_markdown_ordered_list_start(elixir):
    assert html(elixir, "3. three\n4. four") == '<ol start="3"><li>three</li><li>four</li></ol>'


def test_markdown_paragraphs(elixir):
    assert html(elixir, "one\ntwo\n\nthree") == "<p>one\ntwo</p>\n<p>three</p>"


def test_markdown_excerpt_cuts_at_word_boundary(elixir):
    text = " ".join(["word"] * 50)
    excerpt = elixir.apply("Blog.Markdown", "excerpt", [text, 22])
    assert excerpt == "word word word word…"


def test_markdown_safe_url(elixir):
    assert elixir.apply("Blog.Markdown", "safe_url?", ["https://example.com"]) is True
    assert elixir.apply("Blog.Markdown", "safe_url?", [" JAVASCRIPT:x"]) is False


# ---------------------------------------------------------------------------
# Blog.Slug and Blog.ReadingTime
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("  Leading and trailing  ", "leading-and-trailing"),
        ("C++ & Rust: 2025 edition", "c-rust-2025-edition"),
        ("Crème Brûlée", "crème-brûlée"),
        ("Party 🎉 time", "party-time"),
        ("already-a-slug", "already-a-slug"),
        ("---", ""),
    ],
)
def test_slugify(elixir, title, slug):
    assert elixir.apply("Blog.Slug", "slugify", [title]) == slug


def test_slugs_of_the_posts_match_their_titles(elixir, posts):
    for post in posts:
        assert elixir.apply("Blog.Slug", "slugify", [post.title]) == post.slug


@pytest.mark.parametrize("words", [0, 1, 199, 200, 201, 399, 400, 401, 1000])
def test_reading_time_at_200_words_per_minute(elixir, words):
    expected = max(1, -(-words // 200))  # rounded up, at least one minute
    text = " ".join(f"w{i}" for i in range(words))
    assert elixir.apply("Blog.ReadingTime", "minutes", [text]) == expected
    assert elixir.apply("Blog.ReadingTime", "words", [text]) == words


def test_reading_time_counts_runs_between_any_whitespace(elixir):
    assert elixir.apply("Blog.ReadingTime", "words", ["  a\tb\n\nc\r\nd   e  "]) == 5


# ---------------------------------------------------------------------------
# Blog.FrontMatter and Blog.Api
# ---------------------------------------------------------------------------


def test_front_matter_parse(elixir):
    text = '---\ntitle: "Testing: a guide"\n# a comment\ntags: A, b, , c\n---\n\nBody here\n'
    result = elixir.apply("Blog.FrontMatter", "parse", [text])
    assert result == (OK, {"title": "Testing: a guide", "tags": ["A", "b", "c"]}, "Body here\n")


def test_front_matter_missing(elixir):
    status, message = elixir.apply("Blog.FrontMatter", "parse", ["no front matter"])
    assert status == ERROR
    assert message.startswith("missing front matter")


def test_api_post_and_not_found(elixir):
    reply = elixir.apply("Blog.Api", "handle", [{"page": "post", "slug": "hello-world"}])
    assert reply["title"] == "Hello, World"
    assert reply["html"].startswith("<p>This blog is a little unusual")
    missing = elixir.apply("Blog.Api", "handle", [{"page": "post", "slug": "x"}])
    assert missing == {"error": "not_found", "message": 'no post with slug "x"'}


@pytest.mark.parametrize(
    ("request_", "fragment"),
    [
        ({"page": "post"}, 'needs a string "slug"'),
        ({"page": "tag", "tag": 3}, 'needs a string "tag"'),
        ({"page": "nope"}, 'unknown page "nope"'),
        ({"no": "page"}, 'expected an object with a "page" key'),
    ],
)
def test_api_bad_requests(elixir, request_, fragment):
    reply = elixir.apply("Blog.Api", "handle", [request_])
    assert reply["error"] == "bad_request"
    assert fragment in reply["message"]


def test_terms_module_is_consistent_with_python_mapping(elixir):
    value = {"k": [1, 2.5, None, True, Atom("a"), (1, "x"), b"\xff\x00"]}
    assert elixir.apply("PytestWasmblog.Terms", "to_json_value", [value]) == terms.encode(value)
