defmodule Blog.PostsTest do
  use ExUnit.Case, async: true
  doctest Blog.Posts
  # The summaries the list pages show are made from these posts.
  doctest Blog.Summary

  alias Blog.{Markdown, Posts, Slug}

  # The posts are built into Blog.Posts when it is compiled: no file is read here.
  setup_all do
    posts = Posts.all()
    %{posts: posts, slugs: Enum.map(posts, & &1.slug)}
  end

  # Reads a post in a worker process, as a caller would with a task: the worker's failure
  # becomes an exit of the caller.
  defp get_in_worker(slug) do
    {pid, ref} =
      spawn_monitor(fn ->
        try do
          exit({:ok, Posts.get(slug)})
        rescue
          error in Blog.NotFoundError -> exit({:not_found, error.message})
        end
      end)

    receive do
      {:DOWN, ^ref, :process, ^pid, {:ok, post}} -> post
      {:DOWN, ^ref, :process, ^pid, reason} -> exit(reason)
    end
  end

  describe "all/0" do
    test "every post has the documented keys, newest first; tags are lowercase and unique", %{posts: posts} do
      dates = Enum.map(posts, & &1.date)
      assert dates == Enum.sort(dates, :desc)

      for post <- posts do
        assert %{slug: slug, title: title, date: date, tags: tags, body_markdown: body, excerpt: excerpt,
                 reading_minutes: minutes} = post

        assert map_size(post) == 7
        assert is_binary(slug) and is_binary(title) and is_binary(body)
        assert excerpt == Markdown.excerpt(body)
        assert <<_::binary-size(4), ?-, _::binary-size(2), ?-, _::binary-size(2)>> = date
        assert is_integer(minutes) and minutes >= 1
        assert tags == Enum.uniq(Enum.map(tags, &String.downcase/1)), "#{slug} has tags #{inspect(tags)}"
      end
    end

    test "slugs are unique and are the slugified titles", %{posts: posts, slugs: slugs} do
      assert length(Enum.uniq(slugs)) == length(slugs), "duplicate slugs: #{inspect(slugs -- Enum.uniq(slugs))}"

      for post <- posts do
        assert post.slug == Slug.slugify(post.title)
      end
    end

    @tag :security
    test "bodies hold no front matter and render without a raw <script>", %{posts: posts} do
      for post <- posts do
        refute String.starts_with?(post.body_markdown, "---"), "#{post.slug}'s body starts with ---"
        html = Markdown.to_html(post.body_markdown)
        assert String.starts_with?(html, "<p>") or String.starts_with?(html, "<h")
        refute String.contains?(html, "<script"), "#{post.slug} renders a script tag"
      end
    end
  end

  describe "fetch/1 and get/1" do
    test "find every post by its slug", %{posts: posts} do
      for post <- posts do
        assert Posts.fetch(post.slug) == {:ok, post}
        assert Posts.get(post.slug) == post
      end
    end

    @tag :unicode
    test "slugs are matched exactly: no trimming, no case folding" do
      for slug <- ["Hello-World", " hello-world", "hello-world/", "hello", "", "café-日本語-🎉"] do
        assert Posts.fetch(slug) == :error, "#{inspect(slug)} should not name a post"
      end
    end

    test "get/1 raises Blog.NotFoundError for an unknown slug, FunctionClauseError for a non-string" do
      error = assert_raise Blog.NotFoundError, ~s(no post with slug "nope"), fn -> Posts.get("nope") end
      assert error.slug == "nope"
      assert_raise FunctionClauseError, fn -> Posts.get(nil) end
    end

    test "a worker that fails to find a post makes its caller exit" do
      assert get_in_worker("hello-world").title == "Hello, World"
      assert catch_exit(get_in_worker("gone")) == {:not_found, ~s(no post with slug "gone")}
    end
  end

  describe "by_tag/1 and tags/0" do
    test "every tag finds exactly as many posts as tags/0 counts" do
      for {tag, count} <- Posts.tags() do
        assert length(Posts.by_tag(tag)) == count, "tag #{tag}"
      end
    end

    test "tags/0 is sorted and counts each tagging once", %{posts: posts} do
      all_tags = Enum.flat_map(posts, & &1.tags)
      assert Enum.map(Posts.tags(), &elem(&1, 0)) == Enum.sort(Enum.uniq(all_tags))
      assert Enum.sum(Enum.map(Posts.tags(), &elem(&1, 1))) == length(all_tags)
    end

    test "the tag is trimmed and case-insensitive, newest first; unknown tags find nothing" do
      assert Posts.by_tag("  ELIXIR\n") == Posts.by_tag("elixir")
      assert Enum.map(Posts.by_tag("browsers"), & &1.date) == ["2025-03-31", "2025-03-03"]
      assert Posts.by_tag("") == []
      assert Posts.by_tag("élixir") == []
    end
  end

  describe "search/1" do
    test "every word must match the title or body, case-insensitively, in any order" do
      found = Posts.search("ReGeX BINARY")
      assert Enum.map(found, & &1.slug) == ["a-markdown-renderer-without-regex", "why-atomvm-fits-in-a-browser-tab"]
      assert Posts.search("binary regex") == found
      assert Posts.search("regex zzzunlikely") == []
    end

    test "finds every post by its own title", %{posts: posts} do
      for post <- posts do
        assert post in Posts.search(post.title), "#{inspect(post.title)} does not find its post"
      end
    end

    @tag :unicode
    test "a blank query finds nothing, and Unicode queries do not crash" do
      assert Posts.search("") == []
      assert Posts.search(" \t\n ") == []
      assert Posts.search("日本語 🎉") == []
    end

    @tag :long_input
    test "a long query is answered" do
      assert Posts.search(String.duplicate("elixir ", 500)) == Posts.search("elixir")
    end

    test "the first post with a long read can be picked out early", %{posts: posts} do
      first_long =
        catch_throw(
          Enum.each(posts, fn post ->
            if post.reading_minutes >= 3, do: throw(post.slug)
          end)
        )

      assert first_long == "why-atomvm-fits-in-a-browser-tab"
    end
  end
end
