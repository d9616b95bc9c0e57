"""The reading list: `Blog.ReadingList` through the `elixir` fixture, and the page's
`reading_list` requests through the raw bridge (`popcorn`), as the page sends them.

The stored list is what the page keeps in localStorage: `[{"slug": ..., "read": bool}, ...]`.
Titles, reading times and totals are computed here from the Markdown files (`posts` fixtures).
"""

from __future__ import annotations

import json

import pytest

from pytest_wasmblog.terms import Atom

OK = Atom("ok")
ERROR = Atom("error")
ITEM_KEYS = {"slug", "title", "reading_minutes", "read"}
REPLY_KEYS = {"list", "items", "count", "unread_count", "total_minutes", "unread_minutes", "dropped"}
ACTIONS = "view, add, remove, mark_read, mark_unread"


def entry(slug: str, read: bool = False) -> dict:
    return {"slug": slug, "read": read}


def expected_view(entries: list[dict], posts_by_slug) -> dict:
    """What `Blog.ReadingList.view/1` should say about `entries`, from the Markdown files."""
    items = [
        {
            "slug": e["slug"],
            "title": posts_by_slug[e["slug"]].title,
            "reading_minutes": posts_by_slug[e["slug"]].reading_minutes,
            "read": e["read"],
        }
        for e in entries
    ]
    unread = [i for i in items if not i["read"]]
    return {
        "items": items,
        "count": len(items),
        "unread_count": len(unread),
        "total_minutes": sum(i["reading_minutes"] for i in items),
        "unread_minutes": sum(i["reading_minutes"] for i in unread),
    }


def reading_list(popcorn, action: str, stored, slug=None, **extra) -> dict:
    """One request as the page sends it; returns the handler's reply value."""
    request = {"page": "reading_list", "action": action, "list": stored, **extra}
    if slug is not None:
        request["slug"] = slug
    result = popcorn.call(request)
    assert result.ok, (result.error_code, result.error_message)
    assert result.data["ok"] is True, result.data
    return result.data["value"]


@pytest.fixture
def three(posts) -> list[str]:
    """Three slugs in an order that is neither date order nor its reverse."""
    slugs = [posts[-1].slug, posts[0].slug, posts[len(posts) // 2].slug]
    assert len(set(slugs)) == 3
    return slugs


# ---------------------------------------------------------------------------
# Blog.ReadingList (elixir fixture)
# ---------------------------------------------------------------------------


def test_add_appends_unread_in_the_order_added(elixir, three):
    entries: list = []
    for slug in three:
        status, entries = elixir.apply("Blog.ReadingList", "add", [entries, slug])
        assert status == OK
    assert entries == [entry(s) for s in three]
    assert all(e["read"] is False for e in entries)


def test_add_of_a_listed_post_keeps_its_place_and_read_flag(elixir, three):
    entries = [entry(three[0]), entry(three[1], True), entry(three[2])]
    assert elixir.apply("Blog.ReadingList", "add", [entries, three[1]]) == (OK, entries)
    assert elixir.apply("Blog.ReadingList", "add", [entries, three[0]]) == (OK, entries)


def test_add_of_an_unknown_slug_is_an_error_naming_it(elixir, posts):
    entries = [entry(posts[1].slug)]
    # slugs are exact: no case folding, no trimming
    for slug in ["does-not-exist", posts[0].slug.upper(), f" {posts[0].slug} ", ""]:
        status, message = elixir.apply("Blog.ReadingList", "add", [entries, slug])
        assert status == ERROR, slug
        assert message == f'no post with slug "{slug}"'


def test_remove_takes_out_only_that_post_and_ignores_absent_ones(elixir, posts, three):
    entries = [entry(three[0], True), entry(three[1]), entry(three[2], True)]
    assert elixir.apply("Blog.ReadingList", "remove", [entries, three[1]]) == [entries[0], entries[2]]
    absent = next(p.slug for p in posts if p.slug not in three)
    assert elixir.apply("Blog.ReadingList", "remove", [entries, absent]) == entries
    assert elixir.apply("Blog.ReadingList", "remove", [entries, "no-such-post"]) == entries
    assert elixir.apply("Blog.ReadingList", "remove", [[], three[0]]) == []


def test_mark_read_and_unread_keep_the_order(elixir, posts, three):
    entries = [entry(s) for s in three]
    marked = elixir.apply("Blog.ReadingList", "mark_read", [entries, three[1], True])
    assert marked == [entry(three[0]), entry(three[1], True), entry(three[2])]
    assert elixir.apply("Blog.ReadingList", "mark_read", [marked, three[1], True]) == marked
    assert elixir.apply("Blog.ReadingList", "mark_read", [marked, three[1], False]) == entries
    # marking a post that is not on the list does not add it
    absent = next(p.slug for p in posts if p.slug not in three)
    assert elixir.apply("Blog.ReadingList", "mark_read", [entries, absent, True]) == entries


def test_view_totals_match_the_posts(elixir, posts, posts_by_slug):
    # every post, oldest first, every other one read
    entries = [entry(p.slug, i % 2 == 1) for i, p in enumerate(reversed(posts))]
    view = elixir.apply("Blog.ReadingList", "view", [entries])
    want = expected_view(entries, posts_by_slug)
    assert view == want
    assert all(set(item) == ITEM_KEYS for item in view["items"])
    # the oracle is not degenerate: some minutes are read and some are not
    assert 0 < want["unread_minutes"] < want["total_minutes"]
    assert want["total_minutes"] == sum(p.reading_minutes for p in posts)


def test_view_of_the_empty_list(elixir):
    assert elixir.apply("Blog.ReadingList", "view", [[]]) == {
        "items": [], "count": 0, "unread_count": 0, "total_minutes": 0, "unread_minutes": 0,
    }


def test_normalize_of_empty_and_non_list_values(elixir, posts):
    # nothing stored is an empty list; any other non-list is one dropped value
    cases = [(None, 0), ([], 0), ("garbage", 1), (42, 1), (True, 1), ({"slug": posts[0].slug, "read": True}, 1)]
    for stored, dropped in cases:
        assert elixir.apply("Blog.ReadingList", "normalize", [stored]) == ([], dropped), stored


def test_normalize_drops_invalid_unknown_and_duplicate_entries(elixir, posts):
    a, b, c = posts[2].slug, posts[0].slug, posts[-1].slug
    stored = [
        "just-a-string",
        {"slug": a, "read": True},
        None,
        {"title": posts[1].title},          # no slug
        {"slug": 7, "read": True},          # slug not a string
        {"slug": "deleted-post"},           # no such post
        {"slug": b.upper()},                # slugs are exact
        {"slug": a, "read": False},         # duplicate: the first one wins
        [a],
        {"slug": b, "read": False, "note": "extra keys are left out"},
        {"slug": b},                        # duplicate
        {"slug": c, "read": True},
    ]
    entries, dropped = elixir.apply("Blog.ReadingList", "normalize", [stored])
    assert entries == [entry(a, True), entry(b), entry(c, True)]
    assert dropped == 9


def test_normalize_coerces_read_to_a_boolean(elixir, posts):
    reads = [True, False, "true", 1, None, {"yes": True}, [True]]
    assert len(posts) > len(reads)
    stored = [{"slug": p.slug, "read": r} for p, r in zip(posts, reads, strict=False)]
    stored.append({"slug": posts[len(reads)].slug})  # no "read" at all
    entries, dropped = elixir.apply("Blog.ReadingList", "normalize", [stored])
    assert dropped == 0
    assert [e["slug"] for e in entries] == [e["slug"] for e in stored]
    assert [e["read"] for e in entries] == [True] + [False] * len(reads)
    assert all(e["read"] is True or e["read"] is False for e in entries)


# ---------------------------------------------------------------------------
# The page's requests (popcorn.call, plain JSON)
# ---------------------------------------------------------------------------


def test_api_view_of_nothing_stored(popcorn):
    empty = {"list": [], "items": [], "count": 0, "unread_count": 0, "total_minutes": 0, "unread_minutes": 0,
             "dropped": 0}
    assert reading_list(popcorn, "view", None) == empty
    assert reading_list(popcorn, "view", []) == empty
    result = popcorn.call({"page": "reading_list", "action": "view"})  # no "list" key at all
    assert result.ok and result.data == {"ok": True, "value": empty}


def test_api_session_as_the_page_runs_it(popcorn, posts_by_slug, three):
    """Each reply's list is stored and sent with the next request, as the page does."""
    a, b, c = three
    steps = [
        ("add", a, [entry(a)]),
        ("add", b, [entry(a), entry(b)]),
        ("add", c, [entry(a), entry(b), entry(c)]),
        ("mark_read", b, [entry(a), entry(b, True), entry(c)]),
        ("add", b, [entry(a), entry(b, True), entry(c)]),
        ("mark_read", c, [entry(a), entry(b, True), entry(c, True)]),
        ("remove", a, [entry(b, True), entry(c, True)]),
        ("mark_unread", b, [entry(b), entry(c, True)]),
        ("add", a, [entry(b), entry(c, True), entry(a)]),
        ("remove", a, [entry(b), entry(c, True)]),
        ("view", None, [entry(b), entry(c, True)]),
    ]
    stored = None
    for action, slug, want in steps:
        reply = reading_list(popcorn, action, stored, slug)
        assert set(reply) == REPLY_KEYS, (action, slug)
        assert reply["list"] == want, (action, slug)
        assert reply == {"list": want, "dropped": 0, **expected_view(want, posts_by_slug)}, (action, slug)
        # what the page stores survives a JSON round trip unchanged
        stored = json.loads(json.dumps(reply["list"]))


def test_api_cleans_corrupt_storage_and_counts_what_it_dropped(popcorn, posts, posts_by_slug):
    a, b = posts[1].slug, posts[3].slug
    stored = [{"slug": a, "read": "yes"}, {"read": True}, {"slug": "gone"}, 0, {"slug": a, "read": True},
              {"slug": b, "read": True}]
    reply = reading_list(popcorn, "mark_unread", stored, b)
    want = [entry(a), entry(b)]
    assert reply == {"list": want, "dropped": 4, **expected_view(want, posts_by_slug)}
    # the cleaned list comes back clean
    again = reading_list(popcorn, "view", reply["list"])
    assert again["dropped"] == 0 and again["list"] == want


def test_api_non_list_storage_is_replaced(popcorn, posts, posts_by_slug):
    slug = posts[0].slug
    want = {"list": [entry(slug)], "dropped": 1, **expected_view([entry(slug)], posts_by_slug)}
    # a double-encoded list, an object, a number, a boolean
    for stored in [json.dumps([entry(slug)]), {"0": entry(slug)}, 3.5, False]:
        assert reading_list(popcorn, "add", stored, slug) == want, stored


def test_api_add_of_an_unknown_slug_is_not_found(popcorn, posts):
    stored = [entry(posts[0].slug, True)]
    reply = reading_list(popcorn, "add", stored, "no-such-post")
    assert reply == {"error": "not_found", "message": 'no post with slug "no-such-post"'}
    # removing or marking an unknown post changes nothing
    for action in ("remove", "mark_read", "mark_unread"):
        assert reading_list(popcorn, action, stored, "no-such-post")["list"] == stored


@pytest.mark.parametrize(
    ("request_", "fragment"),
    [
        ({"page": "reading_list", "list": []}, f'page "reading_list" needs a string "action" ({ACTIONS})'),
        ({"page": "reading_list", "action": 1}, 'needs a string "action"'),
        ({"page": "reading_list", "action": "delete", "slug": "hello-world"},
         f'unknown reading_list action "delete"; known actions: {ACTIONS}'),
        ({"page": "reading_list", "action": "add", "list": []}, 'reading_list action "add" needs a string "slug"'),
        ({"page": "reading_list", "action": "mark_read", "slug": ["hello-world"]},
         'reading_list action "mark_read" needs a string "slug"'),
        ({"page": "reading_lists"},
         'unknown page "reading_lists"; known pages: index, post, tag, search, reading_list'),
    ],
)
def test_api_bad_requests_say_what_is_wrong(popcorn, request_, fragment):
    result = popcorn.call(request_)
    assert result.ok and result.data["ok"] is True
    reply = result.data["value"]
    assert reply["error"] == "bad_request"
    assert fragment in reply["message"]
    assert set(reply) == {"error", "message"}
