defmodule WasmblogExUnit.App do
  @moduledoc """
  Start module of an app's test bundle: the test bridge, answering batches of ExUnit tests.

  A batch is `{"exunit": [[module, test_name, timeout_ms, id], ...], "max_reply_bytes": M,
  "root": path}`, with each test's own time limit (its `@tag timeout:` or ExUnit's default) as a
  decimal string. The reply lists `[id, result]` in order (see `WasmblogExUnit.Runner`) and stops
  early once it holds `max_reply_bytes` of text: the harness sends the rest again. Before each
  test a line `wasmblog-exunit: start ID` goes to stdout, so that when a test kills the VM the
  harness knows which one did.
  """

  @compile {:no_warn_undefined, :console}

  alias WasmblogExUnit.Runner

  def start do
    PytestWasmblog.Bridge.start_and_wait(name: :main, allow: [], handler: &handle/1)
  end

  def handle(%{"exunit" => tests, "max_reply_bytes" => max_bytes, "root" => root})
      when is_list(tests) and is_integer(max_bytes) and is_binary(root) do
    run_batch(tests, max_bytes, root, [])
  end

  def handle(_other) do
    raise ArgumentError,
          "the test bundle answers only batches: {\"exunit\": [[module, test_name, timeout_ms, id], ...], " <>
            "\"max_reply_bytes\": M, \"root\": path}"
  end

  defp run_batch([], _left, _root, acc), do: :lists.reverse(acc)
  defp run_batch(_tests, left, _root, acc) when left <= 0, do: :lists.reverse(acc)

  defp run_batch([[module, name, timeout, id] | rest], left, root, acc) do
    :console.print("wasmblog-exunit: start " <> id <> "\n")
    result = Runner.run(:erlang.binary_to_atom(module, :utf8), name, :erlang.binary_to_integer(timeout), root)
    size = byte_size(Map.get(result, "message", "")) + byte_size(Map.get(result, "output", "")) + 64
    run_batch(rest, left - size, root, [[id, result] | acc])
  end
end
