defmodule Stdlib.Output do
  @moduledoc "Writes to the VM's stdout/stderr through Logger and crashing processes; the tests read it back."

  require Logger

  @doc "Logs at every level with metadata; `tag` makes each call's lines unique."
  def log_levels(tag) do
    previous = Logger.level()
    Logger.configure(level: :debug)
    Logger.debug("debug #{tag}", tag: tag)
    Logger.info("info #{tag}", tag: tag, user_id: 42)
    Logger.warning("warning #{tag}")
    Logger.error(fn -> "error #{tag}" end)
    Logger.notice(["chardata ", "notice ", tag])
    Logger.metadata(request_id: "req-#{tag}")
    Logger.info("with process metadata #{tag}")
    Logger.reset_metadata()
    Logger.configure(level: :warning)
    Logger.info("filtered info #{tag}")
    Logger.debug("filtered debug #{tag}")
    Logger.warning("kept warning #{tag}")
    Logger.configure(level: :info)
    Logger.log(:info, "log/2 #{tag}")
    Logger.configure(level: previous)
  end

  @doc "IO.warn/1,2 and IO.warn_once/3 write to stderr."
  def warn(tag) do
    IO.warn("plain warning #{tag}", [])
    IO.warn("warning with a stacktrace #{tag}")
    Enum.each(1..2, fn _ -> IO.warn_once({:stdlib, tag}, "once #{tag}", 0) end)
    :ok
  end

  @doc "A Task that raises; returns the exit reason its monitor saw."
  def crash_task(tag) do
    {:ok, pid} = Task.start(fn -> raise "task boom #{tag}" end)
    await_down(pid)
  end

  @doc "An Agent whose update raises."
  def crash_agent(tag) do
    {:ok, agent} = Agent.start(fn -> 0 end)
    Agent.cast(agent, fn _ -> raise ArgumentError, "agent boom #{tag}" end)
    await_down(agent)
  end

  @doc "An Agent whose get raises while a caller waits: the report names the caller."
  def crash_in_call(tag) do
    {:ok, agent} = Agent.start(fn -> 0 end)

    try do
      Agent.get(agent, fn _ -> raise "call boom #{tag}" end)
    catch
      :exit, {{%RuntimeError{message: message}, _stack}, {GenServer, :call, _}} -> {:exited, message}
    end
  end

  @doc "A linked Task under async/await that raises, seen from a process that traps exits."
  def crash_async(tag) do
    parent = self()

    spawn(fn ->
      Process.flag(:trap_exit, true)
      task = Task.async(fn -> exit({:async_boom, tag}) end)
      send(parent, {:done, Task.yield(task, 2000)})
    end)

    receive do
      {:done, result} -> elem(result, 0)
    after
      3000 -> :timeout
    end
  end

  defp await_down(pid) do
    ref = Process.monitor(pid)

    receive do
      {:DOWN, ^ref, :process, ^pid, {%{__exception__: true} = e, _stack}} -> {e.__struct__, Exception.message(e)}
      {:DOWN, ^ref, :process, ^pid, reason} -> reason
    after
      3000 -> :timeout
    end
  end
end
