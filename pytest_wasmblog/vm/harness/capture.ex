defmodule WasmblogHarness.Capture do
  @moduledoc """
  A group leader that keeps what is written to it: the output of one conformance example or one
  ExUnit test, run in the VM (and on the host, for the conformance suite). Processes the captured
  process spawns inherit it, so their output is kept too.

  Only BIFs are used: the standard library under test must not be what captures its output.
  """

  @doc "Makes `pid`'s group leader a new capture process; returns the capture."
  def start(pid) do
    capture = :erlang.spawn(fn -> loop([]) end)
    :erlang.group_leader(capture, pid)
    capture
  end

  @doc "Ends `capture` and returns what was written to it, as a binary; `timeout_ms` bounds the wait."
  def finish(capture, timeout_ms \\ 1000) do
    tag = :erlang.make_ref()
    send(capture, {:wasmblog_captured, self(), tag})

    receive do
      {^tag, text} -> text
    after
      timeout_ms -> "(the output could not be collected)"
    end
  end

  defp loop(acc) do
    receive do
      {:io_request, from, reply_as, request} ->
        {reply, acc} = io_request(request, acc)
        send(from, {:io_reply, reply_as, reply})
        loop(acc)

      {:wasmblog_captured, from, tag} ->
        send(from, {tag, :erlang.iolist_to_binary(:lists.reverse(acc))})
    end
  end

  defp io_request({:put_chars, encoding, chars}, acc), do: put_chars(encoding, chars, acc)
  defp io_request({:put_chars, chars}, acc), do: put_chars(:latin1, chars, acc)

  defp io_request({:put_chars, encoding, m, f, a}, acc) do
    try do
      put_chars(encoding, apply(m, f, a), acc)
    catch
      _, _ -> {{:error, :put_chars}, acc}
    end
  end

  defp io_request({:requests, requests}, acc) do
    :lists.foldl(
      fn
        request, {:ok, acc} -> io_request(request, acc)
        _request, error -> error
      end,
      {:ok, acc},
      requests
    )
  end

  defp io_request(:getopts, acc), do: {[binary: true, encoding: :unicode], acc}
  defp io_request({:setopts, _}, acc), do: {:ok, acc}
  defp io_request({:get_geometry, _}, acc), do: {{:error, :enotsup}, acc}
  defp io_request(_other, acc), do: {:eof, acc}

  defp put_chars(encoding, chars, acc) do
    try do
      case :unicode.characters_to_binary(chars, encoding, :unicode) do
        binary when is_binary(binary) -> {:ok, [binary | acc]}
        _ -> {{:error, :put_chars}, acc}
      end
    catch
      _, _ -> {{:error, :put_chars}, acc}
    end
  end
end
