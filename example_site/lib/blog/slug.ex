defmodule Blog.Slug do
  @moduledoc """
  URL slugs from titles: `slugify("Hello, World!")` is `"hello-world"`.

  The title is downcased; ASCII letters and digits are kept, as are non-ASCII letters
  (characters that have an upper and a lower case, such as `é`); every run of other
  characters (spaces, punctuation, dashes, emoji) becomes one `-`, and leading and trailing
  dashes are dropped.
  """

  @doc ~S"""
  Turns a title into a URL slug.

      iex> Blog.Slug.slugify("Hello, World!")
      "hello-world"
      iex> Blog.Slug.slugify("Café au Lait: Ça va?")
      "café-au-lait-ça-va"
      iex> Blog.Slug.slugify("  I ❤️ Elixir 1.14 -- & OTP 25!  ")
      "i-elixir-1-14-otp-25"

  Characters without case, such as CJK ideographs, are separators, so a title written only
  with them has an empty slug (a post needs a `slug:` line then):

      iex> Blog.Slug.slugify("日本語のタイトル")
      ""
  """
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
