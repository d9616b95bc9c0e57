defmodule Blog.FrontMatter do
  @moduledoc """
  Parses the front matter at the top of a post:

      ---
      title: Hello, World
      date: 2025-01-06
      tags: elixir, webassembly
      ---
      The body...

  `parse/1` returns `{:ok, meta, body}` where `meta` maps each key (a string) to its value
  (a trimmed string, without surrounding double quotes if it has them; the value of `tags`
  is split on commas into a list of trimmed, non-empty strings) and `body` is the text after the closing `---` line. Blank lines and
  lines starting with `#` inside the front matter are ignored. No Regex: it runs in the
  browser VM as well as at compile time.
  """

  @doc ~S"""
  Splits `text` into its front matter and body.

      iex> Blog.FrontMatter.parse("---\ntitle: \"Testing: a guide\"\ntags: elixir, , Testing\n---\n\nThe body.")
      {:ok, %{"title" => "Testing: a guide", "tags" => ["elixir", "Testing"]}, "The body."}
      iex> Blog.FrontMatter.parse("---\n# a comment\n\ndate: 2025-01-06\n---\n")
      {:ok, %{"date" => "2025-01-06"}, ""}

  Errors say what is wrong, and where (line numbers count from the opening `---`, line 1):

      iex> Blog.FrontMatter.parse("Just a body, no front matter.")
      {:error, "missing front matter: the text must start with a line \"---\", then key: value lines, then \"---\""}
      iex> Blog.FrontMatter.parse("---\ntitle Hello\n---\n")
      {:error, "front matter line 2 is not \"key: value\": title Hello"}
      iex> Blog.FrontMatter.parse("---\ntitle: Hello\n")
      {:error, "front matter is not closed: add a line \"---\" after the last key: value line"}
  """
  @spec parse(String.t()) ::
          {:ok, %{String.t() => String.t() | [String.t()]}, String.t()} | {:error, String.t()}
  def parse(text) when is_binary(text) do
    text = strip_bom(text)

    case :binary.split(text, "\n") do
      [first, rest] ->
        if delimiter?(first) do
          parse_lines(:binary.split(rest, "\n", [:global]), 2, [])
        else
          missing()
        end

      [_only_line] ->
        missing()
    end
  end

  def parse(_other), do: {:error, "front matter: expected the text of a post (a string)"}

  defp missing do
    {:error,
     "missing front matter: the text must start with a line \"---\", then key: value lines, then \"---\""}
  end

  defp strip_bom(<<0xEF, 0xBB, 0xBF, rest::binary>>), do: rest
  defp strip_bom(text), do: text

  defp delimiter?(line), do: trim(line) == "---"

  defp parse_lines([], _line_no, _acc) do
    {:error, "front matter is not closed: add a line \"---\" after the last key: value line"}
  end

  defp parse_lines([line | rest], line_no, acc) do
    stripped = trim(line)

    cond do
      stripped == "---" ->
        {:ok, :maps.from_list(:lists.reverse(acc)), body(rest)}

      stripped == "" or :binary.first(stripped) == ?# ->
        parse_lines(rest, line_no + 1, acc)

      true ->
        case :binary.split(stripped, ":") do
          [key, value] when key != "" ->
            key = trim(key)
            parse_lines(rest, line_no + 1, [{key, value(key, trim(value))} | acc])

          _ ->
            {:error,
             "front matter line " <>
               :erlang.integer_to_binary(line_no) <>
               " is not \"key: value\": " <> stripped}
        end
    end
  end

  defp value("tags", value) do
    for tag <- :binary.split(value, ",", [:global]), tag = trim(tag), tag != "", do: tag
  end

  defp value(_key, value), do: unquote_value(value)

  # `title: "Testing: a guide"` -> Testing: a guide
  defp unquote_value(<<?", _::binary>> = value) when byte_size(value) >= 2 do
    case :binary.last(value) do
      ?" -> :binary.part(value, 1, byte_size(value) - 2)
      _ -> value
    end
  end

  defp unquote_value(value), do: value

  # The body starts after the closing line; blank lines right after it are dropped.
  defp body(lines) do
    lines
    |> drop_blank()
    |> Enum.join("\n")
  end

  defp drop_blank([line | rest] = lines) do
    if trim(line) == "", do: drop_blank(rest), else: lines
  end

  defp drop_blank([]), do: []

  defp trim(text), do: String.trim(text)
end
