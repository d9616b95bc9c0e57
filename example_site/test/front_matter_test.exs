defmodule Blog.FrontMatterTest do
  use ExUnit.Case, async: true
  doctest Blog.FrontMatter

  alias Blog.FrontMatter

  @missing "missing front matter: the text must start with a line \"---\", then key: value lines, then \"---\""
  @not_closed "front matter is not closed: add a line \"---\" after the last key: value line"

  setup do
    post = """
    ---
    title: Hello, World
    date: 2025-01-06
    tags: elixir, webassembly
    ---

    The body.
    """

    %{post: post}
  end

  describe "parse/1 with valid front matter" do
    test "returns the keys and the body", %{post: post} do
      assert {:ok, meta, body} = FrontMatter.parse(post)
      assert meta == %{"title" => "Hello, World", "date" => "2025-01-06", "tags" => ["elixir", "webassembly"]}
      assert body == "The body.\n"
    end

    test "a UTF-8 byte order mark and CRLF line ends are accepted", %{post: post} do
      crlf = "\uFEFF" <> String.replace(post, "\n", "\r\n")
      assert {:ok, %{"title" => "Hello, World"}, body} = FrontMatter.parse(crlf)
      assert String.starts_with?(body, "The body.")
    end

    test "values: surrounding quotes are removed, colons kept, a repeated key keeps its last value" do
      text = ~s(---\ntitle: "Testing: a guide"\nurl: https://a.test:8080/x\nempty: ""\nlone: "\nurl: /last\n---\n)
      assert {:ok, meta, ""} = FrontMatter.parse(text)
      assert meta == %{"title" => "Testing: a guide", "url" => "/last", "empty" => "", "lone" => ~s(")}
    end

    test "tags are split on commas, trimmed, empty ones dropped, case kept" do
      assert {:ok, %{"tags" => ["Elixir", "web assembly", "x"]}, ""} =
               FrontMatter.parse("---\ntags:  Elixir ,, web assembly ,x, \n---\n")

      assert {:ok, %{"tags" => []}, ""} = FrontMatter.parse("---\ntags:\n---\n")
    end

    test "blank lines and # comments are ignored; the front matter may be empty" do
      assert {:ok, %{"title" => "x"}, "body"} =
               FrontMatter.parse("---\n\n# a comment: not a key\n  \ntitle: x\n---\nbody")

      assert FrontMatter.parse("---\n---") == {:ok, %{}, ""}
    end

    test "the body: blank lines after the closing line are dropped, a later --- is kept" do
      assert FrontMatter.parse("---  \ntitle: x\n  ---\n\n \nbody\n\n\n---\nmore") ==
               {:ok, %{"title" => "x"}, "body\n\n\n---\nmore"}
    end

    @tag :unicode
    test "Unicode keys and values are kept as they are" do
      text = "---\ntitle: Café — 日本語のブログ 🎉\nauteur: Zoë\n---\nCorps 😀"
      assert {:ok, meta, "Corps 😀"} = FrontMatter.parse(text)
      assert meta == %{"title" => "Café — 日本語のブログ 🎉", "auteur" => "Zoë"}
    end
  end

  describe "parse/1 with malformed front matter" do
    test "text that does not start with a --- line" do
      for text <- ["", "---", "title: x\n---\nbody", "\n---\ntitle: x\n---\n", "-- -\ntitle: x\n---\n"] do
        assert FrontMatter.parse(text) == {:error, @missing}, "#{inspect(text)} has no front matter"
      end
    end

    test "a missing closing delimiter", %{post: post} do
      [without_closing_line, _body] = String.split(post, "---\n\n")
      assert FrontMatter.parse(without_closing_line) == {:error, @not_closed}
      assert FrontMatter.parse("---\n") == {:error, @not_closed}
    end

    test "a line that is not key: value, or has an empty key, is named with its line number" do
      assert FrontMatter.parse("---\ntitle: x\n\n# note\nthis is not a pair\n---\n") ==
               {:error, "front matter line 5 is not \"key: value\": this is not a pair"}

      assert FrontMatter.parse("---\n   : value\n---\n") ==
               {:error, "front matter line 2 is not \"key: value\": : value"}
    end

    test "a value that is not a string is an error, not a crash" do
      for value <- [nil, 42, ~c"---\n---\n", %{"title" => "x"}] do
        assert {:error, "front matter: expected the text of a post (a string)"} = FrontMatter.parse(value)
      end
    end
  end

  @tag :long_input
  # Sized for the browser's VM, where parsing takes time that grows faster than the input (a post
  # ten times this long takes seconds there).
  test "a long post: many keys and a large body" do
    keys = Enum.map_join(1..200, "\n", fn i -> "key#{i}: value #{i}" end)
    body = String.duplicate("A line of the body.\n", 2_000)

    assert {:ok, meta, ^body} = FrontMatter.parse("---\n" <> keys <> "\n---\n" <> body)
    assert map_size(meta) == 200
    assert meta["key200"] == "value 200"
  end
end
