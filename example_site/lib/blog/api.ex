defmodule Blog.Api do
  @moduledoc """
  What the blog's page asks the VM for (via `popcorn.call`). Requests and replies are maps
  with string keys, so their JSON is plain:

    * `%{"page" => "index"}` -> `%{"posts" => [summary], "tags" => [%{"tag" => t, "count" => n}]}`
    * `%{"page" => "post", "slug" => slug}` -> `%{"slug", "title", "date", "tags",
      "reading_minutes", "html"}` or `%{"error" => "not_found", "message" => ...}`
    * `%{"page" => "tag", "tag" => tag}` -> `%{"tag" => tag, "posts" => [summary]}`
    * `%{"page" => "search", "q" => q}` -> `%{"q" => q, "posts" => [summary]}`
    * `%{"page" => "reading_list", "action" => action, "list" => stored}` (with `"slug"` for
      every action but `"view"`) -> `%{"list" => new_stored_list, "items" => [item],
      "count", "unread_count", "total_minutes", "unread_minutes", "dropped" => n}`, or
      `%{"error" => "not_found", "message" => ...}` when `"add"` names no post

  A summary is `%{"slug", "title", "date", "tags", "reading_minutes", "excerpt"}`
  (`Blog.Summary.of/1`). Anything else gets `%{"error" => "bad_request", "message" => ...}`.

  The index page cannot change while the VM runs (the posts are compiled in), so its reply is
  written as JSON once, when this module is compiled, and sent as it is
  (`PytestWasmblog.JSON.fragment!/1`).

  ## Reading list

  `"list"` is the reading list the page stored (`localStorage`), as decoded JSON; a missing
  `"list"` or `null` is an empty list. It is checked with `Blog.ReadingList.normalize/1`
  first: invalid, unknown and duplicate entries are left out of the returned `"list"` and
  counted in `"dropped"`. Then `"action"` is applied:

    * `"view"`: no change
    * `"add"`: appends the post `"slug"` unread (no change when it is already on the list)
    * `"remove"`: removes the post `"slug"` (no change when it is not on the list)
    * `"mark_read"` / `"mark_unread"`: sets the read flag of the post `"slug"` (no change
      when it is not on the list)

  The page stores the returned `"list"` in place of the one it sent. An item is
  `%{"slug", "title", "reading_minutes", "read"}` (see `Blog.ReadingList.view/1`).
  """

  require Logger

  alias Blog.{Posts, ReadingList, Summary}

  @pages "index, post, tag, search, reading_list"
  @reading_list_actions ["view", "add", "remove", "mark_read", "mark_unread"]

  # Encoding this reply in the VM on every request cost 22-28 ms; the bridge sends a fragment
  # as it is.
  @index PytestWasmblog.JSON.fragment!(
           PytestWasmblog.JSON.encode!(%{
             "posts" => Enum.map(Posts.listed(), &Summary.of/1),
             "tags" =>
               Enum.map(Posts.tags(), fn {tag, count} -> %{"tag" => tag, "count" => count} end)
           })
         )

  @doc "Answers one page request."
  @spec handle(term()) :: map() | PytestWasmblog.JSON.Fragment.t()
  def handle(%{"page" => "index"}), do: @index

  def handle(%{"page" => "post", "slug" => slug}) when is_binary(slug) do
    with {:ok, post} <- Posts.fetch(slug), {:ok, html} <- Posts.html(slug) do
      %{
        "slug" => post.slug,
        "title" => post.title,
        "date" => post.date,
        "tags" => post.tags,
        "reading_minutes" => post.reading_minutes,
        "html" => html
      }
    else
      :error ->
        %{"error" => "not_found", "message" => Blog.NotFoundError.message_for(slug)}
    end
  end

  def handle(%{"page" => "tag", "tag" => tag}) when is_binary(tag) do
    %{"tag" => tag, "posts" => Enum.map(Posts.by_tag(tag), &Summary.of/1)}
  end

  def handle(%{"page" => "search", "q" => query}) when is_binary(query) do
    %{"q" => query, "posts" => Enum.map(Posts.search(query), &Summary.of/1)}
  end

  def handle(%{"page" => "reading_list"} = request) do
    case request do
      %{"action" => action} when action in @reading_list_actions ->
        reading_list(action, Map.get(request, "slug"), Map.get(request, "list"))

      %{"action" => action} when is_binary(action) ->
        bad_request(
          "unknown reading_list action \"" <> action <> "\"; known actions: " <>
            Enum.join(@reading_list_actions, ", ")
        )

      _no_action ->
        bad_request(
          "page \"reading_list\" needs a string \"action\" (" <>
            Enum.join(@reading_list_actions, ", ") <> ")"
        )
    end
  end

  def handle(%{"page" => page}) when page in ["post", "tag", "search"] do
    bad_request("page \"" <> page <> "\" needs a string \"" <> param(page) <> "\"")
  end

  def handle(%{"page" => page}) when is_binary(page) do
    bad_request("unknown page \"" <> page <> "\"; known pages: " <> @pages, page)
  end

  def handle(_request) do
    bad_request("expected an object with a \"page\" key (" <> @pages <> ")")
  end

  defp reading_list("view", _slug, stored), do: reading_list_reply(stored, &{:ok, &1})

  defp reading_list(action, slug, _stored) when not is_binary(slug) do
    bad_request("reading_list action \"" <> action <> "\" needs a string \"slug\"")
  end

  defp reading_list("add", slug, stored),
    do: reading_list_reply(stored, &ReadingList.add(&1, slug))

  defp reading_list("remove", slug, stored),
    do: reading_list_reply(stored, &{:ok, ReadingList.remove(&1, slug)})

  defp reading_list("mark_read", slug, stored),
    do: reading_list_reply(stored, &{:ok, ReadingList.mark_read(&1, slug, true)})

  defp reading_list("mark_unread", slug, stored),
    do: reading_list_reply(stored, &{:ok, ReadingList.mark_read(&1, slug, false)})

  defp reading_list_reply(stored, change) do
    {entries, dropped} = ReadingList.normalize(stored)

    case change.(entries) do
      {:ok, entries} ->
        entries
        |> ReadingList.view()
        |> Map.merge(%{"list" => entries, "dropped" => dropped})

      {:error, message} ->
        %{"error" => "not_found", "message" => message}
    end
  end

  defp param("post"), do: "slug"
  defp param("tag"), do: "tag"
  defp param("search"), do: "q"

  # A bad request is a bug in the page, not the reader's doing: it is logged as an error, so it
  # reaches the site's telemetry with the request's page.
  defp bad_request(message, page \\ nil) do
    Logger.error("bad request from the page: " <> message, reason: :bad_request, page: page)
    %{"error" => "bad_request", "message" => message}
  end
end
