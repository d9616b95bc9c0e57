defmodule WasmblogHarness.Batch do
  @moduledoc """
  The batch loop of a test bundle's start module (conformance examples, ExUnit tests): runs the jobs
  `[arg, ..., id]` of one bridge request in order and answers `[[id, result], ...]`.

  Before each job a line `wasmblog-KIND: start ID` goes to stdout, so that when a job kills the VM
  the harness knows which one did. The answer stops early once it holds `max_bytes` of text: the
  harness sends the rest again (a bridge reply near 100 KB aborts the VM).
  """

  @compile {:no_warn_undefined, :console}

  @doc "Runs `jobs` with `run_job.(args)` (the job without its id); returns `[[id, result], ...]`."
  def run(kind, jobs, max_bytes, run_job) when is_list(jobs) and is_integer(max_bytes) do
    loop(kind, jobs, max_bytes, run_job, [])
  end

  defp loop(_kind, [], _left, _run_job, acc), do: :lists.reverse(acc)
  defp loop(_kind, _jobs, left, _run_job, acc) when left <= 0, do: :lists.reverse(acc)

  defp loop(kind, [job | rest], left, run_job, acc) do
    [id | reversed_args] = :lists.reverse(job)
    :console.print("wasmblog-" <> kind <> ": start " <> id <> "\n")
    result = run_job.(:lists.reverse(reversed_args))
    loop(kind, rest, left - text_bytes(result, 0), run_job, [[id, result] | acc])
  end

  defp text_bytes(text, n) when is_binary(text), do: n + byte_size(text) + 4
  defp text_bytes([head | tail], n), do: text_bytes(tail, text_bytes(head, n))
  defp text_bytes(map, n) when is_map(map), do: text_bytes(:maps.to_list(map), n)
  defp text_bytes(tuple, n) when is_tuple(tuple), do: text_bytes(:erlang.tuple_to_list(tuple), n)
  defp text_bytes(_other, n), do: n + 8
end
