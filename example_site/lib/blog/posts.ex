defmodule Blog.Posts do
  @moduledoc """
  The blog's posts. They are read from `example_site/posts/*.md` and parsed when this module
  is compiled (the browser VM has no file system), so every function here only looks at
  data built into the module.

  A post is a map with the keys `:slug`, `:title`, `:date` (`"YYYY-MM-DD"`), `:tags` (a list
  of lowercase strings), `:body_markdown`, `:excerpt` (`Blog.Markdown.excerpt/1` of the body)
  and `:reading_minutes` (200 words per minute, rounded up, at least 1).

  Excerpts and each post's HTML (`html/1`) are rendered here at compile time too: the posts
  cannot change at run time, and rendering Markdown in the browser VM cost 61 ms for the index
  page's 8 excerpts on every request.
  """

  @posts_dir Path.expand("../../posts", __DIR__)
  @post_files @posts_dir |> Path.join("*.md") |> Path.wildcard() |> Enum.sort()

  for file <- @post_files do
    @external_resource file
  end

  # Also recompile when a post is added or removed.
  @external_resource @posts_dir

  if @post_files == [] do
    raise ArgumentError, "no posts found in " <> @posts_dir
  end

  # Runs at compile time only (a function in the module body is not part of the module), so
  # File and Path stay out of the runtime bundle.
  load! = fn path ->
    file = "posts/" <> Path.basename(path)
    fail! = fn reason -> raise ArgumentError, file <> ": " <> reason end

    {meta, body} =
      case Blog.FrontMatter.parse(File.read!(path)) do
        {:ok, meta, body} -> {meta, body}
        {:error, reason} -> fail!.(reason)
      end

    required! = fn key ->
      case Map.get(meta, key) do
        value when is_binary(value) and value != "" -> value
        _ -> fail!.("front matter needs a " <> key <> ": line")
      end
    end

    title = required!.("title")
    date = required!.("date")

    date? =
      case date do
        <<y::binary-size(4), ?-, m::binary-size(2), ?-, d::binary-size(2)>> ->
          Enum.all?(String.to_charlist(y <> m <> d), &(&1 in ?0..?9)) and m >= "01" and
            m <= "12" and d >= "01" and d <= "31"

        _ ->
          false
      end

    if not date? do
      fail!.("date must be written YYYY-MM-DD, got " <> date)
    end

    slug = Map.get(meta, "slug") || Blog.Slug.slugify(title)

    if slug == "" do
      fail!.("the title gives an empty slug; add a slug: line")
    end

    %{
      slug: slug,
      title: title,
      date: date,
      tags: meta |> Map.get("tags", []) |> Enum.map(&String.downcase/1) |> Enum.uniq(),
      body_markdown: body,
      excerpt: Blog.Markdown.excerpt(body),
      reading_minutes: Blog.ReadingTime.minutes(body)
    }
  end

  @posts @post_files
         |> Enum.map(load!)
         |> Enum.sort(fn a, b -> a.date > b.date or (a.date == b.date and a.title <= b.title) end)

  @by_slug Map.new(@posts, &{&1.slug, &1})

  if map_size(@by_slug) != length(@posts) do
    duplicates = (@posts |> Enum.map(& &1.slug)) -- Map.keys(@by_slug)
    raise ArgumentError, "two posts have the same slug: " <> Enum.join(duplicates, ", ")
  end

  # What lists show, without the bodies: a module's literal is copied onto the caller's heap each
  # time it is read, so the index does not carry every post's Markdown along.
  @listed Enum.map(@posts, &Map.delete(&1, :body_markdown))

  @tags @posts
        |> Enum.flat_map(& &1.tags)
        |> Enum.frequencies()
        |> Enum.sort()

  # {post, lowercase title and body}, newest first
  @search_index Enum.map(@posts, &{&1, String.downcase(&1.title <> "\n" <> &1.body_markdown)})

  @type post :: %{
          slug: String.t(),
          title: String.t(),
          date: String.t(),
          tags: [String.t()],
          body_markdown: String.t(),
          excerpt: String.t(),
          reading_minutes: pos_integer()
        }

  @type listed :: %{
          slug: String.t(),
          title: String.t(),
          date: String.t(),
          tags: [String.t()],
          excerpt: String.t(),
          reading_minutes: pos_integer()
        }

  @doc ~S"""
  All posts, newest first (by date, then by title).

      iex> length(Blog.Posts.all())
      8
      iex> Blog.Posts.all() |> Enum.map(& &1.date) |> Enum.take(3)
      ["2025-04-14", "2025-03-31", "2025-03-17"]
      iex> List.last(Blog.Posts.all()).slug
      "hello-world"
  """
  @spec all() :: [post()]
  def all, do: @posts

  @doc ~S"""
  All posts without their bodies, newest first: what the lists of posts show.

      iex> Blog.Posts.listed() |> hd() |> Map.keys() |> Enum.sort()
      [:date, :excerpt, :reading_minutes, :slug, :tags, :title]
      iex> Enum.map(Blog.Posts.listed(), & &1.slug) == Enum.map(Blog.Posts.all(), & &1.slug)
      true
  """
  @spec listed() :: [listed()]
  def listed, do: @listed

  @doc ~S"""
  The post's body as HTML (`Blog.Markdown.to_html/1`, rendered when this module was compiled),
  or `:error` when no post has `slug`.

      iex> {:ok, html} = Blog.Posts.html("hello-world")
      iex> html == Blog.Markdown.to_html(Blog.Posts.get("hello-world").body_markdown)
      true
      iex> Blog.Posts.html("no-such-post")
      :error
  """
  @spec html(String.t()) :: {:ok, String.t()} | :error
  # One clause per post, so reading one post's HTML copies only that post's literal.
  for post <- @posts do
    def html(unquote(post.slug)), do: {:ok, unquote(Blog.Markdown.to_html(post.body_markdown))}
  end

  def html(slug) when is_binary(slug), do: :error

  @doc ~S"""
  The post with `slug`, or `:error`.

      iex> {:ok, post} = Blog.Posts.fetch("hello-world")
      iex> {post.title, post.date, post.tags}
      {"Hello, World", "2025-01-06", ["elixir", "webassembly", "meta"]}
      iex> Blog.Posts.fetch("Hello-World")
      :error
  """
  @spec fetch(String.t()) :: {:ok, post()} | :error
  def fetch(slug) when is_binary(slug) do
    case @by_slug do
      %{^slug => post} -> {:ok, post}
      _ -> :error
    end
  end

  @doc ~S"""
  The post with `slug`; raises `Blog.NotFoundError` when there is none.

      iex> Blog.Posts.get("a-markdown-renderer-without-regex").title
      "A Markdown Renderer Without Regex"
      iex> Blog.Posts.get("no-such-post")
      ** (Blog.NotFoundError) no post with slug "no-such-post"
  """
  @spec get(String.t()) :: post()
  def get(slug) when is_binary(slug) do
    case fetch(slug) do
      {:ok, post} -> post
      :error -> raise Blog.NotFoundError, slug: slug
    end
  end

  @doc ~S"""
  Posts tagged `tag` (case-insensitive), newest first.

      iex> Blog.Posts.by_tag(" Testing ") |> Enum.map(& &1.slug)
      ["round-trips-testing-a-json-codec", "testing-what-the-browser-actually-runs"]
      iex> Blog.Posts.by_tag("cobol")
      []
  """
  @spec by_tag(String.t()) :: [post()]
  def by_tag(tag) when is_binary(tag) do
    tag = tag |> String.trim() |> String.downcase()
    for post <- @posts, :lists.member(tag, post.tags), do: post
  end

  @doc ~S"""
  Every tag with the number of posts that have it, sorted by tag: `[{"elixir", 3}, ...]`.

      iex> Blog.Posts.tags() |> Enum.take(3)
      [{"atomvm", 1}, {"browsers", 2}, {"design", 1}]
      iex> List.keyfind(Blog.Posts.tags(), "elixir", 0)
      {"elixir", 5}
  """
  @spec tags() :: [{String.t(), pos_integer()}]
  def tags, do: @tags

  @doc """
  Posts whose title or body contains every word of `query` (case-insensitive substring
  match), newest first. A query without words finds nothing.

      iex> Blog.Posts.search("REGEX") |> Enum.map(& &1.slug)
      ["a-markdown-renderer-without-regex", "why-atomvm-fits-in-a-browser-tab"]
      iex> Blog.Posts.search("binary pattern") |> length()
      2
      iex> Blog.Posts.search("   ")
      []
  """
  @spec search(String.t()) :: [post()]
  def search(query) when is_binary(query) do
    case query |> String.downcase() |> String.split() do
      [] -> []
      words -> for {post, text} <- @search_index, all_in?(words, text), do: post
    end
  end

  defp all_in?([], _text), do: true

  defp all_in?([word | rest], text),
    do: :binary.match(text, word) != :nomatch and all_in?(rest, text)
end
