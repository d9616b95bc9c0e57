defmodule Reach.Files do
  @moduledoc "Reads a file: the browser has no file system."
  def read(path), do: File.read(path)
end

defmodule Reach.Shell do
  @moduledoc "Runs a program through a port."
  def run(command), do: System.cmd(command, [])
  def open(command), do: Port.open({:spawn, command}, [])
  def close(port), do: Port.close(port)
end

defmodule Reach.Eval do
  @moduledoc "Evaluates code at run time: the compiler is never in a bundle."
  def eval(source) do
    {value, _binding} = Code.eval_string(source)
    value
  end
end

defmodule Reach.Pure do
  @moduledoc "Only pure functions: nothing here may be reported."
  def double(list), do: Enum.map(list, fn x -> x * 2 end)
  def shout(text), do: String.upcase(text) <> "!"
end

defmodule Reach.Misc do
  @moduledoc "Other things this VM lacks."
  def count(table), do: :ets.select_count(table, [{:_, [], [true]}])
  def arg(name), do: :init.get_argument(name)
  def ghost(x), do: :no_such_module_anywhere.hello(x)
end

defmodule Reach.App do
  def start do
    PytestWasmblog.Bridge.start_and_wait(
      name: :main,
      allow: [Reach.Files, Reach.Shell, Reach.Eval, Reach.Pure, Reach.Misc]
    )
  end
end
