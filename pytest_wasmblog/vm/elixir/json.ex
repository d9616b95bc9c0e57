defmodule PytestWasmblog.JSON do
  @moduledoc """
  A small JSON codec that runs on the Popcorn/AtomVM runtime.

  It uses only binary pattern matching and functions the VM implements natively
  (`:erlang.iolist_to_binary/1`, `:erlang.binary_to_integer/1`, `:erlang.binary_to_float/1`,
  `:erlang.float_to_binary/2`, `:binary.part/3` ...): no Regex, no `inspect`, no protocols.

  ## Encoding (`encode!/1`)

    * maps with binary or atom keys -> objects (any other key raises `ArgumentError`)
    * lists -> arrays, binaries -> strings, integers and floats -> numbers
    * `true`, `false`, `nil` -> `true`, `false`, `null`; any other atom -> its name as a string
    * strings keep their UTF-8 as is; `"`, `\\` and control characters (< U+0020) are escaped,
      control characters as `\\uXXXX`. A binary that is not valid UTF-8 raises `ArgumentError`.
    * anything else (tuples, pids, functions ...) raises `ArgumentError`: turn such terms into
      JSON-able values first with `PytestWasmblog.Terms.to_json_value/1`.

  ## Fragments (`fragment!/1`)

  `fragment!/1` checks a JSON text once and wraps it, so it is sent as it is wherever it appears
  in a value `encode!/1` or `PytestWasmblog.Terms.encode_json/1` writes. An app makes a reply
  that cannot change (a page built from data compiled into the app) a fragment at compile time,
  and the VM does not encode it again on every request.

  ## Decoding (`decode/1`, `decode!/1`)

  Full JSON (RFC 8259): objects become maps with binary keys (the last duplicate key wins),
  arrays lists, strings binaries (`\\uXXXX` escapes including surrogate pairs), numbers without
  fraction or exponent integers and all others floats, `null` `nil`. Errors name the byte
  offset (0-based) and what was expected there.
  """

  defmodule DecodeError do
    @moduledoc "Raised by `PytestWasmblog.JSON.decode!/1` when the input is not valid JSON."
    defexception [:message]

    @impl true
    def exception(opts) do
      case :lists.keyfind(:message, 1, opts) do
        {:message, message} when is_binary(message) -> %__MODULE__{message: message}
        _ -> %__MODULE__{message: "invalid JSON"}
      end
    end
  end

  defmodule Fragment do
    @moduledoc "A checked JSON text, sent as it is (see `PytestWasmblog.JSON.fragment!/1`)."
    @enforce_keys [:json]
    defstruct [:json]
    @type t :: %__MODULE__{json: binary()}
  end

  # ---------------------------------------------------------------------------
  # Encoding
  # ---------------------------------------------------------------------------

  @doc """
  Wraps a JSON text (iodata) that is sent as it is. Raises `ArgumentError` naming the problem
  when it is not one valid JSON value.
  """
  @spec fragment!(iodata()) :: Fragment.t()
  def fragment!(json) do
    text = :erlang.iolist_to_binary(json)

    case decode(text) do
      {:ok, _value} -> %Fragment{json: text}
      {:error, message} -> raise ArgumentError, "not a JSON fragment: " <> message
    end
  end

  @doc "Encodes `term` as a JSON binary. Raises `ArgumentError` for terms JSON cannot hold."
  @spec encode!(term()) :: binary()
  def encode!(term), do: :erlang.iolist_to_binary(encode_value(term))

  defp encode_value(nil), do: "null"
  defp encode_value(true), do: "true"
  defp encode_value(false), do: "false"

  defp encode_value(atom) when is_atom(atom),
    do: encode_string(:erlang.atom_to_binary(atom, :utf8))

  defp encode_value(bin) when is_binary(bin), do: encode_string(bin)
  defp encode_value(%Fragment{json: json}), do: json
  defp encode_value(int) when is_integer(int), do: :erlang.integer_to_binary(int)
  defp encode_value(float) when is_float(float), do: format_float(float)
  defp encode_value([]), do: "[]"
  defp encode_value([head | tail]), do: [?[, encode_value(head) | encode_list_tail(tail)]
  defp encode_value(map) when is_map(map), do: encode_map(:maps.to_list(map))

  defp encode_value(other) do
    raise ArgumentError,
          "cannot encode a " <>
            kind_of(other) <>
            " as JSON; convert it with " <>
            "PytestWasmblog.Terms.to_json_value/1 first"
  end

  defp encode_list_tail([]), do: [?]]
  defp encode_list_tail([head | tail]), do: [?,, encode_value(head) | encode_list_tail(tail)]

  defp encode_list_tail(_improper) do
    raise ArgumentError, "cannot encode an improper list as JSON"
  end

  defp encode_map([]), do: "{}"

  defp encode_map([{key, value} | rest]) do
    [?{, encode_key(key), ?:, encode_value(value) | encode_pairs(rest)]
  end

  defp encode_pairs([]), do: [?}]

  defp encode_pairs([{key, value} | rest]) do
    [?,, encode_key(key), ?:, encode_value(value) | encode_pairs(rest)]
  end

  defp encode_key(key) when is_binary(key), do: encode_string(key)
  defp encode_key(key) when is_atom(key), do: encode_string(:erlang.atom_to_binary(key, :utf8))

  defp encode_key(other) do
    raise ArgumentError,
          "cannot encode a map key that is a " <>
            kind_of(other) <>
            " as JSON: object keys must be strings or atoms"
  end

  # The bytes a JSON string must escape: the quote, the backslash and the control characters.
  @escaped ["\"", "\\" | for(c <- 0..0x1F, do: <<c>>)]

  # Most strings need no escaping: two NIF calls (a search and a UTF-8 check) tell, and the
  # binary goes out as it is. Walking it byte by byte in Elixir cost this VM 2-3 ms for each
  # post summary of the example blog's index page.
  defp encode_string(bin) do
    if plain?(bin), do: [?", bin, ?"], else: [?", escape(bin, bin, 0, 0, []), ?"]
  end

  @doc false
  # For a binary the caller has found to be valid UTF-8 (`PytestWasmblog.Terms`): one NIF call less.
  def encode_utf8_string(bin) do
    if nothing_to_escape?(bin), do: [?", bin, ?"], else: [?", escape(bin, bin, 0, 0, []), ?"]
  end

  defp plain?(bin) do
    nothing_to_escape?(bin) and is_binary(:unicode.characters_to_binary(bin))
  catch
    # A VM without this NIF: the walk decides.
    _kind, _reason -> false
  end

  defp nothing_to_escape?(bin) do
    :binary.match(bin, @escaped) == :nomatch
  catch
    # A VM without a pattern list for binary:match/2: the walk decides.
    _kind, _reason -> false
  end

  # Walks the binary keeping a run [start, start + len) of bytes that need no escaping, so
  # plain text is copied with one binary_part/3 per run instead of byte by byte.
  defp escape(<<c, rest::binary>>, orig, start, len, acc) when c < 0x20 or c == ?" or c == ?\\ do
    acc = [acc, :binary.part(orig, start, len), escape_char(c)]
    escape(rest, orig, start + len + 1, 0, acc)
  end

  defp escape(<<c, rest::binary>>, orig, start, len, acc) when c < 0x80 do
    escape(rest, orig, start, len + 1, acc)
  end

  defp escape(<<c::utf8, rest::binary>>, orig, start, len, acc) do
    escape(rest, orig, start, len + utf8_size(c), acc)
  end

  defp escape(<<>>, orig, start, len, acc), do: [acc, :binary.part(orig, start, len)]

  defp escape(_invalid, _orig, start, len, _acc) do
    raise ArgumentError,
          "cannot encode a binary that is not valid UTF-8 as a JSON string (invalid byte at offset " <>
            :erlang.integer_to_binary(start + len) <>
            "); wrap it with PytestWasmblog.Terms.to_json_value/1"
  end

  defp escape_char(?"), do: "\\\""
  defp escape_char(?\\), do: "\\\\"
  defp escape_char(c), do: ["\\u00", hex_digit(div(c, 16)), hex_digit(rem(c, 16))]

  defp hex_digit(d) when d < 10, do: ?0 + d
  defp hex_digit(d), do: ?a + d - 10

  defp utf8_size(c) when c < 0x80, do: 1
  defp utf8_size(c) when c < 0x800, do: 2
  defp utf8_size(c) when c < 0x10000, do: 3
  defp utf8_size(_), do: 4

  @doc false
  # Shortest round-tripping representation. OTP 25+ and recent AtomVM know `:short`; on a
  # runtime that rejects it, fall back to the shortest `{:scientific, n}` that round-trips.
  def format_float(float) do
    try do
      :erlang.float_to_binary(float, [:short])
    catch
      :error, _ -> format_float_portable(float)
    end
  end

  @doc false
  def format_float_portable(float), do: portable_float(float, 1)

  defp portable_float(float, digits) do
    text = :erlang.float_to_binary(float, [{:scientific, digits}])

    if digits >= 17 or reads_back?(text, float) do
      tidy_scientific(text)
    else
      portable_float(float, digits + 1)
    end
  end

  # rounding to few digits can overflow ("1.8e+308"): that text does not read back either
  defp reads_back?(text, float) do
    try do
      :erlang.binary_to_float(text) == float
    catch
      :error, _ -> false
    end
  end

  # "1.50000e+01" -> "1.5e1", "2.0e+00" -> "2.0"
  defp tidy_scientific(text) do
    case :binary.split(text, "e") do
      [mantissa, exponent] ->
        mantissa = trim_fraction_zeros(mantissa)

        case :erlang.binary_to_integer(exponent) do
          0 -> mantissa
          exp -> mantissa <> "e" <> :erlang.integer_to_binary(exp)
        end

      [_] ->
        text
    end
  end

  defp trim_fraction_zeros(mantissa) do
    case :binary.split(mantissa, ".") do
      [int, frac] ->
        case drop_trailing_zeros(frac) do
          "" -> int <> ".0"
          frac -> int <> "." <> frac
        end

      [int] ->
        int <> ".0"
    end
  end

  defp drop_trailing_zeros(""), do: ""

  defp drop_trailing_zeros(bin) do
    size = byte_size(bin) - 1

    case bin do
      <<head::binary-size(size), "0">> -> drop_trailing_zeros(head)
      _ -> bin
    end
  end

  defp kind_of(term) when is_tuple(term), do: "tuple"
  defp kind_of(term) when is_pid(term), do: "pid"
  defp kind_of(term) when is_reference(term), do: "reference"
  defp kind_of(term) when is_function(term), do: "function"
  defp kind_of(term) when is_port(term), do: "port"
  defp kind_of(term) when is_bitstring(term), do: "bitstring"
  defp kind_of(term) when is_list(term), do: "list"
  defp kind_of(term) when is_map(term), do: "map"
  defp kind_of(_), do: "term"

  # ---------------------------------------------------------------------------
  # Decoding
  # ---------------------------------------------------------------------------

  @doc """
  Decodes a JSON document.

  Returns `{:ok, term}` or `{:error, message}` where the message names the byte offset and
  what was expected, e.g. `"unexpected character '}' at byte 7, expected a JSON value"`.
  """
  @spec decode(binary()) :: {:ok, term()} | {:error, String.t()}
  def decode(json) when is_binary(json) do
    try do
      {value, rest, pos} = parse_value(skip_ws(json), json, ws_pos(json, 0))
      rest_ws = skip_ws(rest)
      pos = pos + byte_size(rest) - byte_size(rest_ws)

      case rest_ws do
        <<>> ->
          {:ok, value}

        _ ->
          fail(rest_ws, pos, "after the JSON value, expected end of input")
      end
    catch
      :throw, {__MODULE__, message} -> {:error, message}
    end
  end

  def decode(_other), do: {:error, "expected a binary (a UTF-8 JSON text) to decode"}

  @doc "Like `decode/1` but raises `PytestWasmblog.JSON.DecodeError`."
  @spec decode!(binary()) :: term()
  def decode!(json) do
    case decode(json) do
      {:ok, value} -> value
      {:error, message} -> raise DecodeError, message: message
    end
  end

  defp ws_pos(bin, pos), do: pos + byte_size(bin) - byte_size(skip_ws(bin))

  defp skip_ws(<<c, rest::binary>>) when c == ?\s or c == ?\t or c == ?\n or c == ?\r,
    do: skip_ws(rest)

  defp skip_ws(bin), do: bin

  # parse_value(rest, orig, pos) -> {value, rest_after, pos_after}; `rest` has no leading ws
  defp parse_value(<<?{, rest::binary>>, orig, pos), do: parse_object(rest, orig, pos + 1)
  defp parse_value(<<?[, rest::binary>>, orig, pos), do: parse_array(rest, orig, pos + 1)
  defp parse_value(<<?", rest::binary>>, orig, pos), do: parse_string(rest, orig, pos + 1)
  defp parse_value(<<"true", rest::binary>>, _orig, pos), do: {true, rest, pos + 4}
  defp parse_value(<<"false", rest::binary>>, _orig, pos), do: {false, rest, pos + 5}
  defp parse_value(<<"null", rest::binary>>, _orig, pos), do: {nil, rest, pos + 4}

  defp parse_value(<<c, _::binary>> = bin, orig, pos) when c == ?- or (c >= ?0 and c <= ?9),
    do: parse_number(bin, orig, pos)

  defp parse_value(bin, _orig, pos), do: fail(bin, pos, "expected a JSON value")

  # --- objects ---

  defp parse_object(bin, orig, pos) do
    rest = skip_ws(bin)
    pos = pos + byte_size(bin) - byte_size(rest)

    case rest do
      <<?}, rest::binary>> -> {%{}, rest, pos + 1}
      _ -> parse_members(rest, orig, pos, [])
    end
  end

  defp parse_members(<<?", rest::binary>>, orig, pos, acc) do
    {key, rest, pos} = parse_string(rest, orig, pos + 1)
    {rest, pos} = ws(rest, pos)

    case rest do
      <<?:, rest::binary>> ->
        {rest, pos} = ws(rest, pos + 1)
        {value, rest, pos} = parse_value(rest, orig, pos)
        {rest, pos} = ws(rest, pos)
        acc = [{key, value} | acc]

        case rest do
          <<?,, rest::binary>> ->
            {rest, pos} = ws(rest, pos + 1)
            parse_members(rest, orig, pos, acc)

          <<?}, rest::binary>> ->
            {:maps.from_list(:lists.reverse(acc)), rest, pos + 1}

          _ ->
            fail(rest, pos, "in an object, expected ',' or '}'")
        end

      _ ->
        fail(rest, pos, "after an object key, expected ':'")
    end
  end

  defp parse_members(bin, _orig, pos, _acc),
    do: fail(bin, pos, "in an object, expected a string key in double quotes")

  # --- arrays ---

  defp parse_array(bin, orig, pos) do
    {rest, pos} = ws(bin, pos)

    case rest do
      <<?], rest::binary>> -> {[], rest, pos + 1}
      _ -> parse_elements(rest, orig, pos, [])
    end
  end

  defp parse_elements(bin, orig, pos, acc) do
    {value, rest, pos} = parse_value(bin, orig, pos)
    {rest, pos} = ws(rest, pos)
    acc = [value | acc]

    case rest do
      <<?,, rest::binary>> ->
        {rest, pos} = ws(rest, pos + 1)
        parse_elements(rest, orig, pos, acc)

      <<?], rest::binary>> ->
        {:lists.reverse(acc), rest, pos + 1}

      _ ->
        fail(rest, pos, "in an array, expected ',' or ']'")
    end
  end

  defp ws(bin, pos) do
    rest = skip_ws(bin)
    {rest, pos + byte_size(bin) - byte_size(rest)}
  end

  # --- strings ---
  # `pos` is the offset of the first byte after the opening quote.

  defp parse_string(bin, orig, pos), do: string_chars(bin, orig, pos, 0, [])

  defp string_chars(<<?", rest::binary>>, orig, start, len, acc) do
    value = :erlang.iolist_to_binary([acc, :binary.part(orig, start, len)])
    {value, rest, start + len + 1}
  end

  defp string_chars(<<?\\, rest::binary>>, orig, start, len, acc) do
    acc = [acc, :binary.part(orig, start, len)]
    {chars, rest, consumed} = string_escape(rest, orig, start + len)
    string_chars(rest, orig, start + len + consumed, 0, [acc, chars])
  end

  defp string_chars(<<c, _::binary>> = bin, _orig, start, len, _acc) when c < 0x20 do
    fail(bin, start + len, "inside a string: control characters must be escaped")
  end

  defp string_chars(<<c, rest::binary>>, orig, start, len, acc) when c < 0x80 do
    string_chars(rest, orig, start, len + 1, acc)
  end

  defp string_chars(<<c::utf8, rest::binary>>, orig, start, len, acc) do
    string_chars(rest, orig, start, len + utf8_size(c), acc)
  end

  defp string_chars(<<>>, _orig, start, len, _acc) do
    throw_error(
      "unexpected end of input at byte " <> int(start + len) <> ", inside a string: expected '\"'"
    )
  end

  defp string_chars(_invalid, _orig, start, len, _acc) do
    throw_error("invalid UTF-8 byte at byte " <> int(start + len) <> " inside a string")
  end

  # `pos` is the offset of the backslash; returns {iodata, rest, bytes consumed incl. backslash}
  defp string_escape(<<?", rest::binary>>, _orig, _pos), do: {"\"", rest, 2}
  defp string_escape(<<?\\, rest::binary>>, _orig, _pos), do: {"\\", rest, 2}
  defp string_escape(<<?/, rest::binary>>, _orig, _pos), do: {"/", rest, 2}
  defp string_escape(<<?b, rest::binary>>, _orig, _pos), do: {"\b", rest, 2}
  defp string_escape(<<?f, rest::binary>>, _orig, _pos), do: {"\f", rest, 2}
  defp string_escape(<<?n, rest::binary>>, _orig, _pos), do: {"\n", rest, 2}
  defp string_escape(<<?r, rest::binary>>, _orig, _pos), do: {"\r", rest, 2}
  defp string_escape(<<?t, rest::binary>>, _orig, _pos), do: {"\t", rest, 2}

  defp string_escape(<<?u, a, b, c, d, rest::binary>>, _orig, pos) do
    code = hex4(a, b, c, d, pos)

    cond do
      code >= 0xD800 and code <= 0xDBFF ->
        case rest do
          <<?\\, ?u, e, f, g, h, rest2::binary>> ->
            low = hex4(e, f, g, h, pos + 6)

            if low >= 0xDC00 and low <= 0xDFFF do
              cp = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
              {<<cp::utf8>>, rest2, 12}
            else
              throw_error(
                "invalid surrogate pair at byte " <>
                  int(pos) <>
                  ": a high surrogate \\u" <>
                  hex_text(code) <>
                  " must be followed by a low surrogate \\uDC00-\\uDFFF"
              )
            end

          _ ->
            throw_error(
              "lone surrogate \\u" <>
                hex_text(code) <>
                " at byte " <>
                int(pos) <>
                ": a high surrogate must be followed by a \\u escaped low surrogate"
            )
        end

      code >= 0xDC00 and code <= 0xDFFF ->
        throw_error(
          "lone surrogate \\u" <>
            hex_text(code) <>
            " at byte " <>
            int(pos) <>
            ": a low surrogate must follow a high surrogate"
        )

      true ->
        {<<code::utf8>>, rest, 6}
    end
  end

  defp string_escape(<<?u, _::binary>>, _orig, pos) do
    throw_error(
      "unexpected end of input at byte " <>
        int(pos) <> ", inside a \\u escape: expected 4 hex digits"
    )
  end

  defp string_escape(bin, _orig, pos) do
    fail(bin, pos + 1, "after a backslash, expected one of \" \\ / b f n r t u")
  end

  defp hex4(a, b, c, d, pos) do
    hex_val(a, pos) * 4096 + hex_val(b, pos) * 256 + hex_val(c, pos) * 16 + hex_val(d, pos)
  end

  defp hex_val(c, _pos) when c >= ?0 and c <= ?9, do: c - ?0
  defp hex_val(c, _pos) when c >= ?a and c <= ?f, do: c - ?a + 10
  defp hex_val(c, _pos) when c >= ?A and c <= ?F, do: c - ?A + 10

  defp hex_val(_c, pos) do
    throw_error("invalid \\u escape at byte " <> int(pos) <> ": expected 4 hex digits after \\u")
  end

  defp hex_text(code) do
    <<hex_digit(div(code, 4096)), hex_digit(rem(div(code, 256), 16)),
      hex_digit(rem(div(code, 16), 16)), hex_digit(rem(code, 16))>>
  end

  # --- numbers ---

  defp parse_number(bin, orig, pos) do
    {len, rest} = sign(bin, 0)
    {len, rest} = int_part(rest, len, pos)
    {len, rest, frac?} = frac_part(rest, len, pos)
    {len, rest, exp?} = exp_part(rest, len, pos)
    text = :binary.part(orig, pos, len)

    value =
      if frac? or exp? do
        to_float(text, frac?, pos)
      else
        :erlang.binary_to_integer(text)
      end

    {value, rest, pos + len}
  end

  defp sign(<<?-, rest::binary>>, len), do: {len + 1, rest}
  defp sign(rest, len), do: {len, rest}

  defp int_part(<<?0, c, _::binary>> = bin, len, pos) when c >= ?0 and c <= ?9 do
    fail(bin, pos + len, "in a number: leading zeros are not allowed")
  end

  defp int_part(<<?0, rest::binary>>, len, _pos), do: {len + 1, rest}

  defp int_part(<<c, _::binary>> = bin, len, _pos) when c >= ?1 and c <= ?9,
    do: digits(bin, len)

  defp int_part(bin, len, pos), do: fail(bin, pos + len, "in a number, expected a digit")

  defp digits(<<c, rest::binary>>, len) when c >= ?0 and c <= ?9, do: digits(rest, len + 1)
  defp digits(rest, len), do: {len, rest}

  defp frac_part(<<?., c, rest::binary>>, len, _pos) when c >= ?0 and c <= ?9 do
    {len, rest} = digits(rest, len + 2)
    {len, rest, true}
  end

  defp frac_part(<<?., rest::binary>>, len, pos),
    do: fail(rest, pos + len + 1, "in a number, expected a digit after '.'")

  defp frac_part(rest, len, _pos), do: {len, rest, false}

  defp exp_part(<<e, rest::binary>>, len, pos) when e == ?e or e == ?E do
    {len, rest} =
      case rest do
        <<s, rest::binary>> when s == ?+ or s == ?- -> {len + 2, rest}
        _ -> {len + 1, rest}
      end

    case rest do
      <<c, _::binary>> when c >= ?0 and c <= ?9 ->
        {len, rest} = digits(rest, len)
        {len, rest, true}

      _ ->
        fail(rest, pos + len, "in a number, expected a digit in the exponent")
    end
  end

  defp exp_part(rest, len, _pos), do: {len, rest, false}

  # binary_to_float/1 wants "1.0e5": give every float a fraction and a lowercase "e"
  defp to_float(text, frac?, pos) do
    normalized =
      case :binary.split(lower_e(text), "e") do
        [mantissa, exponent] when frac? -> mantissa <> "e" <> exponent
        [mantissa, exponent] -> mantissa <> ".0e" <> exponent
        [mantissa] -> mantissa
      end

    try do
      :erlang.binary_to_float(normalized)
    catch
      :error, _ ->
        throw_error(
          "number " <> text <> " at byte " <> int(pos) <> " is out of the range of a 64-bit float"
        )
    end
  end

  defp lower_e(text), do: :binary.replace(text, "E", "e")

  # --- errors ---

  defp fail(<<>>, pos, expected) do
    throw_error("unexpected end of input at byte " <> int(pos) <> ", " <> expected)
  end

  defp fail(bin, pos, expected) do
    throw_error(
      "unexpected " <> describe_char(bin) <> " at byte " <> int(pos) <> ", " <> expected
    )
  end

  defp describe_char(<<c, _::binary>>) when c >= 0x21 and c < 0x7F and c != ?',
    do: <<"character '", c, "'">>

  defp describe_char(<<?', _::binary>>), do: "character \"'\""
  defp describe_char(<<?\s, _::binary>>), do: "space"
  defp describe_char(<<c::utf8, _::binary>>) when c >= 0x80, do: <<"character '", c::utf8, "'">>

  defp describe_char(<<c, _::binary>>),
    do: "byte 0x" <> <<hex_digit(div(c, 16)), hex_digit(rem(c, 16))>>

  defp int(n), do: :erlang.integer_to_binary(n)

  defp throw_error(message), do: throw({__MODULE__, message})
end
