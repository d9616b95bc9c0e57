defmodule Blog.ReadingList do
  @moduledoc """
  The reader's reading list. The page keeps it in `localStorage` as JSON and sends it with
  every request; these pure functions check it, change it and describe it.

  An entry is `%{"slug" => slug, "read" => boolean}` (string keys, so the list's JSON is
  plain and can be stored as it is). The list is in the reader's order: an added post goes
  to the end.

  The functions other than `normalize/1` expect a list that `normalize/1` returned: every
  slug names a post and appears once.
  """

  alias Blog.Posts

  @type entry :: %{required(String.t()) => String.t() | boolean()}

  @doc """
  Turns whatever was decoded from the stored JSON into a valid list of entries and counts
  what had to be dropped. Returns `{entries, dropped}`.

  The stored value comes from `localStorage`, so it may be missing, corrupt or stale:

    * `nil` (nothing stored yet) is the empty list: `{[], 0}`.
    * Any other value that is not a list is dropped as a whole: `{[], 1}`.
    * In a list, an element is kept only when it is a map whose `"slug"` is a string naming
      an existing post (`Blog.Posts.fetch/1`; no trimming, no case folding). Every other
      element (not a map, no slug, a slug that is not a string, an unknown or deleted post)
      counts as one dropped entry.
    * When a slug appears more than once, the first entry is kept and each later one counts
      as dropped.
    * `"read"` is `true` only when it is the boolean `true`; a missing or non-boolean value
      (`"true"`, `1`, `nil`) becomes `false` without counting as dropped.
    * Other keys of an entry are left out of the result; they do not count as dropped.

  The order of the kept entries is the stored order.

      iex> Blog.ReadingList.normalize(nil)
      {[], 0}
      iex> Blog.ReadingList.normalize(%{"slug" => "hello-world"})
      {[], 1}
      iex> Blog.ReadingList.normalize([
      ...>   %{"slug" => "hello-world", "read" => "true", "note" => "kept out"},
      ...>   %{"slug" => "hello-world", "read" => true},
      ...>   %{"slug" => "a-deleted-post"},
      ...>   "not a map"
      ...> ])
      {[%{"slug" => "hello-world", "read" => false}], 3}
  """
  @spec normalize(term()) :: {[entry()], non_neg_integer()}
  def normalize(nil), do: {[], 0}
  def normalize(stored) when is_list(stored), do: normalize(stored, %{}, [], 0)
  def normalize(_stored), do: {[], 1}

  defp normalize([], _seen, kept, dropped), do: {:lists.reverse(kept), dropped}

  # An improper list (only possible from Elixir, not JSON): its tail is one dropped value.
  defp normalize(tail, _seen, kept, dropped) when not is_list(tail),
    do: {:lists.reverse(kept), dropped + 1}

  defp normalize([item | rest], seen, kept, dropped) do
    case valid_slug(item) do
      {:ok, slug} when not is_map_key(seen, slug) ->
        entry = %{"slug" => slug, "read" => Map.get(item, "read") == true}
        normalize(rest, Map.put(seen, slug, true), [entry | kept], dropped)

      _duplicate_or_invalid ->
        normalize(rest, seen, kept, dropped + 1)
    end
  end

  defp valid_slug(%{"slug" => slug}) when is_binary(slug) do
    case Posts.fetch(slug) do
      {:ok, _post} -> {:ok, slug}
      :error -> :error
    end
  end

  defp valid_slug(_item), do: :error

  @doc """
  Adds the post `slug` to the end of the list, unread. Returns `{:ok, entries}`.

  Adding a post that is already on the list changes nothing (it keeps its place and its
  read flag). A slug that names no post gives `{:error, message}`, the message naming the
  slug (`no post with slug "..."`).

      iex> {:ok, list} = Blog.ReadingList.add([], "hello-world")
      {:ok, [%{"slug" => "hello-world", "read" => false}]}
      iex> Blog.ReadingList.add(list, "hello-world")
      {:ok, [%{"slug" => "hello-world", "read" => false}]}
      iex> Blog.ReadingList.add(list, "no-such-post")
      {:error, ~s(no post with slug "no-such-post")}
  """
  @spec add([entry()], String.t()) :: {:ok, [entry()]} | {:error, String.t()}
  def add(entries, slug) when is_list(entries) and is_binary(slug) do
    cond do
      member?(entries, slug) ->
        {:ok, entries}

      Posts.fetch(slug) == :error ->
        {:error, Blog.NotFoundError.message_for(slug)}

      true ->
        {:ok, entries ++ [%{"slug" => slug, "read" => false}]}
    end
  end

  @doc """
  Removes the post `slug` from the list. Removing a post that is not on it changes nothing.

      iex> list = [%{"slug" => "hello-world", "read" => true}]
      iex> Blog.ReadingList.remove(list, "hello-world")
      []
      iex> Blog.ReadingList.remove(list, "small-modules-small-surprises")
      [%{"slug" => "hello-world", "read" => true}]
  """
  @spec remove([entry()], String.t()) :: [entry()]
  def remove(entries, slug) when is_list(entries) and is_binary(slug) do
    Enum.reject(entries, &slug?(&1, slug))
  end

  @doc """
  Sets the read flag of the post `slug` to `read?`, keeping its place. When the post is not
  on the list, nothing changes (marking does not add it).

      iex> list = [%{"slug" => "hello-world", "read" => false}]
      iex> Blog.ReadingList.mark_read(list, "hello-world", true)
      [%{"slug" => "hello-world", "read" => true}]
      iex> Blog.ReadingList.mark_read(list, "small-modules-small-surprises", true)
      [%{"slug" => "hello-world", "read" => false}]
  """
  @spec mark_read([entry()], String.t(), boolean()) :: [entry()]
  def mark_read(entries, slug, read?) when is_list(entries) and is_binary(slug) and is_boolean(read?) do
    Enum.map(entries, fn
      %{"slug" => ^slug} = entry -> %{entry | "read" => read?}
      entry -> entry
    end)
  end

  @doc """
  What the page shows for the list, as a map with string keys:

    * `"items"`: one `%{"slug", "title", "reading_minutes", "read"}` per entry, in list order
    * `"count"` and `"unread_count"`: the number of items, and of those not read
    * `"total_minutes"` and `"unread_minutes"`: the sum of the items' reading minutes, and of
      the unread ones

  An entry whose post does not exist is left out (a list from `normalize/1` has none).

      iex> Blog.ReadingList.view([])
      %{"items" => [], "count" => 0, "unread_count" => 0, "total_minutes" => 0, "unread_minutes" => 0}
      iex> view =
      ...>   Blog.ReadingList.view([
      ...>     %{"slug" => "hello-world", "read" => true},
      ...>     %{"slug" => "small-modules-small-surprises", "read" => false}
      ...>   ])
      iex> hd(view["items"])
      %{"slug" => "hello-world", "title" => "Hello, World", "reading_minutes" => 2, "read" => true}
      iex> Map.delete(view, "items")
      %{"count" => 2, "unread_count" => 1, "total_minutes" => 3, "unread_minutes" => 1}
  """
  @spec view([entry()]) :: map()
  def view(entries) when is_list(entries) do
    items =
      for %{"slug" => slug} = entry <- entries, {:ok, post} <- [Posts.fetch(slug)] do
        %{
          "slug" => post.slug,
          "title" => post.title,
          "reading_minutes" => post.reading_minutes,
          "read" => Map.get(entry, "read") == true
        }
      end

    unread = for %{"read" => false} = item <- items, do: item

    %{
      "items" => items,
      "count" => length(items),
      "unread_count" => length(unread),
      "total_minutes" => minutes(items),
      "unread_minutes" => minutes(unread)
    }
  end

  defp minutes(items),
    do: Enum.reduce(items, 0, fn %{"reading_minutes" => m}, sum -> sum + m end)

  defp member?(entries, slug), do: Enum.any?(entries, &slug?(&1, slug))

  defp slug?(%{"slug" => slug}, slug), do: true
  defp slug?(_entry, _slug), do: false
end
