defmodule Blog.ReadingTimeTest do
  use ExUnit.Case, async: true
  doctest Blog.ReadingTime

  alias Blog.ReadingTime

  describe "words/1" do
    test "counts runs of non-whitespace, whatever ASCII whitespace separates them" do
      assert ReadingTime.words(" \t\n\r\f\vone \t\n\r\f\vtwo \t\n\r\f\v") == 2
      assert ReadingTime.words("   \n\n\t  ") == 0
    end

    test "punctuation and Markdown markup are parts of words" do
      assert ReadingTime.words("Hello, *world* -- `code` [link](/x)!") == 5
    end

    @tag :unicode
    test "accented words and emoji count once each; CJK without spaces is one word" do
      assert ReadingTime.words("Crème brûlée à la française 🎉 🚀") == 7
      assert ReadingTime.words("日本語のテキストです") == 1
      assert ReadingTime.words("日本語 の テキスト") == 3
    end
  end

  describe "minutes/1" do
    setup do
      %{words: fn n -> String.duplicate("word ", n) end}
    end

    test "rounds up at 200 words per minute, at least one minute, never shrinking", %{words: words} do
      for {n, minutes} <- [{0, 1}, {1, 1}, {199, 1}, {200, 1}, {201, 2}, {400, 2}, {401, 3}, {1_000, 5}] do
        assert ReadingTime.minutes(words.(n)) == minutes, "#{n} words should take #{minutes} min"
      end

      minutes = for n <- 0..2_000//100, do: ReadingTime.minutes(words.(n))
      assert minutes == Enum.sort(minutes), "reading time went down as text grew: #{inspect(minutes)}"
    end

    @tag :long_input
    test "a very long text (100,000 words)", %{words: words} do
      assert ReadingTime.minutes(words.(100_000)) == 500
    end

    test "can be computed in another process and sent back" do
      parent = self()
      text = String.duplicate("Elixir runs in the browser. ", 250)

      spawn(fn -> send(parent, {:reading_time, ReadingTime.words(text), ReadingTime.minutes(text)}) end)

      assert_receive {:reading_time, 1_250, 7}
    end

    test "rejects text that is not a string" do
      assert_raise FunctionClauseError, fn -> ReadingTime.minutes(nil) end
      assert_raise FunctionClauseError, fn -> ReadingTime.words(~c"a charlist") end
    end
  end
end
