defmodule WasmblogConformance.App do
  @moduledoc """
  Start module of the conformance bundle: the test bridge, answering batches of examples.

  A batch is `{"conformance": [[module, function, id], ...], "timeout_ms": N, "max_reply_bytes": M}`.
  The reply lists `[id, observations]` in order (see `WasmblogConformance.Runner`), and stops
  early once it holds `max_reply_bytes` of text: the harness sends the rest again. Before each
  example a line `wasmblog-conformance: start ID` goes to stdout, so that when an example kills
  the VM the harness knows which one did.
  """

  @compile {:no_warn_undefined, :console}

  alias WasmblogConformance.Runner

  def start do
    PytestWasmblog.Bridge.start_and_wait(name: :main, allow: [], handler: &handle/1)
  end

  def handle(%{"conformance" => examples, "timeout_ms" => timeout, "max_reply_bytes" => max_bytes})
      when is_list(examples) and is_integer(timeout) and is_integer(max_bytes) do
    run_batch(examples, timeout, max_bytes, [])
  end

  def handle(_other) do
    raise ArgumentError,
          "the conformance bundle answers only batches: " <>
            "{\"conformance\": [[module, function, id], ...], \"timeout_ms\": N, \"max_reply_bytes\": M}"
  end

  defp run_batch([], _timeout, _left, acc), do: :lists.reverse(acc)
  defp run_batch(_examples, _timeout, left, acc) when left <= 0, do: :lists.reverse(acc)

  defp run_batch([[module, function, id] | rest], timeout, left, acc) do
    :console.print("wasmblog-conformance: start " <> id <> "\n")

    observations =
      Runner.run(:erlang.binary_to_atom(module, :utf8), :erlang.binary_to_atom(function, :utf8), timeout)

    run_batch(rest, timeout, left - text_bytes(observations, 0), [[id, observations] | acc])
  end

  defp text_bytes([], n), do: n
  defp text_bytes([head | tail], n), do: text_bytes(tail, text_bytes(head, n))
  defp text_bytes(text, n) when is_binary(text), do: n + byte_size(text) + 4
  defp text_bytes(_other, n), do: n
end
