defmodule RegexSite do
  @moduledoc """
  Calls into Regex, String and URI that tests/test_regex_vm.py runs in the VM and on the host.
  Results are normalized (`norm/1`): a %Regex{} becomes {:regex, source, opts}, since its
  compiled pattern differs between the host's PCRE and the VM's re shim by design.
  """

  @checks [
    :boot, :run, :run_index, :run_offset, :run_nomatch, :run_unicode, :run_capture_names,
    :scan, :scan_index_utf8, :scan_unicode_class, :scan_empty, :scan_named,
    :split, :split_parts, :split_trim, :split_empty, :split_on_named, :split_include_captures,
    :replace, :replace_backrefs, :replace_fun, :replace_first, :replace_unicode,
    :named_captures, :named_captures_index, :names, :match?, :match_caseless, :match_multiline,
    :match_dotall, :match_extended, :match_ungreedy, :compile_error, :compile_runtime,
    :compile_list_opts, :compile_interpolated, :recompile, :escape,
    :string_split, :string_split_parts, :string_replace, :string_replace_fun, :string_match,
    :match_operator, :uri_parse, :uri_parse_ipv6, :uri_parse_relative, :uri_new,
    :atomic, :possessive, :lookbehind, :backreference, :posix, :ucp_word, :bytes_word
  ]

  def checks, do: @checks

  def check(name), do: norm(attempt(fn -> run_check(name) end))

  defp run_check(:boot), do: :persistent_term.get(:regex_site_boot, :not_run)
  defp run_check(:run), do: Regex.run(~r/c(d)/, "abcd")
  defp run_check(:run_index), do: Regex.run(~r/c(d)/, "abcd", return: :index)
  defp run_check(:run_offset), do: Regex.run(~r/\d+/, "a1b22c333", offset: 3)
  defp run_check(:run_nomatch), do: Regex.run(~r/e/, "abcd")
  defp run_check(:run_unicode), do: Regex.run(~r/(\w+)\s(\w+)/u, "héllo wörld!")
  defp run_check(:run_capture_names), do: Regex.run(~r/(?<y>\d{4})-(?<m>\d\d)/, "on 2024-05", capture: [:m, :y])
  defp run_check(:scan), do: Regex.scan(~r/c(d|e)/, "abcd abce")
  defp run_check(:scan_index_utf8), do: Regex.scan(~r/=+/, "=ü†ƒ8===", return: :index)
  defp run_check(:scan_unicode_class), do: Regex.scan(~r/\p{Sc}/u, "$, £, and €")
  defp run_check(:scan_empty), do: Regex.scan(~r/x*/, "axb")
  defp run_check(:scan_named), do: Regex.scan(~r/(?<k>\w+)=(?<v>\w*)/, "a=1&b=&c=3", capture: :all_names)
  defp run_check(:split), do: Regex.split(~r{-}, "a-b-c")
  defp run_check(:split_parts), do: Regex.split(~r{-}, "a-b-c", parts: 2)
  defp run_check(:split_trim), do: Regex.split(~r{\s*,\s*}, " a , b ,, c ,", trim: true)
  defp run_check(:split_empty), do: Regex.split(~r{}, "abc")
  defp run_check(:split_on_named), do: Regex.split(~r{a(?<second>b)c}, "abc", on: [:second])
  defp run_check(:split_include_captures), do: Regex.split(~r{(x)}, "Elixir", include_captures: true)
  defp run_check(:replace), do: Regex.replace(~r/b/, "abc", "d")
  defp run_check(:replace_backrefs), do: Regex.replace(~r/\.(\d)$/, "500.5", ".\\g{1}0")
  defp run_check(:replace_fun), do: Regex.replace(~r/a(b|d)c/, "abcadc", fn _, x -> "[#{x}]" end)
  defp run_check(:replace_first), do: Regex.replace(~r/a/, "abcadc", "A", global: false)
  defp run_check(:replace_unicode), do: Regex.replace(~r/\s+/u, "Unicode\u00A0\u2003spaces here", "-")
  defp run_check(:named_captures), do: Regex.named_captures(~r/a(?<foo>b)c(?<bar>d)/, "abcd")
  defp run_check(:named_captures_index), do: Regex.named_captures(~r/(?<w>é+)/u, "aéé", return: :index)
  defp run_check(:names), do: Regex.names(~r/(?<foo>bar)(?<baz>q)?/)
  defp run_check(:match?), do: {Regex.match?(~r/foo/, "foo"), Regex.match?(~r/foo/, "bar")}
  defp run_check(:match_caseless), do: Regex.match?(~r/ÉCOLE/iu, "école")
  defp run_check(:match_multiline), do: Regex.scan(~r/^\w+$/m, "one\ntwo\nthree four")
  defp run_check(:match_dotall), do: Regex.run(~r/a.b/s, "a\nb")
  defp run_check(:match_extended), do: Regex.run(~r/ (\d+) \s* - # a comment
                                                   \s* (\d+) /x, "10 - 20")
  defp run_check(:match_ungreedy), do: Regex.run(~r/<.+>/U, "<a><b>")
  defp run_check(:compile_error), do: Regex.compile("*foo")
  defp run_check(:compile_runtime), do: Regex.compile!("(?<n>[a-z]+)", "i") |> Regex.named_captures("12 AbC")
  defp run_check(:compile_list_opts), do: Regex.compile!("foo", [:caseless]) |> Regex.match?("FOO")
  defp run_check(:compile_interpolated) do
    word = "wor" <> "ld"
    Regex.run(~r/hello (#{word})/, "hello world")
  end
  defp run_check(:recompile), do: Regex.recompile!(~r/b+/) |> Regex.run("abbc")
  defp run_check(:escape), do: Regex.escape("a.b*c?[d]") |> Regex.compile!() |> Regex.match?("a.b*c?[d]")
  defp run_check(:string_split), do: String.split("a1b22c", ~r/\d+/)
  defp run_check(:string_split_parts), do: String.split("a, b, c", ~r/,\s*/, parts: 2)
  defp run_check(:string_replace), do: String.replace("hello world", ~r/o/, "0")
  defp run_check(:string_replace_fun), do: String.replace("a1b2", ~r/\d/, fn d -> "<#{d}>" end)
  defp run_check(:string_match), do: {String.match?("x42", ~r/\d+$/), String.match?("x", ~r/\d/)}
  defp run_check(:match_operator), do: {"foo" =~ ~r/o+/, "bar" =~ ~r/o+/}
  defp run_check(:uri_parse), do: URI.parse("https://user:pw@example.com:8080/a/b?q=1&r=2#frag")
  defp run_check(:uri_parse_ipv6), do: URI.parse("http://[::1]:4000/path")
  defp run_check(:uri_parse_relative), do: URI.parse("/docs/page?x=y")
  defp run_check(:uri_new), do: URI.new("https://example.com/é")
  defp run_check(:atomic), do: {Regex.run(~r/(?>a+)b/, "aaab"), Regex.run(~r/(?>a|ab)c/, "abc")}
  defp run_check(:possessive), do: {Regex.run(~r/"[^"]*+"/, ~s(x "quoted" y)), Regex.run(~r/a++a/, "aaa")}
  defp run_check(:lookbehind), do: Regex.scan(~r/(?<=\$)\d+/, "$1 and $22 but not 3")
  defp run_check(:backreference), do: Regex.scan(~r/(\w)\1/, "aabbcd")
  defp run_check(:posix), do: Regex.scan(~r/[[:upper:]][[:lower:]]+/, "Hello World foo")
  defp run_check(:ucp_word), do: Regex.scan(~r/\b\w+\b/u, "naïve café 東京")
  defp run_check(:bytes_word), do: Regex.scan(~r/\w+/, "naïve café")

  @doc "Patterns the browser cannot run the same way: the VM refuses them (not compared with the host)."
  def unsupported(:compile), do: Regex.compile("a(?R)")
  def unsupported(:compile!), do: attempt(fn -> Regex.compile!("(a)?(?(1)b|c)") end)
  def unsupported(:sigil), do: attempt(fn -> Regex.run(~r/x\Ky/, "xy") end)
  def unsupported(:mid_pattern_caseless), do: Regex.compile("a(?i)b")

  @doc "Microseconds per operation, over n rounds, measured inside the VM."
  def timings(n) do
    mp = :re.compile("b+") |> elem(1)
    %{
      "first_regex_with_install" => :persistent_term.get(:regex_site_boot_us, nil),
      "js_round_trip" => per(n, fn -> js_round_trip() end),
      "re_run_compiled" => per(n, fn -> :re.run("abbc", mp) end),
      "regex_match_sigil" => per(n, fn -> Regex.match?(~r/b+/, "abbc") end),
      "regex_compile" => per(n, fn -> Regex.compile!("c(d)") end),
      "regex_scan_100_matches" => per(div(n, 10) + 1, fn -> Regex.scan(~r/\d+/, String.duplicate("ab12 ", 100)) end),
      "regex_scan_2000_matches" => per(div(n, 50) + 1, fn -> Regex.scan(~r/\d+/, String.duplicate("ab12 ", 2000)) end),
      "string_split_1kb" => per(div(n, 10) + 1, fn -> String.split(String.duplicate("word ", 200), ~r/\s+/) end)
    }
  end

  @compile {:no_warn_undefined, :emscripten}

  # The bare cost of one synchronous call into the page, as re.erl makes it.
  defp js_round_trip do
    {:ok, [ref]} = :emscripten.run_script_tracked("(M)=>['x']")
    [{:ok, _}] = :emscripten.get_tracked([ref], :value)
    :ok
  end

  defp per(n, fun) do
    fun.()
    started = :erlang.monotonic_time(:microsecond)
    Enum.each(1..n, fn _ -> fun.() end)
    (:erlang.monotonic_time(:microsecond) - started) / n
  end

  @doc "Runs fun; an exception becomes {:raised, module, message}."
  def attempt(fun) do
    try do
      fun.()
    rescue
      e -> {:raised, e.__struct__, Map.get(e, :message)}
    end
  end

  @doc "A term with its %Regex{} structs as {:regex, source, opts} and other structs as maps."
  def norm(%Regex{source: source, opts: opts}), do: {:regex, source, opts}
  def norm(%{__struct__: _} = struct), do: struct |> Map.from_struct() |> norm()
  def norm(map) when is_map(map), do: Map.new(map, fn {k, v} -> {norm(k), norm(v)} end)
  def norm(list) when is_list(list), do: Enum.map(list, &norm/1)
  def norm(tuple) when is_tuple(tuple), do: tuple |> Tuple.to_list() |> norm() |> List.to_tuple()
  def norm(other), do: other
end

defmodule RegexSite.App do
  def start do
    # A regex in start/0 runs before the page may have installed Popcorn's hooks (re.erl waits).
    started = :erlang.monotonic_time(:microsecond)
    :persistent_term.put(:regex_site_boot, boot_regex())
    # The VM's first regex evaluates re.js in the page first.
    :persistent_term.put(:regex_site_boot_us, :erlang.monotonic_time(:microsecond) - started)
    PytestWasmblog.Bridge.start_and_wait(name: :main, allow: [RegexSite, RegexSite.Doctests])
  end

  def boot_regex, do: Regex.run(~r/(\w+)@(\w+)/u, "mail: jo@example")
end
