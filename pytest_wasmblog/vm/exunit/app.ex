defmodule WasmblogExUnit.App do
  @moduledoc """
  Start module of an app's test bundle: the test bridge, answering batches of ExUnit tests.

  A batch is `{"exunit": [[module, test_name, timeout_ms, id], ...], "max_reply_bytes": M,
  "root": path}`, with each test's own time limit (its `@tag timeout:` or ExUnit's default) as a
  decimal string. The reply lists `[id, result]` in order (see `WasmblogExUnit.Runner`); the loop,
  its stdout markers and its reply limit are `WasmblogHarness.Batch`'s.
  """

  alias WasmblogExUnit.Runner

  def start do
    PytestWasmblog.Bridge.start_and_wait(name: :main, allow: [], handler: &handle/1)
  end

  def handle(%{"exunit" => tests, "max_reply_bytes" => max_bytes, "root" => root})
      when is_list(tests) and is_integer(max_bytes) and is_binary(root) do
    WasmblogHarness.Batch.run("exunit", tests, max_bytes, fn [module, name, timeout] ->
      Runner.run(:erlang.binary_to_atom(module, :utf8), name, :erlang.binary_to_integer(timeout), root)
    end)
  end

  def handle(_other) do
    raise ArgumentError,
          "the test bundle answers only batches: {\"exunit\": [[module, test_name, timeout_ms, id], ...], " <>
            "\"max_reply_bytes\": M, \"root\": path}"
  end
end
