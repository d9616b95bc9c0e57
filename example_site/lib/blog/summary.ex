defmodule Blog.Summary do
  @moduledoc """
  A post as the index, tag and search pages list it: a map with string keys, so its JSON is
  plain. Its own module because `Blog.Api` also calls it while compiling, to write the index
  page's reply once.
  """

  @doc """
  The summary of a post: `%{"slug", "title", "date", "tags", "reading_minutes", "excerpt"}`.

      iex> Blog.Posts.listed() |> hd() |> Blog.Summary.of() |> Map.keys()
      ["date", "excerpt", "reading_minutes", "slug", "tags", "title"]
  """
  @spec of(Blog.Posts.post() | Blog.Posts.listed()) :: map()
  def of(post) do
    %{
      "slug" => post.slug,
      "title" => post.title,
      "date" => post.date,
      "tags" => post.tags,
      "reading_minutes" => post.reading_minutes,
      "excerpt" => post.excerpt
    }
  end
end
