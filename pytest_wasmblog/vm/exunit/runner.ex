defmodule WasmblogExUnit.Runner do
  @moduledoc """
  Runs ExUnit tests compiled on the host inside the VM, the way `ExUnit.Runner` does, with none of
  its machinery (no ExUnit.Server, event manager, ETS or configuration), so it fits AtomVM:

    * `setup_all` runs once per module, in a process that lives until the VM does, as ExUnit's
      module process lives while its tests run;
    * each test runs in a new process: the context is the test's tags merged with the
      `setup_all` context, then `setup`, then the test body, within a time limit.

  A result is a map: `"state"` is `"passed"`, `"failed"` or `"invalid"` (its `setup_all` failed),
  `"message"` is ExUnit's own failure text (`ExUnit.Formatter`), `"time_us"` the test's time and
  `"output"` what it printed (its processes included), as ExUnit's `capture_io` would see it.
  """

  @modules :wasmblog_exunit_modules

  @doc """
  Runs the test `name` (a string) of `module`; returns its result map. `root` is the folder the
  test files' paths are shown relative to, as the host shows them.
  """
  def run(module, name, timeout_ms, root) do
    case module_context(module) do
      {:ok, context} ->
        case find_test(module, name) do
          nil -> %{"state" => "failed", "message" => "no test named " <> inspect(name) <> " in " <> inspect(module)}
          test -> run_test(test, context, timeout_ms, root)
        end

      {:error, message} ->
        %{"state" => "invalid", "message" => message}
    end
  end

  # Looked up for each test rather than kept: the calling process holds only small terms, since
  # this VM's garbage collector copies a process's whole live heap each time it runs.
  defp find_test(module, name) do
    atom = :erlang.binary_to_atom(name, :utf8)
    Enum.find(module.__ex_unit__().tests, fn test -> test.name == atom end)
  end

  # setup_all once per module, cached in the calling process (the bridge's receiver, which lives
  # as long as the VM): the context, or why setup_all failed.
  defp module_context(module) do
    modules = Process.get(@modules, %{})

    case Map.fetch(modules, module) do
      {:ok, known} ->
        known

      :error ->
        known = start_module(module)
        Process.put(@modules, Map.put(modules, module, known))
        known
    end
  end

  defp start_module(module) do
    parent = self()
    tag = make_ref()

    {pid, monitor} =
      spawn_monitor(fn ->
        result =
          try do
            {:ok, module.__ex_unit__(:setup_all, %{module: module, case: module})}
          catch
            kind, reason -> {:error, [{kind, Exception.normalize(kind, reason, __STACKTRACE__), __STACKTRACE__}]}
          end

        send(parent, {tag, result})
        # Processes that setup_all started stay linked to this one: it lives on, as ExUnit's does.
        receive do
          :__never__ -> :ok
        end
      end)

    receive do
      {^tag, {:ok, context}} ->
        {:ok, context}

      {^tag, {:error, failures}} ->
        Process.demonitor(monitor, [:flush])
        {:error, format_module_failure(module.__ex_unit__(), failures)}

      {:DOWN, ^monitor, :process, ^pid, reason} ->
        {:error, format_module_failure(module.__ex_unit__(), [{{:EXIT, pid}, reason, []}])}
    end
  end

  defp run_test(test, module_context, timeout_ms, root) do
    parent = self()
    tag = make_ref()
    context = Map.merge(Map.merge(test.tags, %{test: test.name, module: test.module}), module_context)

    capture_to = self()

    {pid, monitor} =
      spawn_monitor(fn ->
        send(capture_to, {tag, :capture, WasmblogHarness.Capture.start(self())})
        started = :erlang.monotonic_time(:microsecond)

        failures =
          try do
            context = test.module.__ex_unit__(:setup, context)
            apply(test.module, test.name, [context])
            []
          catch
            kind, reason -> failed(kind, reason, __STACKTRACE__)
          end

        send(parent, {tag, failures, :erlang.monotonic_time(:microsecond) - started})
        exit(:shutdown)
      end)

    capture =
      receive do
        {^tag, :capture, capture} -> capture
      end

    outcome =
      receive do
        {^tag, failures, time_us} ->
          Process.demonitor(monitor, [:flush])
          result(test, failures, time_us, root)

        {:DOWN, ^monitor, :process, ^pid, reason} ->
          result(test, [{{:EXIT, pid}, reason, []}], 0, root)
      after
        timeout_ms ->
          Process.exit(pid, :kill)
          Process.demonitor(monitor, [:flush])
          error = ExUnit.TimeoutError.exception(timeout: timeout_ms, type: Atom.to_string(test.tags.test_type))
          result(test, [{:error, error, []}], timeout_ms * 1000, root)
      end

    Map.put(outcome, "output", WasmblogHarness.Capture.finish(capture))
  end

  defp failed(:error, %ExUnit.MultiError{errors: errors}, _stack) do
    Enum.map(errors, fn {kind, reason, stack} -> {kind, Exception.normalize(kind, reason, stack), stack} end)
  end

  defp failed(kind, reason, stack), do: [{kind, Exception.normalize(kind, reason, stack), stack}]

  defp result(_test, [], time_us, _root), do: %{"state" => "passed", "time_us" => time_us}

  defp result(test, failures, time_us, root) do
    %{"state" => "failed", "message" => format_failure(test, failures, root), "time_us" => time_us}
  end

  # ExUnit's own text, as the host prints it; stack traces are left out because the VM's differ
  # from the host's (and the host's own report has them).
  defp format_failure(test, failures, root) do
    # The host wrote absolute paths into the tags; the VM has no cwd to make them relative to.
    test = %{test | tags: Map.put(test.tags, :file, Path.relative_to(test.tags.file, root))}

    try do
      ExUnit.Formatter.format_test_failure(test, strip(failures), 1, 100, &plain/2)
    catch
      _, _ -> fallback(failures)
    end
  end

  defp format_module_failure(test_module, failures) do
    try do
      ExUnit.Formatter.format_test_all_failure(test_module, strip(failures), 1, 100, &plain/2)
    catch
      _, _ -> fallback(failures)
    end
  end

  defp strip(failures), do: Enum.map(failures, fn {kind, reason, _stack} -> {kind, reason, []} end)

  defp fallback(failures) do
    Enum.map_join(failures, "\n", fn {kind, reason, _} -> Exception.format_banner(kind, reason, []) end)
  end

  defp plain(_kind, message), do: message
end
