defmodule ConformanceSample do
  @moduledoc """
  Documented examples of every shape the conformance suite must read (its tests compile this).

      iex> ConformanceSample.double(2)
      4

  Adjacent prompts share their bindings and make one example:

      iex> x = ConformanceSample.double(3)
      iex> x + 1
      7
      iex> x * 2
      12

  Numbered prompts and continuation lines:

      iex(1)> ConformanceSample.double(
      ...(1)>   5
      ...(1)> )
      10
  """

  @doc """
  Doubles a number.

      iex> ConformanceSample.double(1)
      2

      iex> ConformanceSample.double(:a)
      ** (ArithmeticError) bad argument in arithmetic expression

      iex> %ConformanceSample.Secret{name: "a", password: "b"}
      #ConformanceSample.Secret<name: "a", ...>

  A fence ends an example too:

  ```
  iex> ConformanceSample.double(4)
  8
  ```
  """
  def double(x), do: x * 2

  @doc """
  Examples the host cannot reproduce, or that vary.

      iex> ConformanceSample.double(2)
      5

      iex> h(ConformanceSample)

      iex> IO.puts("hello")
      :ok

      iex> is_integer(System.monotonic_time())
      true

      iex> {ConformanceSample.double(1), :erlang.unique_integer()}
      {2, 1}

      iex> ConformanceSample.eval(1)
      1
  """
  def vary(x), do: x

  @doc "Evaluates through erl_eval, which no browser bundle holds: the VM loses the caller."
  def eval(x) do
    {:value, value, _} = :erl_eval.expr({:integer, 1, x}, [])
    value
  end
end

defmodule ConformanceSample.Secret do
  @moduledoc false
  @derive {Inspect, only: [:name]}
  defstruct [:name, :password]
end
