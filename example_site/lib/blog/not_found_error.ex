defmodule Blog.NotFoundError do
  @moduledoc "Raised by `Blog.Posts.get/1` when no post has the given slug."
  defexception [:slug, :message]

  @impl true
  def exception(opts) do
    slug =
      case :lists.keyfind(:slug, 1, opts) do
        {:slug, slug} -> slug
        false -> nil
      end

    %__MODULE__{slug: slug, message: message_for(slug)}
  end

  @doc "The message for a missing slug: `no post with slug \"...\"`."
  @spec message_for(term()) :: String.t()
  def message_for(slug) when is_binary(slug), do: "no post with slug \"" <> slug <> "\""
  def message_for(_slug), do: "no post with that slug (a slug is a string)"
end
