defmodule WasmblogConformance.Runner do
  @moduledoc """
  Runs compiled doctest examples and describes what they did, the same way on the host BEAM and
  in the browser VM, so that the two descriptions can be compared as text.

  A generated example is a function whose body is the example's `iex>` expressions. Each
  expression the docs show a result for is wrapped: `value/1` records the value, `raises/1`
  records the exception. `run/3` runs one example in its own process, with its output captured
  and a time limit, and returns its observations:

      ["value", json]                 an expression's value (`canonical/1` as JSON text)
      ["raise", module, message]      an expression raised as the docs say it should
      ["no_raise", json]              it returned instead
      ["output", text]                what the example printed
      ["returned"] | ["uncaught", kind, module_or_json, message] | ["timeout", ms] | ["died", json]

  Only BIFs and `PytestWasmblog.JSON`/`.Terms` are used here, never the standard library the
  examples test: a broken `Enum` must show as a failing example, not as a broken runner.
  """

  alias PytestWasmblog.{JSON, Terms}

  @observations :wasmblog_conformance_observations
  # Longer values are compared by size and checksum: replies must stay far below the bridge's limit.
  @max_value_bytes 2048

  @doc "Records the value of an expression the docs show a result for, and returns it."
  def value(term) do
    record(["value", encode(term)])
    term
  end

  @doc """
  Runs an expression the docs say raises, and records the exception (or the value). Returns
  `{:raised, exception}` or `{:returned, value}` for the host's check of the docs.
  """
  def raises(fun) do
    try do
      fun.()
    rescue
      exception ->
        record(exception_observation(exception))
        {:raised, exception}
    else
      term ->
        record(["no_raise", encode(term)])
        {:returned, term}
    end
  end

  @doc "Runs `module.function()` in a new process; returns its observations in order."
  def run(module, function, timeout_ms) do
    parent = self()
    tag = :erlang.make_ref()

    {pid, monitor} =
      :erlang.spawn_monitor(fn ->
        capture = WasmblogHarness.Capture.start(self())
        ending = call(module, function)
        output = WasmblogHarness.Capture.finish(capture)
        send(parent, {tag, :lists.reverse(observed()), ending, output})
      end)

    receive do
      {^tag, observations, ending, output} ->
        :erlang.demonitor(monitor, [:flush])
        observations ++ output_observation(output) ++ [ending]

      {:DOWN, ^monitor, :process, ^pid, reason} ->
        [["died", encode(reason)]]
    after
      timeout_ms ->
        :erlang.exit(pid, :kill)
        [["timeout", :erlang.integer_to_binary(timeout_ms)]]
    end
  end

  defp call(module, function) do
    try do
      _ = apply(module, function, [])
      ["returned"]
    catch
      :error, reason ->
        exception = Exception.normalize(:error, reason, __STACKTRACE__)
        ["uncaught", "error" | tl(exception_observation(exception))]

      kind, reason ->
        ["uncaught", Terms.atom_name(kind), encode(reason), ""]
    end
  end

  defp record(observation) do
    :erlang.put(@observations, [observation | observed()])
  end

  defp observed do
    case :erlang.get(@observations) do
      :undefined -> []
      list -> list
    end
  end

  defp exception_observation(%{__struct__: module} = exception) do
    message =
      try do
        case Exception.message(exception) do
          text when is_binary(text) -> text
          other -> "(message/1 returned " <> encode(other) <> ")"
        end
      catch
        kind, _ -> "(message/1 failed with " <> Terms.atom_name(kind) <> ")"
      end

    ["raise", Terms.atom_name(module), message]
  end

  defp output_observation(""), do: []
  defp output_observation(text), do: [["output", text]]

  # ---------------------------------------------------------------------------
  # Canonical form: the same text on the host and in the VM for equal terms
  # ---------------------------------------------------------------------------

  @doc """
  The term's canonical form as JSON text, or `["big", bytes, crc32]` text when it is long.
  Maps are written with their pairs sorted, so the text does not depend on iteration order.
  """
  def encode(term) do
    text = JSON.encode!(canonical(term))

    if byte_size(text) > @max_value_bytes do
      JSON.encode!([
        "big",
        :erlang.integer_to_binary(byte_size(text)),
        :erlang.integer_to_binary(:erlang.crc32(text))
      ])
    else
      text
    end
  end

  @doc "The term as nested lists of strings (see the module doc of the Python side)."
  def canonical(term) when is_integer(term), do: ["i", :erlang.integer_to_binary(term)]

  def canonical(term) when is_float(term) do
    <<bits::unsigned-integer-size(64)>> = <<term::float-size(64)>>
    ["f", :erlang.integer_to_binary(bits)]
  end

  def canonical(term) when is_atom(term), do: ["a", Terms.atom_name(term)]

  def canonical(term) when is_binary(term) do
    if Terms.utf8?(term), do: ["s", term], else: ["b", :base64.encode(term)]
  end

  def canonical(term) when is_bitstring(term),
    do: ["bits", :erlang.integer_to_binary(:erlang.bit_size(term))]

  def canonical(term) when is_list(term), do: list(term, [])

  def canonical(term) when is_tuple(term),
    do: ["t", items(:erlang.tuple_to_list(term), [])]

  def canonical(term) when is_map(term) do
    ["m", :lists.sort(pairs(:maps.to_list(term), []))]
  end

  def canonical(term) when is_pid(term), do: ["pid"]
  def canonical(term) when is_reference(term), do: ["ref"]
  def canonical(term) when is_port(term), do: ["port"]

  def canonical(term) when is_function(term) do
    {:arity, arity} = :erlang.fun_info(term, :arity)

    case :erlang.fun_info(term, :type) do
      {:type, :external} ->
        {:module, module} = :erlang.fun_info(term, :module)
        {:name, name} = :erlang.fun_info(term, :name)
        ["fun", Terms.atom_name(module), Terms.atom_name(name), :erlang.integer_to_binary(arity)]

      _ ->
        ["fun", :erlang.integer_to_binary(arity)]
    end
  end

  defp list([], acc), do: ["l", :lists.reverse(acc)]
  defp list([head | tail], acc), do: list(tail, [canonical(head) | acc])
  defp list(tail, acc), do: ["l", :lists.reverse(acc), canonical(tail)]

  defp pairs([], acc), do: acc
  defp pairs([{key, value} | rest], acc), do: pairs(rest, [[canonical(key), canonical(value)] | acc])

  defp items([], acc), do: :lists.reverse(acc)
  defp items([head | tail], acc), do: items(tail, [canonical(head) | acc])
end
