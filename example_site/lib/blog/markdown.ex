defmodule Blog.Markdown do
  @moduledoc """
  A small Markdown renderer written with binary pattern matching only (the browser VM has
  no Regex).

  Blocks: `#`, `##`, `###` headings; paragraphs (separated by blank lines); fenced code
  blocks (```` ``` ```` with an optional language, contents escaped and not interpreted);
  unordered lists (`- ` or `* `) and ordered lists (`1. `), items may continue on indented
  lines.

  Inline: `*emphasis*`, `_emphasis_` (not inside words, so `snake_case` stays as is),
  `**strong**`, `` `code` ``, `[links](url)` and backslash escapes (`\\*`).

  All text is HTML-escaped (`&`, `<`, `>`, `"`, `'`). Link URLs are escaped too, and links
  to `javascript:`, `vbscript:` or `data:` URLs are refused: only their text is rendered.
  """

  @doc ~S"""
  Renders Markdown to an HTML fragment. Blocks are separated by a newline.

      iex> Blog.Markdown.to_html("# Hello\n\nSome *emphasis*, **strong** and `code`.")
      "<h1>Hello</h1>\n<p>Some <em>emphasis</em>, <strong>strong</strong> and <code>code</code>.</p>"
      iex> Blog.Markdown.to_html("- one\n- two\n\n3. three\n4. four")
      "<ul><li>one</li><li>two</li></ul>\n<ol start=\"3\"><li>three</li><li>four</li></ol>"

  Text is escaped, code is not interpreted, and unsafe links keep only their text:

      iex> Blog.Markdown.to_html("<script>alert('hi')</script>")
      "<p>&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;</p>"
      iex> Blog.Markdown.to_html("```html\n<b>*not emphasis*</b>\n```")
      "<pre><code class=\"language-html\">&lt;b&gt;*not emphasis*&lt;/b&gt;</code></pre>"
      iex> Blog.Markdown.to_html("[home](/) [bad](data:text/html,x)")
      "<p><a href=\"/\">home</a> bad</p>"
  """
  @spec to_html(String.t()) :: String.t()
  def to_html(markdown) when is_binary(markdown) do
    markdown
    |> lines()
    |> blocks([])
    |> render_blocks([])
    |> :erlang.iolist_to_binary()
  end

  @doc ~S"""
  A plain-text excerpt: the first paragraph without markup, cut at a word boundary to at
  most `max_bytes` bytes (an ellipsis marks a cut).

      iex> Blog.Markdown.excerpt("# Title\n\nHello **world**, see [the docs](https://hexdocs.pm).")
      "Hello world, see the docs."
      iex> Blog.Markdown.excerpt("Hello, wonderful world", 10)
      "Hello…"
      iex> Blog.Markdown.excerpt("# Only a heading")
      ""
  """
  @spec excerpt(String.t(), pos_integer()) :: String.t()
  def excerpt(markdown, max_bytes \\ 160) when is_binary(markdown) do
    text =
      markdown
      |> lines()
      |> blocks([])
      |> first_paragraph()
      |> strip_inline()

    words = for w <- :binary.split(text, [" ", "\n", "\t"], [:global]), w != "", do: w
    cut_words(words, max_bytes, [], 0)
  end

  @doc ~S"""
  Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.

      iex> Blog.Markdown.escape_html(~s(<a href="x">Tom & Jerry's</a>))
      "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
      iex> Blog.Markdown.escape_html("Café 日本 🎉")
      "Café 日本 🎉"
  """
  @spec escape_html(String.t()) :: String.t()
  def escape_html(text) when is_binary(text), do: :erlang.iolist_to_binary(escape(text))

  @doc ~S"""
  True when `url` may be used as a link target: anything but `javascript:`, `vbscript:`
  and `data:` URLs (compared case-insensitively, ignoring whitespace and control characters
  as browsers do).

      iex> Blog.Markdown.safe_url?("https://example.com/posts?page=2")
      true
      iex> Blog.Markdown.safe_url?("/posts/hello-world")
      true
      iex> Blog.Markdown.safe_url?(" JaVa\tScRiPt:alert(1)")
      false
      iex> Blog.Markdown.safe_url?("data:text/html;base64,PHNjcmlwdD4=")
      false
  """
  @spec safe_url?(String.t()) :: boolean()
  def safe_url?(url) when is_binary(url) do
    normalized = normalize_scheme(url, [])

    not (starts_with?(normalized, "javascript:") or starts_with?(normalized, "vbscript:") or
           starts_with?(normalized, "data:"))
  end

  # ---------------------------------------------------------------------------
  # Blocks
  # ---------------------------------------------------------------------------

  defp lines(text) do
    for line <- :binary.split(text, "\n", [:global]), do: chomp_cr(line)
  end

  defp chomp_cr(line) do
    size = byte_size(line)

    if size > 0 and :binary.last(line) == ?\r do
      :binary.part(line, 0, size - 1)
    else
      line
    end
  end

  defp blocks([], acc), do: :lists.reverse(acc)

  defp blocks([line | rest] = all, acc) do
    stripped = trim_leading(line)

    cond do
      stripped == "" ->
        blocks(rest, acc)

      starts_with?(stripped, "```") ->
        lang = stripped |> binary_part(3, byte_size(stripped) - 3) |> first_word()
        {code, rest} = take_code(rest, [])
        blocks(rest, [{:code, lang, code} | acc])

      heading = heading(stripped) ->
        blocks(rest, [heading | acc])

      list_item(stripped) != nil ->
        {type, start, _text} = list_item(stripped)
        {items, rest} = take_items(all, type, [])
        blocks(rest, [{type, start, items} | acc])

      true ->
        {para, rest} = take_paragraph(all, [])
        blocks(rest, [{:p, para} | acc])
    end
  end

  defp take_code([], acc), do: {:lists.reverse(acc), []}

  defp take_code([line | rest], acc) do
    if trim(line) == "```" do
      {:lists.reverse(acc), rest}
    else
      take_code(rest, [line | acc])
    end
  end

  defp heading(<<"### ", text::binary>>), do: {:heading, 3, trim(text)}
  defp heading(<<"## ", text::binary>>), do: {:heading, 2, trim(text)}
  defp heading(<<"# ", text::binary>>), do: {:heading, 1, trim(text)}
  defp heading(_), do: nil

  # {:ul | :ol, start_number, text} or nil
  defp list_item(<<m, ?\s, text::binary>>) when m == ?- or m == ?*, do: {:ul, 1, trim(text)}

  defp list_item(<<c, _::binary>> = line) when c >= ?0 and c <= ?9 do
    case take_digits(line, 0, 0) do
      {n, len, <<". ", text::binary>>} when len <= 9 -> {:ol, n, trim(text)}
      _ -> nil
    end
  end

  defp list_item(_), do: nil

  defp take_digits(<<c, rest::binary>>, n, len) when c >= ?0 and c <= ?9,
    do: take_digits(rest, n * 10 + c - ?0, len + 1)

  defp take_digits(rest, n, len), do: {n, len, rest}

  # Items of one list: consecutive items of the same type, indented continuation lines,
  # blank lines between items.
  defp take_items([line | rest] = all, type, items) do
    stripped = trim_leading(line)

    case list_item(stripped) do
      {^type, _n, text} ->
        {more, rest} = take_continuation(rest, [])
        take_items(rest, type, [join_lines([text | more]) | items])

      _ ->
        if stripped == "" and next_is_item?(rest, type) do
          take_items(rest, type, items)
        else
          {:lists.reverse(items), all}
        end
    end
  end

  defp take_items([], _type, items), do: {:lists.reverse(items), []}

  defp next_is_item?([line | rest], type) do
    case trim_leading(line) do
      "" ->
        next_is_item?(rest, type)

      stripped ->
        case list_item(stripped) do
          {^type, _, _} -> true
          _ -> false
        end
    end
  end

  defp next_is_item?([], _type), do: false

  defp take_continuation([<<c, _::binary>> = line | rest], acc) when c == ?\s or c == ?\t do
    stripped = trim(line)

    if stripped == "" or list_item(stripped) != nil do
      {:lists.reverse(acc), [line | rest]}
    else
      take_continuation(rest, [stripped | acc])
    end
  end

  defp take_continuation(rest, acc), do: {:lists.reverse(acc), rest}

  defp take_paragraph([], acc), do: {join_lines(:lists.reverse(acc)), []}

  defp take_paragraph([line | rest] = all, acc) do
    stripped = trim(line)

    if stripped == "" or (acc != [] and block_start?(stripped)) do
      {join_lines(:lists.reverse(acc)), all}
    else
      take_paragraph(rest, [stripped | acc])
    end
  end

  defp block_start?(line) do
    starts_with?(line, "```") or heading(line) != nil or list_item(line) != nil
  end

  defp join_lines([]), do: ""

  defp join_lines([first | rest]),
    do: :erlang.iolist_to_binary([first | for(l <- rest, do: ["\n", l])])

  # ---------------------------------------------------------------------------
  # Rendering
  # ---------------------------------------------------------------------------

  defp render_blocks([], acc), do: join_blocks(:lists.reverse(acc))
  defp render_blocks([block | rest], acc), do: render_blocks(rest, [render(block) | acc])

  defp join_blocks([]), do: []
  defp join_blocks([first | rest]), do: [first | for(b <- rest, do: ["\n", b])]

  defp render({:heading, level, text}) do
    tag = <<?h, ?0 + level>>
    ["<", tag, ">", inline(text), "</", tag, ">"]
  end

  defp render({:p, text}), do: ["<p>", inline(text), "</p>"]

  defp render({:code, lang, code_lines}) do
    open =
      case lang do
        "" -> "<pre><code>"
        lang -> ["<pre><code class=\"language-", escape(lang), "\">"]
      end

    [open, escape(join_lines(code_lines)), "</code></pre>"]
  end

  defp render({:ul, _start, items}), do: ["<ul>", render_items(items), "</ul>"]
  defp render({:ol, 1, items}), do: ["<ol>", render_items(items), "</ol>"]

  defp render({:ol, start, items}),
    do: ["<ol start=\"", :erlang.integer_to_binary(start), "\">", render_items(items), "</ol>"]

  defp render_items(items), do: for(item <- items, do: ["<li>", inline(item), "</li>"])

  # ---------------------------------------------------------------------------
  # Inline
  # ---------------------------------------------------------------------------

  defp inline(text), do: inl(text, ?\s, [])

  defp inl(<<>>, _prev, acc), do: acc

  defp inl(<<?\\, c, rest::binary>>, _prev, acc)
       when c in [?\\, ?`, ?*, ?_, ?[, ?], ?(, ?), ?#, ?-, ?., ?!] do
    inl(rest, c, [acc, escape_char(c)])
  end

  defp inl(<<?`, rest::binary>>, prev, acc) do
    case :binary.match(rest, "`") do
      {i, _} when i > 0 ->
        code = :binary.part(rest, 0, i)
        inl(skip(rest, i + 1), ?`, [acc, "<code>", escape(code), "</code>"])

      _ ->
        inl_literal(rest, "`", prev, acc)
    end
  end

  defp inl(<<"**", rest::binary>>, prev, acc) do
    case delimited(rest, "**") do
      {inner, after_close} -> inl(after_close, ?*, [acc, "<strong>", inline(inner), "</strong>"])
      nil -> inl_literal(rest, "**", prev, acc)
    end
  end

  defp inl(<<?*, rest::binary>>, prev, acc) do
    case star_close(rest, 0) do
      {inner, after_close} -> inl(after_close, ?*, [acc, "<em>", inline(inner), "</em>"])
      nil -> inl_literal(rest, "*", prev, acc)
    end
  end

  defp inl(<<?_, rest::binary>>, prev, acc) do
    case word_char?(prev) do
      false ->
        case underscore_close(rest, 0) do
          {inner, after_close} when inner != "" ->
            inl(after_close, ?_, [acc, "<em>", inline(inner), "</em>"])

          _ ->
            inl_literal(rest, "_", prev, acc)
        end

      true ->
        inl_literal(rest, "_", prev, acc)
    end
  end

  defp inl(<<?[, rest::binary>> = text, prev, acc) do
    case link(rest) do
      {label, url, after_link} ->
        if safe_url?(url) do
          inl(after_link, ?), [acc, "<a href=\"", escape(url), "\">", inline(label), "</a>"])
        else
          inl(after_link, ?), [acc, inline(label)])
        end

      nil ->
        inl_literal(skip(text, 1), "[", prev, acc)
    end
  end

  defp inl(text, _prev, acc) do
    len = plain_run(text, 0)
    <<run::binary-size(len), rest::binary>> = text
    inl(rest, :binary.last(run), [acc, escape(run)])
  end

  defp inl_literal(rest, literal, _prev, acc) do
    inl(rest, :binary.last(literal), [acc, escape(literal)])
  end

  # length of the leading run without inline syntax characters (at least 1 byte)
  defp plain_run(<<c, rest::binary>>, len) when c not in [?\\, ?`, ?*, ?_, ?[],
    do: plain_run(rest, len + 1)

  defp plain_run(_rest, 0), do: 1
  defp plain_run(_rest, len), do: len

  # The "*" closing *emphasis*: a lone star, so that **strong** can sit inside it. The inner
  # text follows the same rules as delimited/2.
  defp star_close(<<c, _::binary>> = text, i) when c != ?\s and c != ?\n do
    case text do
      <<_::binary-size(i), "**", _::binary>> ->
        star_close(text, i + 2)

      <<_::binary-size(i), ?*, _::binary>> when i > 0 ->
        inner = :binary.part(text, 0, i)
        last = :binary.last(inner)
        if last != ?\s and last != ?\n, do: {inner, skip(text, i + 1)}, else: nil

      <<_::binary-size(i), _, _::binary>> ->
        star_close(text, i + 1)

      _ ->
        nil
    end
  end

  defp star_close(_text, _i), do: nil

  # `delim`inner`delim`: inner must not start or end with a space and must not be empty
  defp delimited(<<c, _::binary>> = rest, delim) when c != ?\s and c != ?\n do
    case :binary.match(rest, delim) do
      {i, len} when i > 0 ->
        inner = :binary.part(rest, 0, i)
        last = :binary.last(inner)

        if last != ?\s and last != ?\n do
          {inner, skip(rest, i + len)}
        else
          nil
        end

      _ ->
        nil
    end
  end

  defp delimited(_rest, _delim), do: nil

  # closing "_" of _emphasis_: one that is not followed by a word character
  defp underscore_close(rest, from) do
    case :binary.match(rest, "_", scope: {from, byte_size(rest) - from}) do
      {i, 1} ->
        after_close = skip(rest, i + 1)

        next_word? =
          case after_close do
            <<c, _::binary>> -> word_char?(c)
            <<>> -> false
          end

        if next_word?,
          do: underscore_close(rest, i + 1),
          else: {:binary.part(rest, 0, i), after_close}

      :nomatch ->
        nil
    end
  end

  # "label](url)rest" -> {label, url, rest}
  defp link(rest) do
    with {i, 2} <- :binary.match(rest, "]("),
         label = :binary.part(rest, 0, i),
         :nomatch <- :binary.match(label, ["[", "]"]),
         after_paren = skip(rest, i + 2),
         {j, 1} <- :binary.match(after_paren, ")") do
      url = trim(:binary.part(after_paren, 0, j))
      {label, url, skip(after_paren, j + 1)}
    else
      _ -> nil
    end
  end

  defp word_char?(c) when c >= ?a and c <= ?z, do: true
  defp word_char?(c) when c >= ?A and c <= ?Z, do: true
  defp word_char?(c) when c >= ?0 and c <= ?9, do: true
  defp word_char?(c) when c >= 0x80, do: true
  defp word_char?(_), do: false

  # ---------------------------------------------------------------------------
  # Plain text
  # ---------------------------------------------------------------------------

  defp first_paragraph(blocks) do
    case for({:p, text} <- blocks, do: text) do
      [first | _] -> first
      [] -> ""
    end
  end

  # Drops inline markup: links keep their label, code and emphasis markers disappear.
  defp strip_inline(text), do: :erlang.iolist_to_binary(strip(text, []))

  defp strip(<<>>, acc), do: acc
  defp strip(<<?\\, c, rest::binary>>, acc), do: strip(rest, [acc, c])
  defp strip(<<c, rest::binary>>, acc) when c == ?* or c == ?`, do: strip(rest, acc)

  defp strip(<<?[, rest::binary>>, acc) do
    case link(rest) do
      {label, _url, after_link} -> strip(after_link, [acc, strip(label, [])])
      nil -> strip(rest, [acc, ?[])
    end
  end

  defp strip(<<c, rest::binary>>, acc), do: strip(rest, [acc, c])

  defp cut_words([], _max, acc, _size), do: :erlang.iolist_to_binary(:lists.reverse(acc))

  defp cut_words([word | rest], max, acc, size) do
    new_size = if acc == [], do: byte_size(word), else: size + 1 + byte_size(word)

    cond do
      new_size <= max and acc == [] -> cut_words(rest, max, [word], new_size)
      new_size <= max -> cut_words(rest, max, [word, " " | acc], new_size)
      acc == [] -> utf8_prefix(:binary.part(word, 0, max)) <> "…"
      true -> trim_punctuation(:erlang.iolist_to_binary(:lists.reverse(acc))) <> "…"
    end
  end

  defp trim_punctuation(text) do
    case :binary.last(text) do
      c when c in [?,, ?;, ?:, ?-] -> trim_punctuation(:binary.part(text, 0, byte_size(text) - 1))
      _ -> text
    end
  end

  # drops the bytes of a UTF-8 sequence left incomplete by a cut
  defp utf8_prefix(bin) do
    if String.valid?(bin) or bin == "" do
      bin
    else
      utf8_prefix(:binary.part(bin, 0, byte_size(bin) - 1))
    end
  end

  # ---------------------------------------------------------------------------
  # Helpers
  # ---------------------------------------------------------------------------

  defp escape(text), do: escape(text, text, 0, 0, [])

  defp escape(<<c, rest::binary>>, orig, start, len, acc)
       when c == ?& or c == ?< or c == ?> or c == ?" or c == ?' do
    escape(rest, orig, start + len + 1, 0, [acc, :binary.part(orig, start, len), escape_char(c)])
  end

  defp escape(<<_, rest::binary>>, orig, start, len, acc),
    do: escape(rest, orig, start, len + 1, acc)

  defp escape(<<>>, orig, start, len, acc), do: [acc, :binary.part(orig, start, len)]

  defp escape_char(?&), do: "&amp;"
  defp escape_char(?<), do: "&lt;"
  defp escape_char(?>), do: "&gt;"
  defp escape_char(?"), do: "&quot;"
  defp escape_char(?'), do: "&#39;"
  defp escape_char(c), do: <<c>>

  defp normalize_scheme(<<c, rest::binary>>, acc) when c <= 0x20, do: normalize_scheme(rest, acc)

  defp normalize_scheme(<<c, rest::binary>>, acc) when c >= ?A and c <= ?Z,
    do: normalize_scheme(rest, [acc, c + 32])

  defp normalize_scheme(<<c, rest::binary>>, acc), do: normalize_scheme(rest, [acc, c])
  defp normalize_scheme(<<>>, acc), do: :erlang.iolist_to_binary(acc)

  defp starts_with?(text, prefix) do
    size = byte_size(prefix)

    case text do
      <<^prefix::binary-size(size), _::binary>> -> true
      _ -> false
    end
  end

  defp skip(bin, n), do: :binary.part(bin, n, byte_size(bin) - n)

  defp first_word(text) do
    case :binary.split(trim(text), [" ", "\t"]) do
      [word | _] -> word
    end
  end

  defp trim(text), do: text |> trim_leading() |> trim_trailing()

  defp trim_leading(<<c, rest::binary>>) when c == ?\s or c == ?\t, do: trim_leading(rest)
  defp trim_leading(text), do: text

  defp trim_trailing(""), do: ""

  defp trim_trailing(text) do
    case :binary.last(text) do
      c when c == ?\s or c == ?\t -> trim_trailing(:binary.part(text, 0, byte_size(text) - 1))
      _ -> text
    end
  end
end
