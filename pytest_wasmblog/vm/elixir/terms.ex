defmodule PytestWasmblog.Terms do
  @moduledoc """
  Maps Elixir terms to JSON-able values and back, so that a Python test can tell an atom
  from a string and a tuple from a list.

  | Elixir term                                   | JSON value                                   |
  |-----------------------------------------------|----------------------------------------------|
  | integer within ±(2^53 - 1), non-integral float | number                                      |
  | integer beyond ±(2^53 - 1)                     | `{"__integer__": "decimal digits"}`         |
  | float with an integral value (1.0)             | `{"__float__": 1.0}`                        |
  | UTF-8 binary                                  | string                                       |
  | `true`, `false`, `nil`                        | `true`, `false`, `null`                      |
  | list                                          | array (elements mapped)                      |
  | any other atom                                | `{"__atom__": "name"}`                       |
  | tuple                                         | `{"__tuple__": [elements]}`                  |
  | map whose keys are all UTF-8 binaries         | object (values mapped)                       |
  | any other map (atom keys, structs, ...)       | `{"__map__": [[key, value], ...]}`           |
  | binary that is not valid UTF-8                | `{"__binary__": "<base64>"}`                 |
  | pid, reference, function, port, bitstring     | `{"__opaque__": "pid"}` (kind only)          |
  | improper list                                 | `{"__opaque__": "improper_list"}`            |

  Atom names are the full names: `Blog.Posts` is `{"__atom__": "Elixir.Blog.Posts"}`,
  `:ok` is `{"__atom__": "ok"}`.

  A map with string keys is a plain object unless it has exactly one key and that key
  starts with `"__"`: such a map is written as `{"__map__": [...]}` so that it cannot be
  mistaken for one of the tagged values above. Conversely, `from_json_value/1` reads every
  object with a single `"__"`-prefixed key as a tagged value and raises `ArgumentError` for
  unknown tags. `{"__opaque__": ...}` cannot be turned back into a term and raises too.

  `from_json_value/1` creates atoms with `String.to_atom/1`: it is meant for tests, which
  need arbitrary atoms; do not feed it untrusted input.

  Nothing here uses `inspect`, protocols or Regex: it runs on the Popcorn/AtomVM runtime.
  """

  alias PytestWasmblog.JSON

  @max_safe 9_007_199_254_740_991

  @typedoc "A value made of JSON types: what `PytestWasmblog.JSON` encodes and decodes."
  @type json_value ::
          nil
          | boolean()
          | number()
          | String.t()
          | [json_value()]
          | %{optional(String.t()) => json_value()}

  @doc """
  The JSON text of `to_json_value(term)`, as iodata, in one pass: what the bridge sends.

  It builds none of the intermediate maps `PytestWasmblog.JSON.encode!(to_json_value(term))`
  builds, which on this VM cost more than the writing. A `PytestWasmblog.JSON.Fragment` goes
  out as it is.
  """
  @spec encode_json(term()) :: iodata()
  def encode_json(%JSON.Fragment{json: json}), do: json

  def encode_json(term) when is_integer(term) and (term > @max_safe or term < -@max_safe),
    do: ["{\"__integer__\":\"", :erlang.integer_to_binary(term), "\"}"]

  def encode_json(term) when is_integer(term), do: :erlang.integer_to_binary(term)

  def encode_json(term) when is_float(term) do
    if integral_float?(term),
      do: ["{\"__float__\":", JSON.format_float(term), ?}],
      else: JSON.format_float(term)
  end

  def encode_json(true), do: "true"
  def encode_json(false), do: "false"
  def encode_json(nil), do: "null"

  def encode_json(term) when is_atom(term),
    do: ["{\"__atom__\":", JSON.encode_utf8_string(atom_name(term)), ?}]

  def encode_json(term) when is_binary(term) do
    if utf8?(term),
      do: JSON.encode_utf8_string(term),
      else: ["{\"__binary__\":\"", :base64.encode(term), "\"}"]
  end

  def encode_json(term) when is_bitstring(term), do: opaque_json("bitstring")
  def encode_json([]), do: "[]"

  def encode_json(term) when is_list(term) do
    case list_json(term, []) do
      :improper -> opaque_json("improper_list")
      elements -> [?[, elements, ?]]
    end
  end

  def encode_json(term) when is_tuple(term) do
    case :erlang.tuple_to_list(term) do
      [] -> "{\"__tuple__\":[]}"
      elements -> ["{\"__tuple__\":", encode_json(elements), ?}]
    end
  end

  def encode_json(term) when is_map(term) do
    pairs = :maps.to_list(term)

    cond do
      pairs == [] -> "{}"
      plain_object?(pairs) -> [?{, members_json(pairs, []), ?}]
      true -> ["{\"__map__\":[", pairs_json(pairs, []), "]}"]
    end
  end

  def encode_json(term), do: opaque_json(opaque_kind(term))

  defp opaque_json(kind), do: ["{\"__opaque__\":\"", kind, "\"}"]

  # Elements in reverse with their commas, for one iodata; :improper for an improper list.
  defp list_json([head], acc), do: :lists.reverse(acc, [encode_json(head)])
  defp list_json([head | tail], acc) when is_list(tail), do: list_json(tail, [?,, encode_json(head) | acc])
  defp list_json(_improper, _acc), do: :improper

  defp members_json([{k, v}], acc),
    do: :lists.reverse(acc, [JSON.encode_utf8_string(k), ?:, encode_json(v)])

  defp members_json([{k, v} | rest], acc),
    do: members_json(rest, [?,, encode_json(v), ?:, JSON.encode_utf8_string(k) | acc])

  defp pairs_json([{k, v}], acc),
    do: :lists.reverse(acc, [?[, encode_json(k), ?,, encode_json(v), ?]])

  defp pairs_json([{k, v} | rest], acc),
    do: pairs_json(rest, [?,, ?], encode_json(v), ?,, encode_json(k), ?[ | acc])

  @doc "Turns any term into a JSON-able value (see the module doc for the mapping)."
  @spec to_json_value(term()) :: json_value()
  # JSON numbers pass through JavaScript doubles: a float with an integral value would
  # arrive as an integer, and integers beyond 2^53 would change value.
  def to_json_value(%JSON.Fragment{json: json}), do: JSON.decode!(json)

  def to_json_value(term) when is_integer(term) and (term > @max_safe or term < -@max_safe),
    do: %{"__integer__" => :erlang.integer_to_binary(term)}

  def to_json_value(term) when is_integer(term), do: term

  def to_json_value(term) when is_float(term) do
    if integral_float?(term), do: %{"__float__" => term}, else: term
  end

  def to_json_value(term) when is_boolean(term) or term == nil, do: term
  def to_json_value(term) when is_atom(term), do: %{"__atom__" => atom_name(term)}

  def to_json_value(term) when is_binary(term) do
    if utf8?(term), do: term, else: %{"__binary__" => :base64.encode(term)}
  end

  def to_json_value(term) when is_bitstring(term), do: opaque("bitstring")
  def to_json_value(term) when is_list(term), do: list_to_json(term, [])

  def to_json_value(term) when is_tuple(term),
    do: %{"__tuple__" => list_to_json(:erlang.tuple_to_list(term), [])}

  def to_json_value(term) when is_map(term) do
    pairs = :maps.to_list(term)

    if plain_object?(pairs) do
      :maps.from_list(values_to_json(pairs, []))
    else
      %{"__map__" => pairs_to_json(pairs, [])}
    end
  end

  def to_json_value(term), do: opaque(opaque_kind(term))

  defp opaque(kind), do: %{"__opaque__" => kind}

  # The terms JSON has no form for: only their kind is told.
  defp opaque_kind(term) when is_pid(term), do: "pid"
  defp opaque_kind(term) when is_reference(term), do: "reference"
  defp opaque_kind(term) when is_function(term), do: "function"
  defp opaque_kind(term) when is_port(term), do: "port"
  defp opaque_kind(_term), do: "unknown"

  # Every double at or beyond 2^53 is integral; below, compare with its truncation.
  defp integral_float?(f) when f >= 9.007199254740992e15 or f <= -9.007199254740992e15, do: true
  defp integral_float?(f), do: f == :erlang.trunc(f)

  defp list_to_json([], acc), do: :lists.reverse(acc)
  defp list_to_json([head | tail], acc), do: list_to_json(tail, [to_json_value(head) | acc])
  defp list_to_json(_improper_tail, _acc), do: opaque("improper_list")

  defp plain_object?([{<<"__", _::binary>>, _}]), do: false
  defp plain_object?(pairs), do: all_utf8_keys?(pairs)

  defp all_utf8_keys?([]), do: true

  defp all_utf8_keys?([{key, _} | rest]) when is_binary(key),
    do: utf8?(key) and all_utf8_keys?(rest)

  defp all_utf8_keys?(_), do: false

  defp values_to_json([], acc), do: acc

  defp values_to_json([{k, v} | rest], acc),
    do: values_to_json(rest, [{k, to_json_value(v)} | acc])

  defp pairs_to_json([], acc), do: :lists.reverse(acc)

  defp pairs_to_json([{k, v} | rest], acc),
    do: pairs_to_json(rest, [[to_json_value(k), to_json_value(v)] | acc])

  @doc """
  The inverse of `to_json_value/1`.

  Raises `ArgumentError` for `{"__opaque__": kind}` (pids, references, functions, ports and
  bitstrings have no JSON form), for unknown `"__"` tags and for malformed tagged values.
  """
  @spec from_json_value(json_value()) :: term()
  def from_json_value(value) when is_list(value), do: from_list(value, [])

  def from_json_value(value) when is_map(value) do
    case :maps.to_list(value) do
      [{<<"__", _::binary>> = tag, payload}] -> from_tagged(tag, payload)
      pairs -> :maps.from_list(from_pairs(pairs, []))
    end
  end

  def from_json_value(value), do: value

  defp from_list([], acc), do: :lists.reverse(acc)
  defp from_list([head | tail], acc), do: from_list(tail, [from_json_value(head) | acc])

  defp from_pairs([], acc), do: acc
  defp from_pairs([{k, v} | rest], acc), do: from_pairs(rest, [{k, from_json_value(v)} | acc])

  defp from_tagged("__atom__", name) when is_binary(name), do: :erlang.binary_to_atom(name, :utf8)

  defp from_tagged("__float__", number) when is_number(number), do: :erlang.float(number)

  defp from_tagged("__integer__", digits) when is_binary(digits) do
    try do
      :erlang.binary_to_integer(digits)
    catch
      _kind, _reason ->
        raise ArgumentError, "{\"__integer__\": ...} does not hold a decimal integer: \"" <> digits <> "\""
    end
  end

  defp from_tagged("__tuple__", elements) when is_list(elements),
    do: :erlang.list_to_tuple(from_list(elements, []))

  defp from_tagged("__map__", pairs) when is_list(pairs),
    do: :maps.from_list(map_pairs(pairs, []))

  defp from_tagged("__binary__", encoded) when is_binary(encoded) do
    try do
      :base64.decode(encoded)
    catch
      _kind, _reason ->
        raise ArgumentError,
              "{\"__binary__\": ...} does not hold valid base64: \"" <> encoded <> "\""
    end
  end

  defp from_tagged("__opaque__", kind) when is_binary(kind) do
    raise ArgumentError,
          "cannot rebuild a " <>
            kind <>
            " from JSON: {\"__opaque__\": \"" <>
            kind <>
            "\"} only describes a term (pid, reference, function, port or bitstring) that has no JSON form"
  end

  defp from_tagged(tag, _payload)
       when tag in ["__atom__", "__tuple__", "__map__", "__binary__", "__opaque__", "__float__", "__integer__"] do
    raise ArgumentError,
          "malformed {\"" <> tag <> "\": ...}: " <> expected_payload(tag)
  end

  defp from_tagged(tag, _payload) do
    raise ArgumentError,
          "unknown tagged value {\"" <>
            tag <>
            "\": ...}: known tags are __atom__, __tuple__, " <>
            "__map__, __binary__ and __opaque__ (to send a plain map with this single key, " <>
            "use {\"__map__\": [[\"" <> tag <> "\", value]]})"
  end

  defp expected_payload("__atom__"), do: "expected the atom name as a string"
  defp expected_payload("__tuple__"), do: "expected a list of elements"
  defp expected_payload("__map__"), do: "expected a list of [key, value] pairs"
  defp expected_payload("__binary__"), do: "expected a base64 string"
  defp expected_payload("__opaque__"), do: "expected the kind as a string"
  defp expected_payload("__float__"), do: "expected a number"
  defp expected_payload("__integer__"), do: "expected the decimal digits as a string"

  defp map_pairs([], acc), do: acc

  defp map_pairs([[k, v] | rest], acc),
    do: map_pairs(rest, [{from_json_value(k), from_json_value(v)} | acc])

  defp map_pairs(_other, _acc) do
    raise ArgumentError, "malformed {\"__map__\": ...}: " <> expected_payload("__map__")
  end

  @doc false
  def atom_name(atom), do: :erlang.atom_to_binary(atom, :utf8)

  @doc "True when `binary` is valid UTF-8 (no Regex, no String.Unicode tables)."
  @spec utf8?(binary()) :: boolean()
  def utf8?(binary) do
    # One NIF call: walking the bytes in Elixir is slow on this VM, and every reply string is checked.
    is_binary(:unicode.characters_to_binary(binary))
  catch
    _kind, _reason -> walk_utf8?(binary)
  end

  defp walk_utf8?(<<c, rest::binary>>) when c < 0x80, do: walk_utf8?(rest)
  defp walk_utf8?(<<_::utf8, rest::binary>>), do: walk_utf8?(rest)
  defp walk_utf8?(<<>>), do: true
  defp walk_utf8?(_), do: false
end
