defmodule Blog.ReadingTime do
  @moduledoc """
  Reading time at 200 words per minute, rounded up, at least one minute. A word is a run of
  characters between whitespace.
  """

  @words_per_minute 200

  @doc ~S"""
  Minutes needed to read `text` (an integer >= 1).

      iex> Blog.ReadingTime.minutes("A short note.")
      1
      iex> Blog.ReadingTime.minutes("")
      1
      iex> Blog.ReadingTime.minutes(String.duplicate("word ", 200))
      1
      iex> Blog.ReadingTime.minutes(String.duplicate("word ", 201))
      2
  """
  @spec minutes(String.t()) :: pos_integer()
  def minutes(text) when is_binary(text) do
    max(1, div(words(text) + @words_per_minute - 1, @words_per_minute))
  end

  @doc ~S"""
  Number of whitespace-separated words in `text`.

      iex> Blog.ReadingTime.words("  Hello,\tworld!\r\nHow are   you?  ")
      5
      iex> Blog.ReadingTime.words("")
      0
      iex> Blog.ReadingTime.words("Café 🎉 日本語")
      3
  """
  @spec words(String.t()) :: non_neg_integer()
  def words(text) when is_binary(text), do: count(text, 0, false)

  defp count(<<>>, n, _in_word), do: n

  defp count(<<c, rest::binary>>, n, _in_word) when c in [?\s, ?\t, ?\n, ?\r, ?\f, ?\v],
    do: count(rest, n, false)

  defp count(<<_, rest::binary>>, n, true), do: count(rest, n, true)
  defp count(<<_, rest::binary>>, n, false), do: count(rest, n + 1, true)
end
