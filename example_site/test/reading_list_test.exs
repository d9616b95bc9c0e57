defmodule Blog.ReadingListTest do
  use ExUnit.Case, async: true
  doctest Blog.ReadingList

  alias Blog.{Posts, ReadingList}

  @hello "hello-world"
  @small "small-modules-small-surprises"
  @atomvm "why-atomvm-fits-in-a-browser-tab"

  setup do
    # A list as normalize/1 returns it: known posts, each once, in the reader's order.
    list = [%{"slug" => @hello, "read" => true}, %{"slug" => @small, "read" => false}]
    %{list: list}
  end

  describe "normalize/1" do
    test "nothing stored is an empty list; any other non-list is one dropped value" do
      assert ReadingList.normalize(nil) == {[], 0}

      for stored <- ["[]", 42, %{"slug" => @hello}, true] do
        assert ReadingList.normalize(stored) == {[], 1}, "#{inspect(stored)} should be dropped whole"
      end
    end

    test "a valid list comes back unchanged, nothing dropped", %{list: list} do
      assert ReadingList.normalize(list) == {list, 0}
      assert ReadingList.normalize([]) == {[], 0}
    end

    test "drops unknown posts, non-string slugs, non-maps and later duplicates, keeping the order" do
      stored = [
        %{"slug" => @small},
        %{"slug" => "a-deleted-post", "read" => true},
        %{"slug" => :hello_world},
        %{"title" => "no slug"},
        [@hello],
        nil,
        %{"slug" => @hello, "read" => true},
        %{"slug" => @small, "read" => true}
      ]

      assert ReadingList.normalize(stored) ==
               {[%{"slug" => @small, "read" => false}, %{"slug" => @hello, "read" => true}], 6}
    end

    test "read is true only for the boolean true; extra keys are left out without counting" do
      stored =
        for {slug, read} <- [{@hello, "true"}, {@small, 1}, {@atomvm, nil}],
            do: %{"slug" => slug, "read" => read, "added" => "2025-01-01"}

      {entries, 0} = ReadingList.normalize(stored)
      refute Enum.any?(entries, & &1["read"]), "a non-boolean read flag was taken as read"
      assert Enum.all?(entries, &(Enum.sort(Map.keys(&1)) == ["read", "slug"]))
    end

    @tag :unicode
    test "slugs are not trimmed or case-folded; an improper list's tail is dropped" do
      stored = [%{"slug" => " hello-world"}, %{"slug" => "Hello-World"}, %{"slug" => "hello-wörld"}]
      assert ReadingList.normalize(stored) == {[], 3}
      assert ReadingList.normalize([%{"slug" => @hello} | :tail]) == {[%{"slug" => @hello, "read" => false}], 1}
    end
  end

  describe "add/2, remove/2 and mark_read/3" do
    test "add appends unread at the end; adding again keeps place and read flag", %{list: list} do
      assert {:ok, added} = ReadingList.add(list, @atomvm)
      assert List.last(added) == %{"slug" => @atomvm, "read" => false}
      assert ReadingList.add(list, @hello) == {:ok, list}, "re-adding a read post must not reset it"
    end

    test "adding a slug that names no post is an error naming the slug", %{list: list} do
      assert ReadingList.add(list, "café-🎉") == {:error, ~s(no post with slug "café-🎉")}
      assert ReadingList.add([], "") == {:error, ~s(no post with slug "")}
      assert_raise FunctionClauseError, fn -> ReadingList.add(list, :hello_world) end
    end

    test "remove drops only the post named; an absent post changes nothing", %{list: list} do
      assert ReadingList.remove(list, @hello) == [%{"slug" => @small, "read" => false}]
      assert ReadingList.remove(list, @atomvm) == list
      assert ReadingList.remove([], @hello) == []
    end

    test "mark_read sets the flag in place and never adds a post", %{list: list} do
      assert ReadingList.mark_read(list, @small, true) == Enum.map(list, &Map.put(&1, "read", true))
      assert ReadingList.mark_read(list, @hello, false) == Enum.map(list, &Map.put(&1, "read", false))
      assert ReadingList.mark_read(list, @atomvm, true) == list
      assert_raise FunctionClauseError, fn -> ReadingList.mark_read(list, @hello, "yes") end
    end
  end

  describe "view/1" do
    test "items carry the post's title and minutes, in list order", %{list: list} do
      %{"items" => items} = ReadingList.view(list)
      assert Enum.map(items, & &1["slug"]) == [@hello, @small]

      for item <- items do
        post = Posts.get(item["slug"])
        assert item["title"] == post.title and item["reading_minutes"] == post.reading_minutes
      end
    end

    test "counts and minutes follow every change", %{list: list} do
      {:ok, list} = ReadingList.add(list, @atomvm)
      view = ReadingList.view(list)
      assert {view["count"], view["unread_count"], view["total_minutes"], view["unread_minutes"]} == {3, 2, 6, 4}

      view = list |> ReadingList.mark_read(@atomvm, true) |> ReadingList.remove(@hello) |> ReadingList.view()
      assert {view["count"], view["unread_count"], view["total_minutes"], view["unread_minutes"]} == {2, 1, 4, 1}
    end

    test "an entry whose post does not exist is left out" do
      view = ReadingList.view([%{"slug" => "a-deleted-post", "read" => false}, %{"slug" => @hello}])
      assert Enum.map(view["items"], & &1["slug"]) == [@hello]
      assert view["unread_count"] == 1, "an entry without a read flag counts as unread"
    end

    @tag :long_input
    test "a long stored list of every post, repeated, is answered from another process" do
      stored = for _round <- 1..50, post <- Posts.all(), do: %{"slug" => post.slug, "read" => true}
      parent = self()

      spawn(fn ->
        {entries, dropped} = ReadingList.normalize(stored)
        send(parent, {:view, dropped, ReadingList.view(entries)})
      end)

      total = Enum.sum(Enum.map(Posts.all(), & &1.reading_minutes))
      count = length(Posts.all())
      dropped = 49 * count
      # 400 entries take longer than assert_receive's default 100 ms in the browser's VM (4,000 take
      # seconds there: its garbage collector copies the whole live heap each time).
      assert_receive {:view, ^dropped, %{"count" => ^count, "unread_count" => 0, "total_minutes" => ^total}},
                     2_000
    end
  end
end
