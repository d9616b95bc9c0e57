defmodule Shop.CartTest do
  use ExUnit.Case, async: true
  doctest Shop.Cart

  alias Shop.{Book, Cart, Gift, Priced}

  setup_all do
    {:ok, catalogue: [%Book{title: "Dune", pages: 600}, %Gift{value: 2500}]}
  end

  setup %{catalogue: catalogue} do
    {:ok, cart} = Cart.start_link()
    Enum.each(catalogue, &Cart.add(cart, &1))
    {:ok, cart: cart}
  end

  describe "a cart process" do
    test "totals what was added", %{cart: cart} do
      assert Cart.total(cart) == 1700 + 2500
    end

    @tag :slow_path
    test "keeps the order of adding", %{cart: cart} do
      assert [%Book{}, %Gift{}] = Cart.items(cart)
    end

    test "dies with the caller's bad item and says why", %{cart: cart} do
      Process.flag(:trap_exit, true)
      assert catch_exit(Cart.add(cart, %Gift{value: -1}))
      assert_receive {:EXIT, ^cart, {:function_clause, _}}
    end
  end

  describe "the Priced protocol" do
    test "dispatches on the struct" do
      assert Priced.cents(%Book{pages: 10}) == 520
      refute Priced.cents(%Gift{value: 1}) == 2, "a gift costs its value"
    end

    test "raises for a type without an implementation" do
      assert_raise Protocol.UndefinedError, fn -> Priced.cents(%{}) end
    end
  end

  test "throws and messages" do
    parent = self()
    spawn(fn -> send(parent, {:counted, Cart.count_by_kind([%Book{}, %Book{}])}) end)
    assert_receive {:counted, %{Book => 2}}
    assert catch_throw(throw({:out_of_stock, "Dune"})) == {:out_of_stock, "Dune"}
  end
end
