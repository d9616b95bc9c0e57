defmodule Shop.App do
  @moduledoc false
  def start, do: PytestWasmblog.Bridge.start_and_wait(name: :main)
end

defprotocol Shop.Priced do
  @doc "The price of an item, in cents."
  def cents(item)
end

defmodule Shop.Book do
  @moduledoc false
  defstruct [:title, pages: 100]

  defimpl Shop.Priced do
    def cents(%{pages: pages}), do: 500 + pages * 2
  end
end

defmodule Shop.Gift do
  @moduledoc false
  defstruct [:value]

  defimpl Shop.Priced do
    def cents(%{value: value}) when is_integer(value) and value > 0, do: value
  end
end

defmodule Shop.Cart do
  @moduledoc """
  A shopping cart held by a process.

      iex> {:ok, cart} = Shop.Cart.start_link()
      iex> Shop.Cart.add(cart, %Shop.Book{title: "Dune", pages: 600})
      :ok
      iex> Shop.Cart.total(cart)
      1700
  """
  use GenServer

  def start_link(items \\ []), do: GenServer.start_link(__MODULE__, items)
  def add(cart, item), do: GenServer.call(cart, {:add, item})
  def total(cart), do: GenServer.call(cart, :total)
  def items(cart), do: GenServer.call(cart, :items)

  @doc """
  Counts items by their struct.

      iex> Shop.Cart.count_by_kind([%Shop.Book{}, %Shop.Gift{value: 1}, %Shop.Book{}])
      %{Shop.Book => 2, Shop.Gift => 1}
  """
  def count_by_kind(items), do: Enum.frequencies_by(items, & &1.__struct__)

  @impl true
  def init(items), do: {:ok, items}

  @impl true
  def handle_call({:add, item}, _from, items) do
    _ = Shop.Priced.cents(item)
    {:reply, :ok, [item | items]}
  end

  def handle_call(:total, _from, items), do: {:reply, Enum.sum(Enum.map(items, &Shop.Priced.cents/1)), items}
  def handle_call(:items, _from, items), do: {:reply, Enum.reverse(items), items}
end

defmodule Shop.Platform do
  @moduledoc "Which VM runs the code: a function whose answer differs between the host and the browser."
  def machine, do: List.to_string(:erlang.system_info(:machine))
end
