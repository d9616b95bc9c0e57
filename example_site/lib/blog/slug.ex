defmodule Blog.Slug do
  @moduledoc """
  URL slugs from titles: `slugify("Hello, World!")` is `"hello-world"`.

  The title is downcased; ASCII letters and digits are kept, as are non-ASCII letters
  (characters that have an upper and a lower case, such as `é`); every run of other
  characters (spaces, punctuation, dashes, emoji) becomes one `-`, and leading and trailing
  dashes are dropped.
  """

  @doc "Turns a title into a URL slug."
  @spec slugify(String.t()) :: String.t()
  def slugify(title) when is_binary(title) do
    title
    |> String.downcase()
    |> slug_chars([], false)
    |> :erlang.iolist_to_binary()
  end

  # pending_dash: a separator was seen since the last kept character
  defp slug_chars(<<>>, acc, _pending_dash), do: acc

  defp slug_chars(<<c, rest::binary>>, acc, pending_dash)
       when (c >= ?a and c <= ?z) or (c >= ?0 and c <= ?9) do
    slug_chars(rest, keep(acc, c, pending_dash), false)
  end

  defp slug_chars(<<c::utf8, rest::binary>>, acc, pending_dash) when c >= 0x80 do
    char = <<c::utf8>>

    if String.upcase(char) != String.downcase(char) do
      slug_chars(rest, keep(acc, char, pending_dash), false)
    else
      slug_chars(rest, acc, true)
    end
  end

  defp slug_chars(<<_, rest::binary>>, acc, _pending_dash), do: slug_chars(rest, acc, true)

  defp keep([], char, _pending_dash), do: [char]
  defp keep(acc, char, true), do: [acc, ?-, char]
  defp keep(acc, char, false), do: [acc, char]
end
