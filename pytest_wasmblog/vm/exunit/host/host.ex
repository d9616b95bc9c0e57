defmodule WasmblogExUnit.Host do
  @moduledoc """
  The host half of an app's ExUnit tests, run by pytest-wasmblog with Debian's Erlang and Elixir.

    * `compile EBIN MANIFEST ROOT FILE...`: compiles each test file on its own (a file that does not
      compile does not stop the others) into `EBIN`, after `test/test_helper.exs` when it is among
      them, and writes `MANIFEST`: per file its test modules and tests, or its compile error.
    * `run RESULTS MODULE...`: runs the modules with ExUnit itself and writes each test's outcome
      and ExUnit's failure text to `RESULTS`.

  The app's modules and `EBIN` are on the code path (`-pa`), so doctests find their docs.
  """

  alias PytestWasmblog.JSON

  def main do
    case System.argv() do
      ["compile", ebin, manifest, root | files] -> compile(ebin, manifest, root, files)
      ["run", results | modules] -> run(results, Enum.map(modules, &Module.concat([&1])))
    end
  end

  # ---------------------------------------------------------------------------
  # compile
  # ---------------------------------------------------------------------------

  defp compile(ebin, manifest, root, files) do
    ExUnit.start(autorun: false)
    Code.compiler_options(ignore_module_conflict: true)
    File.mkdir_p!(ebin)
    entries = Enum.map(files, &compile_file(&1, ebin, root))
    File.write!(manifest, JSON.encode!(%{"format" => 1, "files" => entries}))
  end

  defp compile_file(file, ebin, root) do
    entry = %{"file" => Path.relative_to(file, root)}

    try do
      Kernel.ParallelCompiler.compile_to_path([file], ebin, return_diagnostics: false)
    catch
      kind, reason -> {:error, [{file, 0, Exception.format_banner(kind, reason, __STACKTRACE__)}], []}
    else
      {:ok, modules, _warnings} ->
        Map.put(entry, "modules", modules |> Enum.filter(&test_module?/1) |> Enum.sort() |> Enum.map(&describe/1))

      {:error, errors, _warnings} ->
        Map.put(entry, "error", Enum.map(errors, &compile_error(&1, root)))
    end
  end

  defp compile_error({file, position, message}, root) do
    line = if is_tuple(position), do: elem(position, 0), else: position
    %{"file" => Path.relative_to(to_string(file), root), "line" => line || 0, "message" => to_string(message)}
  end

  defp test_module?(module), do: function_exported?(module, :__ex_unit__, 0)

  defp describe(module) do
    test_module = module.__ex_unit__()

    %{
      "module" => inspect(module),
      "tests" =>
        test_module.tests
        |> Enum.sort_by(&{&1.tags.line, Atom.to_string(&1.name)})
        |> Enum.map(fn test ->
          %{
            "name" => Atom.to_string(test.name),
            "line" => test.tags.line,
            "describe" => test.tags.describe,
            "type" => Atom.to_string(test.tags.test_type),
            "tags" => user_tags(test.tags)
          }
        end)
    }
  end

  @ex_unit_tags [:async, :describe, :describe_line, :file, :line, :registered, :test_type, :module, :test]

  # Tags the test's author set, as JSON: names for `-k`, and values the plugin reads (`xfail_browser`,
  # `timeout`, `skip`); a keyword list such as `[webkit: "why"]` becomes `[["webkit", "why"]]`.
  defp user_tags(tags) do
    for {key, value} <- tags, key not in @ex_unit_tags, into: %{} do
      {Atom.to_string(key), tag_value(value)}
    end
  end

  defp tag_value(value) when is_binary(value) or is_integer(value) or is_boolean(value), do: value
  defp tag_value(value) when is_atom(value), do: Atom.to_string(value)
  defp tag_value(value) when is_list(value), do: Enum.map(value, &tag_value/1)
  defp tag_value(value) when is_tuple(value), do: Enum.map(Tuple.to_list(value), &tag_value/1)
  defp tag_value(value), do: inspect(value)

  # ---------------------------------------------------------------------------
  # run
  # ---------------------------------------------------------------------------

  defp run(results, modules) do
    ExUnit.start(autorun: false, formatters: [WasmblogExUnit.HostFormatter], seed: 0, exclude: [], include: [])
    Application.put_env(:ex_unit, :wasmblog_results, results)
    ExUnit.run(modules)
  end
end

defmodule WasmblogExUnit.HostFormatter do
  @moduledoc "An ExUnit formatter that writes each test's outcome and ExUnit's failure text as JSON."
  use GenServer

  @impl true
  def init(_opts), do: {:ok, %{results: [], invalid: %{}}}

  @impl true
  def handle_cast({:test_finished, test}, state) do
    {:noreply, %{state | results: [result(test, state) | state.results]}}
  end

  def handle_cast({:module_finished, %{state: {:failed, failures}} = test_module}, state) do
    message = ExUnit.Formatter.format_test_all_failure(test_module, failures, 1, 100, &plain/2)
    {:noreply, %{state | invalid: Map.put(state.invalid, test_module.name, message)}}
  end

  def handle_cast({:suite_finished, _times}, state) do
    results = Enum.reverse(Enum.map(state.results, &fill_invalid(&1, state.invalid)))
    File.write!(Application.fetch_env!(:ex_unit, :wasmblog_results), PytestWasmblog.JSON.encode!(results))
    {:noreply, state}
  end

  def handle_cast(_event, state), do: {:noreply, state}

  defp result(test, _state) do
    base = %{"module" => inspect(test.module), "name" => Atom.to_string(test.name), "time_us" => test.time}

    case test.state do
      nil -> Map.put(base, "state", "passed")
      {:failed, failures} -> Map.merge(base, %{"state" => "failed", "message" => failure(test, failures)})
      {:skipped, reason} -> Map.merge(base, %{"state" => "skipped", "message" => reason})
      {:excluded, reason} -> Map.merge(base, %{"state" => "skipped", "message" => reason})
      {:invalid, _module} -> Map.put(base, "state", "invalid")
    end
  end

  defp failure(test, failures), do: ExUnit.Formatter.format_test_failure(test, failures, 1, 100, &plain/2)

  defp fill_invalid(%{"state" => "invalid"} = result, invalid) do
    Map.put(result, "message", Map.get(invalid, Module.concat([result["module"]]), "setup_all failed"))
  end

  defp fill_invalid(result, _invalid), do: result

  defp plain(_kind, message), do: message
end
