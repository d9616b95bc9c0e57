defmodule WasmblogConformance.Extract do
  @moduledoc """
  Finds the `iex>` examples in a module's documentation (its beam's docs chunk), grouped the way
  ExUnit's doctests group them: consecutive prompts form one example and share their bindings,
  a blank line or a code fence ends it, and `iex(1)>` / `...(1)>` numbered prompts are accepted.

  An example is a map:

      %{doc: "Enum.map/2" | "Enum", number: 1, line: 120, text: "iex> ...\\n[2, 4]",
        exprs: [{source, expected}]}

  where `expected` is `:none`, `{:value, source}`, `{:inspect, text}` (a result shown as
  `#Name<...>`, checked through `inspect/1`) or `{:raise, "ArgumentError", message}`.
  """

  @doc "The examples of `module`, module doc first, then each function's in name/arity order."
  def examples(module) do
    case Code.fetch_docs(module) do
      {:docs_v1, anno, _, _, moduledoc, _, docs} ->
        label = inspect(module)
        from_doc(label, :erl_anno.line(anno), moduledoc) ++
          Enum.flat_map(Enum.sort(docs), fn {{_kind, name, arity}, doc_anno, _, doc, _} ->
            from_doc("#{label}.#{name}/#{arity}", :erl_anno.line(doc_anno), doc)
          end)

      {:error, reason} ->
        raise ArgumentError, "no documentation for #{inspect(module)}: #{inspect(reason)}"
    end
  end

  defp from_doc(label, line, %{"en" => text}) do
    text
    |> String.split(["\r\n", "\n"])
    |> Enum.with_index(line + 1)
    |> prompt_lines()
    |> group([])
    |> Enum.with_index(1)
    |> Enum.map(fn {example, number} -> Map.merge(example, %{doc: label, number: number}) end)
  end

  defp from_doc(_label, _line, _none), do: []

  # Keeps the lines of example blocks, without the indentation of their first prompt, and drops
  # the prose between blocks (a blank line ends a block's expected output).
  defp prompt_lines(lines), do: prompt_lines(lines, :text, 0, [])

  defp prompt_lines([], _state, _indent, acc), do: Enum.reverse(acc)

  defp prompt_lines([{line, no} | rest] = lines, :text, _indent, acc) do
    if prompt?(String.trim_leading(line)) do
      indent = byte_size(line) - byte_size(String.trim_leading(line))
      prompt_lines(lines, :prompt, indent, acc)
    else
      _ = no
      prompt_lines(rest, :text, 0, acc)
    end
  end

  defp prompt_lines([{line, no} | rest], :prompt, indent, acc) do
    stripped = strip(line, indent)
    next = if continuation?(stripped) or prompt?(stripped), do: :prompt, else: :code
    prompt_lines(rest, next, indent, [{stripped, no} | acc])
  end

  defp prompt_lines([{line, no} | rest] = lines, :code, indent, acc) do
    stripped = strip(line, indent)

    cond do
      stripped == "" -> prompt_lines(rest, :text, 0, [{"", no} | acc])
      prompt?(String.trim_leading(line)) -> prompt_lines(lines, :prompt, indent, acc)
      true -> prompt_lines(rest, :code, indent, [{stripped, no} | acc])
    end
  end

  defp strip(line, indent) do
    if byte_size(line) > indent, do: binary_part(line, indent, byte_size(line) - indent), else: ""
  end

  defp prompt?(line), do: String.starts_with?(line, ["iex>", "iex("])
  defp continuation?(line), do: String.starts_with?(line, ["...>", "...("])

  # Folds the kept lines into examples: state is {current example | nil, expr lines, expected
  # lines, text lines}.
  defp group(lines, _acc), do: fold(Enum.map(lines, &unnumber/1), nil, [], [], [], [])

  defp unnumber({"iex(" <> rest, no}), do: {"iex>" <> after_number(rest), no}
  defp unnumber({"...(" <> rest, no}), do: {"...>" <> after_number(rest), no}
  defp unnumber(other), do: other

  defp after_number(rest) do
    case String.split(rest, ")>", parts: 2) do
      [_number, tail] -> tail
      [_] -> rest
    end
  end

  defp fold([], current, expr, expected, text, acc), do: finish(close(current, expr, expected, text), acc)

  defp fold([{"iex>" <> code, no} | rest], current, expr, expected, text, acc) do
    cond do
      expr != [] and expected != [] ->
        current = close(current, expr, expected, text)
        fold([{"iex>" <> code, no} | rest], current, [], [], text_of(current), acc)

      current == nil ->
        fold(rest, %{line: no, exprs: [], text: []}, [code], [], ["iex>" <> code], acc)

      true ->
        fold(rest, current, [code | expr], [], ["iex>" <> code | text], acc)
    end
  end

  defp fold([{"...>" <> code, _no} | rest], current, expr, expected, text, acc) when expr != [] do
    fold(rest, current, [code | expr], expected, ["...>" <> code | text], acc)
  end

  defp fold([{line, _no} | rest], current, [], [], text, acc) do
    # Prose, a blank line or a fence with nothing pending: the next prompt starts a new example.
    _ = line
    fold(rest, nil, [], [], [], finish(close(current, [], [], text), acc))
  end

  defp fold([{line, _no} | rest], current, expr, expected, text, acc) do
    if line == "" or String.starts_with?(line, ["```", "~~~"]) do
      fold(rest, nil, [], [], [], finish(close(current, expr, expected, text), acc))
    else
      fold(rest, current, expr, [line | expected], [line | text], acc)
    end
  end

  defp text_of(%{text: text}), do: text

  defp close(nil, _expr, _expected, _text), do: nil
  defp close(current, [], [], text), do: %{current | text: text}

  defp close(current, expr, expected, text) do
    source = expr |> Enum.reverse() |> Enum.join("\n")
    shown = expected |> Enum.reverse() |> Enum.join("\n")
    %{current | exprs: current.exprs ++ [{source, tag(shown)}], text: text}
  end

  defp finish(nil, acc), do: acc
  defp finish(%{exprs: []}, acc), do: acc

  defp finish(%{text: text} = example, acc) do
    acc ++ [%{example | text: text |> Enum.reverse() |> Enum.join("\n")}]
  end

  defp tag(""), do: :none

  defp tag("** (" <> error) do
    [module, message] = :binary.split(error, ")")
    {:raise, module, String.trim_leading(message)}
  end

  defp tag(shown) do
    if inspect_form?(shown), do: {:inspect, shown}, else: {:value, shown}
  end

  # "#Name<...>" and "#Name.Sub<...>": results that only inspect/1 can show.
  defp inspect_form?(<<?#, c, rest::binary>>) when c in ?A..?Z, do: inspect_rest?(rest)
  defp inspect_form?(_), do: false

  defp inspect_rest?(<<?., c, rest::binary>>) when c in ?A..?Z, do: inspect_rest?(rest)

  defp inspect_rest?(<<c, rest::binary>>) when c in ?A..?Z or c in ?a..?z or c in ?0..?9 or c == ?_,
    do: inspect_rest?(rest)

  defp inspect_rest?(<<?<, _::binary>>), do: true
  defp inspect_rest?(_), do: false
end
