defmodule Blog.MarkdownTest do
  use ExUnit.Case, async: true
  doctest Blog.Markdown

  alias Blog.Markdown

  describe "to_html/1 blocks" do
    test "empty and blank documents render nothing" do
      assert Markdown.to_html("") == ""
      assert Markdown.to_html("  \n\n \t \n") == ""
    end

    test "three heading levels; a fourth # or a missing space is a paragraph" do
      assert Markdown.to_html("# One\n## Two\n### Three") ==
               "<h1>One</h1>\n<h2>Two</h2>\n<h3>Three</h3>"

      assert Markdown.to_html("#### Four") == "<p>#### Four</p>"
      assert Markdown.to_html("#hashtag") == "<p>#hashtag</p>"
    end

    test "paragraphs end at blank lines, headings and fences; CRLF is accepted" do
      assert Markdown.to_html("one\r\ntwo\r\n\r\nthree\r\n") == "<p>one\ntwo</p>\n<p>three</p>"

      assert Markdown.to_html("Intro\n# Part\n```\ncode\n```\nafter") ==
               "<p>Intro</p>\n<h1>Part</h1>\n<pre><code>code</code></pre>\n<p>after</p>"
    end
  end

  describe "to_html/1 lists" do
    test "- and * items, ordered lists keep their start number" do
      assert Markdown.to_html("- a\n* b") == "<ul><li>a</li><li>b</li></ul>"
      assert Markdown.to_html("7. a\n8. b") == ~s(<ol start="7"><li>a</li><li>b</li></ol>)
      assert Markdown.to_html("1234567890. big") == "<p>1234567890. big</p>"
    end

    test "indented lines continue an item; blank lines between items keep one list" do
      assert Markdown.to_html("- first\n  still first\n\n- second") ==
               "<ul><li>first\nstill first</li><li>second</li></ul>"
    end

    test "nested items are not nested: they become items of the outer list" do
      assert Markdown.to_html("- outer\n  - inner\n    - innermost\n- next") ==
               "<ul><li>outer</li><li>inner</li><li>innermost</li><li>next</li></ul>"
    end

    test "a nested list of the other kind splits the list, every tag still closed" do
      html = Markdown.to_html("- outer\n  1. inner\n- next")
      assert html == "<ul><li>outer</li></ul>\n<ol><li>inner</li></ol>\n<ul><li>next</li></ul>"
      assert count(html, "<li>") == count(html, "</li>")
    end
  end

  describe "to_html/1 code" do
    test "markup inside code, fenced or inline, is escaped, not interpreted" do
      md = "```markdown\n# not a heading\n- not a list\n**not strong** [not](a-link)\n<b>&</b>\n```"

      assert Markdown.to_html(md) ==
               ~s(<pre><code class="language-markdown"># not a heading\n- not a list\n) <>
                 "**not strong** [not](a-link)\n&lt;b&gt;&amp;&lt;/b&gt;</code></pre>"

      assert Markdown.to_html("Use `<b>*x*</b>` here") ==
               "<p>Use <code>&lt;b&gt;*x*&lt;/b&gt;</code> here</p>"
    end

    test "an unclosed fence runs to the end of the document, blank lines included" do
      assert Markdown.to_html("```\nlet x = 1\n\nlet y = 2") ==
               "<pre><code>let x = 1\n\nlet y = 2</code></pre>"
    end
  end

  describe "to_html/1 inline" do
    test "emphasis and strong nest; underscores inside words stay as they are" do
      assert Markdown.to_html("**a *b* c**") == "<p><strong>a <em>b</em> c</strong></p>"
      assert Markdown.to_html("*a **b** c*") == "<p><em>a <strong>b</strong> c</em></p>"
      assert Markdown.to_html("snake_case and café_au_lait") == "<p>snake_case and café_au_lait</p>"
      assert Markdown.to_html("an _important_ word") == "<p>an <em>important</em> word</p>"
    end

    test "unclosed markers and backslash escapes are literal" do
      assert Markdown.to_html("*open and `tick") == "<p>*open and `tick</p>"
      assert Markdown.to_html("\\*not em\\* \\_nor this\\_") == "<p>*not em* _nor this_</p>"
    end

    @tag :unicode
    test "Unicode text passes through inside markup and links" do
      assert Markdown.to_html("*日本語* and **Ünïcödé** 🎉 [café](/café)") ==
               ~s(<p><em>日本語</em> and <strong>Ünïcödé</strong> 🎉 <a href="/café">café</a></p>)
    end
  end

  describe "HTML escaping and unsafe input" do
    @describetag :security

    test "a <script> tag is escaped wherever it appears" do
      for md <- [
            "<script>alert(1)</script>",
            "# <script>alert(1)</script>",
            "- <script>alert(1)</script>",
            "[<script>alert(1)</script>](/x)"
          ] do
        html = Markdown.to_html(md)
        refute String.contains?(html, "<script"), "unescaped script tag in #{inspect(html)}"
        assert String.contains?(html, "&lt;script&gt;")
      end
    end

    test "javascript:, vbscript: and data: links are refused in any spelling" do
      urls = ["javascript:alert", "JaVaScRiPt:alert", " java\tscript:x", "\u0001javascript:x", "vbscript:x", "DATA:text/html,x"]

      for url <- urls do
        html = Markdown.to_html("[click](" <> url <> ")")
        assert html == "<p>click</p>", "#{inspect(url)} was rendered as #{html}"
        refute Markdown.safe_url?(url)
      end
    end

    test "quotes cannot break out of the href or class attribute" do
      assert Markdown.to_html(~s{[x](/a"onmouseover="alert)}) ==
               ~s(<p><a href="/a&quot;onmouseover=&quot;alert">x</a></p>)

      assert Markdown.to_html("```x\"onclick=\"y\ncode\n```") ==
               ~s(<pre><code class="language-x&quot;onclick=&quot;y">code</code></pre>)
    end

    test "escape_html/1 escapes the five special characters and nothing else" do
      assert Markdown.escape_html(~s(&<>"')) == "&amp;&lt;&gt;&quot;&#39;"
      assert Markdown.escape_html("plain text, 日本語 🎉") == "plain text, 日本語 🎉"
      assert Markdown.escape_html("") == ""
    end
  end

  describe "excerpt/2" do
    test "is the first paragraph without markup, skipping headings and lists" do
      md = "# Title\n\n- a list\n\nThe *first* `real` paragraph with [a link](/x).\n\nSecond."
      assert Markdown.excerpt(md) == "The first real paragraph with a link."
      assert Markdown.excerpt("# Heading\n\n```\ncode\n```") == ""
    end

    test "cuts at a word boundary, drops trailing punctuation and adds an ellipsis" do
      assert Markdown.excerpt("one two three four", 13) == "one two three…"
      assert Markdown.excerpt("one two; three four", 8) == "one two…"
    end

    @tag :unicode
    test "never cuts a multi-byte character in half" do
      for {text, max} <- [{"Ünïcödé", 3}, {"日本語のタイトル", 7}, {"🎉🎉🎉", 5}] do
        excerpt = Markdown.excerpt(text, max)
        assert String.valid?(excerpt), "#{inspect(excerpt)} is not valid UTF-8"
        assert String.ends_with?(excerpt, "…")
      end
    end

    @tag :long_input
    test "a long paragraph is cut to the 160-byte default" do
      excerpt = Markdown.excerpt(String.duplicate("lorem ipsum ", 300))
      assert byte_size(excerpt) <= 160 + byte_size("…")
      assert String.ends_with?(excerpt, "ipsum…")
    end
  end

  # 2,000 sections (50 KB) render in milliseconds on the host, but the VM's time grows with the
  # square of the input (walking a binary byte by byte while building an iolist): a known divergence.
  @tag :long_input
  @tag timeout: 3_000
  @tag xfail_browser: [
         chromium: "quadratic in the VM: 50 KB take far more than 3 s",
         firefox: "quadratic in the VM: 50 KB take far more than 3 s",
         webkit: "quadratic in the VM: 50 KB take far more than 3 s"
       ]
  test "a very long document renders every block" do
    md = Enum.map_join(1..2_000, "\n\n", fn i -> "## Part #{i}\n\nText *#{i}*\n\n- item #{i}" end)
    html = Markdown.to_html(md)

    assert count(html, "<h2>") == 2_000
    assert count(html, "<em>") == 2_000
    assert count(html, "<ul>") == 2_000
  end

  test "rejects input that is not a string" do
    assert_raise FunctionClauseError, fn -> Markdown.to_html(nil) end
    assert_raise FunctionClauseError, fn -> Markdown.excerpt(:not_text) end
  end

  defp count(text, part), do: length(:binary.split(text, part, [:global])) - 1
end
