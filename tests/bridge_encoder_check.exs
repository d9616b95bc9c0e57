# Compares the bridge's one-pass encoder (PytestWasmblog.Terms.encode_json/1) with the two-pass
# one it replaced (JSON.encode!(Terms.to_json_value(term))) on the host BEAM.
#   elixir -pa EBIN bridge_encoder_check.exs CASES.jsonl
# CASES.jsonl: one JSON form per line (Python's pytest_wasmblog.terms.encode). Prints one JSON
# line per case, the one-pass encoding, then the Elixir-only terms' results; exits 1 on the first
# disagreement, naming the term.
alias PytestWasmblog.{JSON, Terms}

check = fn term ->
  one = :erlang.iolist_to_binary(Terms.encode_json(term))
  two = JSON.encode!(Terms.to_json_value(term))

  if JSON.decode!(one) !== JSON.decode!(two) do
    IO.puts(:stderr, "encoders disagree on #{inspect(term)}:\n one pass: #{one}\n two pass: #{two}")
    System.halt(1)
  end

  one
end

[cases] = System.argv()

for line <- File.stream!(cases), line != "\n" do
  IO.puts(check.(Terms.from_json_value(JSON.decode!(String.trim_trailing(line)))))
end

# Terms Python cannot send: processes, functions, improper lists, bitstrings, structs, fragments.
fragment = JSON.fragment!(~s({"posts": [1, 2.5, "x"], "n": null}))

elixir_only = [
  self(),
  make_ref(),
  fn -> :ok end,
  &String.length/1,
  hd(Port.list() ++ [self()]),
  [1 | 2],
  [1, 2 | :tail],
  <<1::3>>,
  %URI{host: "example.com"},
  [a: 1, b: [c: 2]],
  {},
  {:ok, {1, [2, {3}]}},
  %{},
  %{"__atom__" => "not a tag"},
  %{"a" => %{"__x" => 1}, "b" => [%{1 => 2}]},
  %{{1, 2} => :tuple_key, [1] => "list key"},
  "quote \" backslash \\ newline \n control \x01 é 日本 🎉",
  <<0xFF, 0x00>>,
  :"with space",
  :"Elixir.Blog.Posts",
  2 ** 70,
  -(2 ** 53),
  -0.0,
  1.0e300,
  0.1,
  fragment,
  %{"page" => fragment, "list" => [fragment]}
]

for term <- elixir_only, do: IO.puts(check.(term))

# A fragment is checked once, when it is made.
try do
  JSON.fragment!("{\"a\": }")
  IO.puts(:stderr, "fragment!/1 accepted invalid JSON")
  System.halt(1)
rescue
  e in ArgumentError -> IO.puts(JSON.encode!(%{"fragment_error" => e.message}))
end
