defmodule WasmblogConformance.App do
  @moduledoc """
  Start module of the conformance bundle: the test bridge, answering batches of examples.

  A batch is `{"conformance": [[module, function, id], ...], "timeout_ms": N, "max_reply_bytes": M}`.
  The reply lists `[id, observations]` in order (see `WasmblogConformance.Runner`); the loop, its
  stdout markers and its reply limit are `WasmblogHarness.Batch`'s.
  """

  alias WasmblogConformance.Runner

  def start do
    PytestWasmblog.Bridge.start_and_wait(name: :main, allow: [], handler: &handle/1)
  end

  def handle(%{"conformance" => examples, "timeout_ms" => timeout, "max_reply_bytes" => max_bytes})
      when is_list(examples) and is_integer(timeout) and is_integer(max_bytes) do
    WasmblogHarness.Batch.run("conformance", examples, max_bytes, fn [module, function] ->
      Runner.run(:erlang.binary_to_atom(module, :utf8), :erlang.binary_to_atom(function, :utf8), timeout)
    end)
  end

  def handle(_other) do
    raise ArgumentError,
          "the conformance bundle answers only batches: " <>
            "{\"conformance\": [[module, function, id], ...], \"timeout_ms\": N, \"max_reply_bytes\": M}"
  end
end
