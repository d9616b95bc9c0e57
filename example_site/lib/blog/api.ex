defmodule Blog.Api do
  @moduledoc """
  What the blog's page asks the VM for (via `popcorn.call`). Requests and replies are maps
  with string keys, so their JSON is plain:

    * `%{"page" => "index"}` -> `%{"posts" => [summary], "tags" => [%{"tag" => t, "count" => n}]}`
    * `%{"page" => "post", "slug" => slug}` -> `%{"slug", "title", "date", "tags",
      "reading_minutes", "html"}` or `%{"error" => "not_found", "message" => ...}`
    * `%{"page" => "tag", "tag" => tag}` -> `%{"tag" => tag, "posts" => [summary]}`
    * `%{"page" => "search", "q" => q}` -> `%{"q" => q, "posts" => [summary]}`

  A summary is `%{"slug", "title", "date", "tags", "reading_minutes", "excerpt"}`. Anything
  else gets `%{"error" => "bad_request", "message" => ...}`.
  """

  alias Blog.{Markdown, Posts}

  @doc "Answers one page request."
  @spec handle(term()) :: map()
  def handle(%{"page" => "index"}) do
    %{
      "posts" => Enum.map(Posts.all(), &summary/1),
      "tags" => Enum.map(Posts.tags(), fn {tag, count} -> %{"tag" => tag, "count" => count} end)
    }
  end

  def handle(%{"page" => "post", "slug" => slug}) when is_binary(slug) do
    case Posts.fetch(slug) do
      {:ok, post} ->
        %{
          "slug" => post.slug,
          "title" => post.title,
          "date" => post.date,
          "tags" => post.tags,
          "reading_minutes" => post.reading_minutes,
          "html" => Markdown.to_html(post.body_markdown)
        }

      :error ->
        %{"error" => "not_found", "message" => Blog.NotFoundError.message_for(slug)}
    end
  end

  def handle(%{"page" => "tag", "tag" => tag}) when is_binary(tag) do
    %{"tag" => tag, "posts" => Enum.map(Posts.by_tag(tag), &summary/1)}
  end

  def handle(%{"page" => "search", "q" => query}) when is_binary(query) do
    %{"q" => query, "posts" => Enum.map(Posts.search(query), &summary/1)}
  end

  def handle(%{"page" => page}) when page in ["post", "tag", "search"] do
    bad_request("page \"" <> page <> "\" needs a string \"" <> param(page) <> "\"")
  end

  def handle(%{"page" => page}) when is_binary(page) do
    bad_request("unknown page \"" <> page <> "\"; known pages: index, post, tag, search")
  end

  def handle(_request) do
    bad_request("expected an object with a \"page\" key (index, post, tag or search)")
  end

  @doc "The summary of a post shown in lists (index, tag and search pages)."
  @spec summary(Posts.post()) :: map()
  def summary(post) do
    %{
      "slug" => post.slug,
      "title" => post.title,
      "date" => post.date,
      "tags" => post.tags,
      "reading_minutes" => post.reading_minutes,
      "excerpt" => Markdown.excerpt(post.body_markdown)
    }
  end

  defp param("post"), do: "slug"
  defp param("tag"), do: "tag"
  defp param("search"), do: "q"

  defp bad_request(message), do: %{"error" => "bad_request", "message" => message}
end
