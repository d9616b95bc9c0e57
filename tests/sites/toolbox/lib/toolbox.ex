defmodule Toolbox do
  @moduledoc "Functions the plugin's tests call through the bridge."

  def echo(term), do: term

  def add(a, b), do: a + b

  def fail(message), do: raise(ArgumentError, message)

  def throw_it(value), do: throw(value)

  def exit_with(reason), do: exit(reason)

  def say(text) do
    IO.puts(text)
    :ok
  end

  @doc "Never returns: the bridge's receiver blocks, so the call must time out."
  def hang do
    receive do
      :never_sent -> :ok
    end
  end
end

defmodule Toolbox.App do
  def start do
    PytestWasmblog.Bridge.start_and_wait(name: :main, allow: [Toolbox, Toolbox.Errors])
  end
end

defmodule Toolbox.Errors do
  @moduledoc "Writes to standard_error, to check that VM stderr reaches the harness."
  def warn(text) do
    IO.puts(:stderr, text)
    :ok
  end
end
