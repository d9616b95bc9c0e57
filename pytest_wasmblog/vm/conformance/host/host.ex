defmodule WasmblogConformance.Host do
  @moduledoc """
  The host half of the conformance suite: extracts the doctest examples of the given modules,
  compiles each into a function, runs it on the host BEAM and classifies it, and writes what the
  VM half needs:

    * `OUT/lib/*.ex`: one module of example functions per documented module, for the VM bundle;
    * `OUT/examples.json`: every example with its source, class and the host's observations.

  Each example is compiled twice: as it runs in the VM (`example_N/0`) and with the documented
  results checked (`check_N/0`, host only). Classes:

    * `compared`: the host gives what the docs show, the same twice: the VM must give the same;
    * `prints`: the same, and it writes output, which the VM must write too;
    * `clock`, `random`, `nondeterministic`: results vary between runs (or with the date): the VM
      must give results of the same shape;
    * `host_fails`: the host itself does not give what the docs show (or raises);
    * `does_not_compile`: the example is not valid code outside IEx.

  Run as `elixir -pa EBIN -e 'WasmblogConformance.Host.main()' -- OUT Module ...`.
  """

  alias WasmblogConformance.{Extract, Runner}

  @timeout_ms 5000
  @clock ~w(utc_now utc_today local_now DateTime.now NaiveDateTime.local System.system_time
            System.os_time System.monotonic_time :os.system_time :os.timestamp :erlang.now
            :erlang.system_time :erlang.monotonic_time Process.sleep)
  @random ~w(:rand. Enum.random Enum.take_random Enum.shuffle make_ref unique_integer
             :crypto. Process.list self\(\) spawn)

  def main do
    [out | names] = System.argv()
    Code.compiler_options(ignore_module_conflict: true)
    File.mkdir_p!(Path.join(out, "lib"))
    modules = Enum.map(names, &Module.concat([&1]))
    examples = Enum.flat_map(modules, &module_examples(&1, out))

    manifest = %{
      "format" => 1,
      "elixir" => System.version(),
      "otp" => List.to_string(:erlang.system_info(:otp_release)),
      "modules" => names,
      "examples" => examples
    }

    File.write!(Path.join(out, "examples.json"), PytestWasmblog.JSON.encode!(manifest))
  end

  defp module_examples(module, out) do
    label = inspect(module)
    examples = Enum.map(Extract.examples(module), &Map.merge(&1, %{module: label, import: false}))
    run_module = Module.concat([WasmblogConformance.Examples, label])
    check_module = Module.concat([WasmblogConformance.Checks, label])
    {run_source, runnable, run_errors} = compile_all(run_module, Enum.with_index(examples, 1), &run_function/2)
    {_check_source, _, check_errors} = compile_all(check_module, runnable, &check_function/2)
    File.write!(Path.join([out, "lib", "examples_#{Macro.underscore(label)}.ex"]), run_source)
    imported = Map.new(runnable, fn {example, index} -> {index, example} end)

    Enum.map(Enum.with_index(examples, 1), fn {example, index} ->
      example = Map.get(imported, index, example)

      record = %{
        "id" => "#{example.doc} ##{example.number}",
        "module" => label,
        "doc" => example.doc,
        "number" => example.number,
        "line" => example.line,
        "source" => example.text,
        "vm_module" => Atom.to_string(run_module),
        "vm_function" => "example_#{index}"
      }

      Map.merge(record, classify(example, index, run_module, check_module, run_errors, check_errors))
    end)
  end

  # ---------------------------------------------------------------------------
  # Compiling: the whole module at once, and the examples that break it found by halving
  # ---------------------------------------------------------------------------

  # Examples compile with `require Module`; one that does not is tried again with `import Module`
  # (Bitwise's operators, say, which its docs use unqualified), as ExUnit's `import: true` does.
  defp compile_all(module, indexed, render) do
    {good, errors} = split_compilable(module, indexed, render, %{})
    source = module_source(module, good, render)
    {:ok, _} = compile(source)
    {source, good, errors}
  end

  defp split_compilable(module, indexed, render, errors) do
    case compile(module_source(module, indexed, render)) do
      {:ok, _} ->
        {indexed, errors}

      {:error, message} when length(indexed) == 1 ->
        [{example, index}] = indexed
        retry = [{%{example | import: true}, index}]

        if example.import == false and match?({:ok, _}, compile(module_source(module, retry, render))) do
          {retry, errors}
        else
          {[], Map.put(errors, index, message)}
        end

      {:error, _} ->
        {left, right} = Enum.split(indexed, div(length(indexed), 2))
        {left_good, errors} = split_compilable(module, left, render, errors)
        {right_good, errors} = split_compilable(module, right, render, errors)
        {left_good ++ right_good, errors}
    end
  end

  defp compile(source) do
    try do
      {:ok, Code.compile_string(source, "conformance.ex")}
    rescue
      error -> {:error, Exception.message(error) |> String.split("\n") |> hd()}
    end
  end

  defp module_source(module, indexed, render) do
    functions = Enum.map_join(indexed, "\n", fn {example, index} -> render.(example, index) end)

    """
    defmodule #{inspect(module)} do
      @moduledoc false
    #{functions}
    end
    """
  end

  defp run_function(example, index) do
    body = Enum.map_join(example.exprs, "\n", &run_expr/1)
    "def example_#{index} do\n#{prelude(example)}\n#{body}\n:ok\nend\n"
  end

  defp check_function(example, index) do
    body = Enum.map_join(example.exprs, "\n", &check_expr/1)
    "def check_#{index} do\n#{prelude(example)}\n#{body}\n:ok\nend\n"
  end

  defp prelude(%{module: module, import: true}), do: "import #{module}, warn: false"
  defp prelude(%{module: module}), do: "require #{module}"

  defp run_expr({source, :none}), do: source
  defp run_expr({source, {:raise, _, _}}), do: "WasmblogConformance.Runner.raises(fn ->\n#{source}\nend)"
  defp run_expr({source, _shown}), do: "WasmblogConformance.Runner.value((\n#{source}\n))"

  defp check_expr({source, :none}), do: source

  defp check_expr({source, {:value, expected}}),
    do: "WasmblogConformance.Host.expect_value((\n#{source}\n), (\n#{expected}\n))"

  defp check_expr({source, {:inspect, shown}}),
    do: "WasmblogConformance.Host.expect_inspect((\n#{source}\n), #{inspect(shown)})"

  defp check_expr({source, {:raise, module, message}}) do
    "WasmblogConformance.Host.expect_raise(fn ->\n#{source}\nend, #{inspect(module)}, #{inspect(message)})"
  end

  # ---------------------------------------------------------------------------
  # What the check functions call: the value is recorded as in the VM, a mismatch noted apart
  # ---------------------------------------------------------------------------

  @doc false
  def expect_value(value, expected) do
    unless value === expected do
      mismatch("expected #{inspect(expected)}, got #{inspect(value)}")
    end

    Runner.value(value)
  end

  @doc false
  def expect_inspect(value, shown) do
    text = inspect(value, safe: false)
    if text != shown, do: mismatch("expected #{shown}, inspect gives #{text}")
    Runner.value(value)
  end

  @doc false
  def expect_raise(fun, module_name, message) do
    wanted = Module.concat([module_name])

    case Runner.raises(fun) do
      {:raised, %{__struct__: ^wanted} = error} ->
        actual = Exception.message(error)
        if actual != message, do: mismatch("expected the message #{inspect(message)}, got #{inspect(actual)}")

      {:raised, error} ->
        mismatch("expected #{inspect(wanted)}, got #{inspect(error.__struct__)}: #{Exception.message(error)}")

      {:returned, value} ->
        mismatch("expected #{inspect(wanted)} to be raised, got #{inspect(value)}")
    end
  end

  # Recorded like a value, so it travels with the observations; removed before comparing runs.
  defp mismatch(text), do: Runner.value({:wasmblog_conformance_mismatch, text})

  # ---------------------------------------------------------------------------
  # Classifying
  # ---------------------------------------------------------------------------

  defp classify(_example, index, _run_module, _check_module, run_errors, _check_errors)
       when is_map_key(run_errors, index) do
    %{"class" => "does_not_compile", "reason" => run_errors[index], "vm_function" => nil, "host" => []}
  end

  defp classify(example, index, run_module, check_module, _run_errors, check_errors) do
    run = Runner.run(run_module, :"example_#{index}", @timeout_ms)
    source = Enum.map_join(example.exprs, "\n", fn {code, _} -> code end)

    {class, reason} =
      if is_map_key(check_errors, index) do
        {"host_fails", "the documented result is not valid code here: " <> check_errors[index]}
      else
        checked = Runner.run(check_module, :"check_#{index}", @timeout_ms)
        {mismatches, rechecked} = Enum.split_with(checked, &mismatch?/1)
        classify_run(run, rechecked, mismatches, source)
      end

    %{"class" => class, "reason" => reason, "host" => run}
  end

  defp mismatch?(["value", text]), do: String.contains?(text, "wasmblog_conformance_mismatch")
  defp mismatch?(_), do: false

  defp classify_run(run, again, mismatches, source) do
    varies = run != again
    pattern = Enum.find(@clock, &String.contains?(source, &1)) && "clock"
    pattern = pattern || (Enum.find(@random, &String.contains?(source, &1)) && "random")

    cond do
      varies -> {pattern || "nondeterministic", "the result differs between two runs on the host"}
      mismatches != [] and pattern == "clock" -> {"clock", "the documented result depends on the date"}
      mismatches != [] -> {"host_fails", mismatch_text(hd(mismatches))}
      List.last(run) != ["returned"] -> {"host_fails", "on the host: " <> ending_text(List.last(run))}
      Enum.any?(run, &match?(["output", _], &1)) -> {"prints", "writes output, compared too"}
      true -> {"compared", ""}
    end
  end

  defp mismatch_text(["value", text]) do
    case PytestWasmblog.JSON.decode(text) do
      {:ok, ["t", [_, ["s", message]]]} -> "the host differs from the docs: " <> message
      _ -> "the host differs from the docs"
    end
  end

  defp ending_text(["uncaught", kind, what, message]), do: "#{kind} #{what} #{message}"
  defp ending_text(other), do: Enum.join(other, " ")
end
