defmodule Blog.SlugTest do
  use ExUnit.Case, async: true
  doctest Blog.Slug

  alias Blog.Slug

  # Titles a blog really gets, with the slug each must give.
  @titles [
    {"Hello, World!", "hello-world"},
    {"Elixir 1.14 & OTP 25: What's New?", "elixir-1-14-otp-25-what-s-new"},
    {"snake_case vs. kebab-case", "snake-case-vs-kebab-case"},
    {"Crème Brûlée à la Française", "crème-brûlée-à-la-française"},
    {"ÉCOLE ÜBER ÇA", "école-über-ça"},
    {"ΑΘΗΝΑ ΚΑΙ ΣΠΑΡΤΗ", "αθηνα-και-σπαρτη"},
    {"Straße", "straße"},
    {"Elixir 入門 Guide", "elixir-guide"}
  ]

  describe "slugify/1 with ASCII titles" do
    test "downcases, keeps letters and digits, joins words with one dash" do
      assert Slug.slugify("Testing What the Browser Actually Runs") ==
               "testing-what-the-browser-actually-runs"

      assert Slug.slugify("Top 10 Tips") == "top-10-tips"
    end

    test "collapses every run of separators into one dash and trims dashes at both ends" do
      assert Slug.slugify("a -- b ... c\t\n d") == "a-b-c-d"
      assert Slug.slugify("  --Why?--  ") == "why"
      refute String.starts_with?(Slug.slugify("!!!Bang"), "-"), "a slug must not start with a dash"
      refute String.ends_with?(Slug.slugify("Bang!!!"), "-"), "a slug must not end with a dash"
    end

    test "a title of only punctuation, or nothing at all, gives an empty slug" do
      assert Slug.slugify("") == ""
      assert Slug.slugify("?!... ---") == ""
    end
  end

  describe "slugify/1 with Unicode titles" do
    @describetag :unicode

    test "known titles give their slugs, always valid UTF-8" do
      for {title, slug} <- @titles do
        assert Slug.slugify(title) == slug, "slugify(#{inspect(title)}) should be #{inspect(slug)}"
        assert String.valid?(Slug.slugify(title))
      end
    end

    test "emoji are separators and never end up in the slug" do
      assert Slug.slugify("I ❤️ Elixir 🚀🚀") == "i-elixir"
      assert Slug.slugify("🎉") == ""
    end

    test "CJK characters have no case, so they are separators" do
      assert Slug.slugify("日本語のブログ") == ""
      assert Slug.slugify("AtomVM とブラウザ") == "atomvm"
    end
  end

  describe "slugify/1 invariants" do
    test "is idempotent: a slug slugifies to itself" do
      for {title, _slug} <- @titles do
        slug = Slug.slugify(title)
        assert Slug.slugify(slug) == slug, "#{inspect(slug)} changed when slugified again"
      end
    end

    @tag :long_input
    test "a long title is slugified in full" do
      slug = Slug.slugify(String.duplicate("Word, ", 500))

      assert byte_size(slug) == 500 * 5 - 1
      assert String.starts_with?(slug, "word-word-")
      refute String.contains?(slug, "--")
    end

    test "rejects a title that is not a string" do
      assert_raise FunctionClauseError, fn -> Slug.slugify(nil) end
      assert_raise FunctionClauseError, fn -> Slug.slugify(~c"hello") end
    end
  end
end
