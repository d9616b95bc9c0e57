defmodule PytestWasmblog.Bridge do
  @moduledoc """
  The VM side of pytest-wasmblog's test bridge. Include it (with `PytestWasmblog.JSON` and
  `PytestWasmblog.Terms`) in test builds and start it from the start module:

      defmodule MyApp.Start do
        def start do
          PytestWasmblog.Bridge.start_and_wait(
            name: :main,
            allow: [MyApp.Posts, :lists],
            handler: &MyApp.Api.handle/1
          )
        end
      end

  `start/1` spawns a receiver process, registers it under `name` and tells the page it is
  ready (`Module.sendEvent('popcorn_app_ready', {name: ...})`), which resolves `Popcorn.init()`.
  Every `popcorn.call` is answered exactly once with `:emscripten.promise_resolve/2`; the
  receiver handles one request at a time, in order, and never dies: every failure becomes an
  error reply.

  ## Requests (JSON sent by `popcorn.call` / `popcorn.cast`)

    * `{"bridge": "ping"}` -> `{"ok": true, "value": "pong"}`
    * `{"bridge": "loaded"}` -> the names of the modules the VM has loaded (`:erlang.loaded/0`)
    * `{"bridge": "apply", "module": "Blog.Posts", "function": "get", "args": [...]}` calls
      `Blog.Posts.get(...)`. Arguments are decoded with `PytestWasmblog.Terms.from_json_value/1`
      and the result encoded with `PytestWasmblog.Terms.to_json_value/1`. A module name that
      starts with an uppercase letter is an Elixir alias (`"Blog.Posts"` is `Elixir.Blog.Posts`;
      `"Elixir.Blog.Posts"` is accepted too); any other name is an Erlang module (`"lists"` or
      `":lists"`). Only modules in the `allow:` list can be called.
    * anything else goes to the `handler:` function (given the decoded JSON) and its return
      value, mapped with `to_json_value/1`, is the reply value.

  A successful call's value is written with `PytestWasmblog.Terms.encode_json/1`, in one pass;
  a `PytestWasmblog.JSON.Fragment` anywhere in it (`PytestWasmblog.JSON.fragment!/1`) is sent
  as it is.

  ## Replies

      {"ok": true, "value": <value>}
      {"ok": false, "kind": "error" | "exit" | "throw" | "not_allowed" | "bad_request",
       "exception": "Elixir.ArgumentError" | null, "message": "...",
       "stacktrace": [["Elixir.Blog.Posts", "get", 1, "lib/blog/posts.ex", 12], ...]}

  Replies to calls (not to `handle_request/2`) end with `"vm_us": [received, replied]`: when the
  receiver got the call and when it had the reply, on the VM's monotonic clock in µs, which is the
  browser's `performance.timeOrigin + performance.now()`. The plugin's probe splits each call into
  legs with them (and removes the key).

  For `"throw"` and `"exit"` replies the thrown value / exit reason is also given, mapped
  with `to_json_value/1`, under `"reason"`. Stacktrace entries are
  `[module, function, arity, file | null, line | null]`.

  Casts (`{emscripten, {cast, json}}`) are handled the same way and their result is discarded.

  Only the receiver loop talks to `:emscripten`; `handle_request/2` and `handle_cast/2` are
  pure and can be tested on a normal BEAM. The module uses neither `inspect` nor Logger,
  Regex, Task or `Exception.format*`, which do not work (or pull in too much) on AtomVM:
  messages for Erlang errors are built by `describe_error/2` and `format_term/1`.
  """

  alias PytestWasmblog.{JSON, Terms}

  @compile {:no_warn_undefined, :emscripten}

  @max_apply_arity 12

  @typedoc "Options for `start/1` and `handle_request/2`."
  @type option ::
          {:name, atom()}
          | {:allow, [module()]}
          | {:handler, (term() -> term()) | nil}

  @doc """
  Starts the receiver process, registers it under `opts[:name]` (default `:main`) and
  announces readiness to the page. Returns `{:ok, pid}`.

  Raises `ArgumentError` for invalid options or when the name is already registered.
  """
  @spec start([option()]) :: {:ok, pid()}
  def start(opts \\ []) do
    config = config(opts)
    name = config.name

    if :erlang.whereis(name) != :undefined do
      raise ArgumentError,
            "cannot start PytestWasmblog.Bridge: a process is already registered as " <>
              format_term(name) <> "; pass another name: option"
    end

    pid = :erlang.spawn_opt(fn -> loop(config) end, [])
    true = :erlang.register(name, pid)
    announce(name)
    {:ok, pid}
  end

  @doc """
  Calls `start/1` and then blocks forever, for use as the body of the start module's
  `start/0` (the VM stops when the start process returns).
  """
  @spec start_and_wait([option()]) :: no_return()
  def start_and_wait(opts \\ []) do
    {:ok, _pid} = start(opts)
    wait_forever()
  end

  defp wait_forever do
    receive do
      :__never__ -> wait_forever()
    end
  end

  defp announce(name) do
    script =
      "Module.sendEvent('popcorn_app_ready', {name: '" <>
        js_escape(Terms.atom_name(name), []) <>
        "'})"

    # Not a tail call on purpose: this VM raises badarg after running the script when
    # run_script/2 is reached through call_ext_last (the event is sent, the caller crashes).
    _ = :emscripten.run_script(script, [:main_thread])
    :ok
  end

  # for a single-quoted JavaScript string literal
  defp js_escape(<<>>, acc), do: :erlang.iolist_to_binary(acc)

  defp js_escape(<<c, rest::binary>>, acc) when c == ?' or c == ?\\,
    do: js_escape(rest, [acc, ?\\, c])

  defp js_escape(<<c, rest::binary>>, acc) when c < 0x20,
    do: js_escape(rest, [acc, "\\x", hex2(c)])

  defp js_escape(<<c, rest::binary>>, acc), do: js_escape(rest, [acc, c])

  # ---------------------------------------------------------------------------
  # Receiver loop (the only part that talks to :emscripten)
  # ---------------------------------------------------------------------------

  defp loop(config) do
    receive do
      {:emscripten, {:call, promise, payload}} ->
        received = :erlang.monotonic_time(:microsecond)
        answer(promise, safe_handle(payload, config, received))

      {:emscripten, {:cast, payload}} ->
        try do
          handle_cast(payload, config)
        catch
          _kind, _reason -> :ok
        end

      _other ->
        :ok
    end

    loop(config)
  end

  defp safe_handle(payload, config, received) do
    try do
      handle_timed(payload, config, received)
    catch
      kind, _reason ->
        {:reject,
         "{\"ok\":false,\"kind\":\"internal\",\"exception\":null,\"message\":" <>
           "\"PytestWasmblog.Bridge failed while handling the request (" <>
           Terms.atom_name(kind) <> ")\",\"stacktrace\":[]}"}
    end
  end

  defp answer(promise, {:resolve, json}) do
    try do
      :emscripten.promise_resolve(promise, json)
    catch
      _kind, _reason -> :ok
    end
  end

  defp answer(promise, {:reject, json}) do
    try do
      :emscripten.promise_reject(promise, json)
    catch
      _kind, _reason -> :ok
    end
  end

  # ---------------------------------------------------------------------------
  # Pure request handling
  # ---------------------------------------------------------------------------

  @doc """
  Handles one `popcorn.call` payload and returns the JSON reply, without touching
  `:emscripten`. `opts` is a keyword list as for `start/1` (or an already validated config).
  Always returns `{:resolve, json}`: failures are `{"ok": false, ...}` replies.
  """
  @spec handle_request(binary(), [option()] | map()) :: {:resolve, binary()}
  def handle_request(payload, opts) do
    config = config(opts)
    {:resolve, :erlang.iolist_to_binary(reply_json(dispatch(payload, config), "}"))}
  end

  # The receiver's reply also says when the call reached Elixir and when Elixir had its answer, as
  # `"vm_us": [received, replied]`. The VM's monotonic clock is the browser's shared one
  # (performance.timeOrigin + performance.now(), in µs), so the page splits the call into legs:
  # page -> iframe -> VM, time in Elixir, VM -> page.
  defp handle_timed(payload, config, received) do
    reply = dispatch(payload, config)
    replied = :erlang.monotonic_time(:microsecond)
    close = [",\"vm_us\":[", :erlang.integer_to_binary(received), ?,, :erlang.integer_to_binary(replied), "]}"]
    {:resolve, :erlang.iolist_to_binary(reply_json(reply, close))}
  end

  # A successful call's value is written in one pass as soon as it is known; every other reply
  # is a small map. `close` ends the object.
  defp reply_json({:ok_json, value_json}, close), do: ["{\"ok\":true,\"value\":", value_json, close]

  defp reply_json(reply, close) do
    json = JSON.encode!(reply)
    [binary_part(json, 0, byte_size(json) - 1), close]
  end

  @doc """
  Handles one `popcorn.cast` payload: applies a bridge `apply` request or passes the request
  to the handler, discarding the result. Returns `:ok` or `{:error, reply_map}`.
  """
  @spec handle_cast(binary(), [option()] | map()) :: :ok | {:error, map()}
  def handle_cast(payload, opts) do
    case dispatch(payload, config(opts)) do
      {:ok_json, _value_json} -> :ok
      %{"ok" => true} -> :ok
      error -> {:error, error}
    end
  end

  defp dispatch(payload, config) when is_binary(payload) do
    case JSON.decode(payload) do
      {:ok, request} -> route(request, config)
      {:error, message} -> bad_request("the request is not valid JSON: " <> message)
    end
  end

  defp dispatch(_payload, _config),
    do: bad_request("the request payload is not a binary (expected a JSON text)")

  defp route(%{"bridge" => "ping"}, _config), do: ok("pong")
  # The modules this VM has loaded so far: what a test run really used of the bundle.
  defp route(%{"bridge" => "loaded"}, _config),
    do: ok(:lists.map(fn module -> :erlang.atom_to_binary(module, :utf8) end, :erlang.loaded()))
  defp route(%{"bridge" => "apply"} = request, config), do: route_apply(request, config)

  defp route(%{"bridge" => other}, _config) do
    bad_request("unknown bridge request " <> format_term(other) <> "; known: \"apply\", \"loaded\", \"ping\"")
  end

  defp route(request, %{handler: nil}) do
    bad_request(
      "this request is not a bridge request and no handler is configured; " <>
        "pass handler: to PytestWasmblog.Bridge.start/1 (request: " <> short(request) <> ")"
    )
  end

  defp route(request, %{handler: handler}) do
    run(fn -> handler.(request) end)
  end

  defp route_apply(request, config) do
    module = field(request, "module", nil)
    function = field(request, "function", nil)
    args = field(request, "args", [])

    cond do
      not is_binary(module) or module == "" ->
        bad_request(
          "an apply request needs \"module\": a non-empty string such as \"Blog.Posts\" or \":lists\""
        )

      not is_binary(function) or function == "" ->
        bad_request("an apply request needs \"function\": a non-empty string such as \"get\"")

      not is_list(args) ->
        bad_request("\"args\" of an apply request must be a list (the function's arguments)")

      length(args) > @max_apply_arity ->
        bad_request(
          "too many arguments: the bridge applies functions of up to " <>
            int(@max_apply_arity) <> " arguments"
        )

      true ->
        case allowed_module(module, config) do
          {:ok, mod} ->
            case decode_args(args) do
              {:ok, decoded} ->
                fun = :erlang.binary_to_atom(function, :utf8)

                if missing_function?(mod, fun, length(decoded)) do
                  # On this VM the stacktrace of an undef names the caller, not the missing
                  # function, so the reply names it from the request.
                  error_reply(
                    "error",
                    Terms.atom_name(UndefinedFunctionError),
                    "function " <>
                      module_label(module) <>
                      "." <> function <> "/" <> int(length(decoded)) <> " is undefined or private",
                    []
                  )
                else
                  run(fn -> dynamic_apply(mod, fun, decoded) end)
                end

              {:error, message} ->
                bad_request("cannot decode the arguments: " <> message)
            end

          :error ->
            error_reply(
              "not_allowed",
              nil,
              "module " <>
                module_label(module) <>
                " is not in the bridge allow list " <>
                format_list(config.allow) <> "; add it to allow: in PytestWasmblog.Bridge.start/1",
              []
            )
        end
    end
  end

  # Only for modules that load: functions of the VM's NIF modules (and the erlang shim, which
  # adds to NIFs) are not in any export table.
  defp missing_function?(:erlang, _fun, _arity), do: false

  defp missing_function?(mod, fun, arity) do
    case :code.ensure_loaded(mod) do
      {:module, _} -> not :erlang.function_exported(mod, fun, arity)
      _ -> false
    end
  end

  defp field(map, key, default) do
    case map do
      %{^key => value} -> value
      _ -> default
    end
  end

  defp decode_args(args) do
    try do
      {:ok, Terms.from_json_value(args)}
    catch
      :error, reason ->
        {_module, message} = describe_error(reason, __STACKTRACE__)
        {:error, message}
    end
  end

  defp module_label(name) do
    case resolve_module_name(name) do
      "Elixir." <> alias_name -> alias_name
      erlang_name -> ":" <> erlang_name
    end
  end

  @doc """
  The atom name a module string in a request stands for: `"Blog.Posts"` ->
  `"Elixir.Blog.Posts"`, `"Elixir.Blog.Posts"` -> itself, `":lists"` and `"lists"` -> `"lists"`.
  """
  @spec resolve_module_name(String.t()) :: String.t()
  def resolve_module_name(":" <> erlang_name), do: erlang_name
  def resolve_module_name("Elixir." <> _ = name), do: name
  def resolve_module_name(<<c, _::binary>> = name) when c >= ?A and c <= ?Z, do: "Elixir." <> name
  def resolve_module_name(name), do: name

  # Compares names instead of creating atoms from request data.
  defp allowed_module(name, config) do
    wanted = resolve_module_name(name)
    find_allowed(config.allow, wanted)
  end

  defp find_allowed([], _wanted), do: :error

  defp find_allowed([mod | rest], wanted) do
    if Terms.atom_name(mod) == wanted, do: {:ok, mod}, else: find_allowed(rest, wanted)
  end

  # erlang:apply/3 is not a NIF on AtomVM; calls with a known argument count compile to the
  # VM's own apply instruction.
  defp dynamic_apply(m, f, []), do: apply(m, f, [])
  defp dynamic_apply(m, f, [a]), do: apply(m, f, [a])
  defp dynamic_apply(m, f, [a, b]), do: apply(m, f, [a, b])
  defp dynamic_apply(m, f, [a, b, c]), do: apply(m, f, [a, b, c])
  defp dynamic_apply(m, f, [a, b, c, d]), do: apply(m, f, [a, b, c, d])
  defp dynamic_apply(m, f, [a, b, c, d, e]), do: apply(m, f, [a, b, c, d, e])
  defp dynamic_apply(m, f, [a, b, c, d, e, g]), do: apply(m, f, [a, b, c, d, e, g])
  defp dynamic_apply(m, f, [a, b, c, d, e, g, h]), do: apply(m, f, [a, b, c, d, e, g, h])
  defp dynamic_apply(m, f, [a, b, c, d, e, g, h, i]), do: apply(m, f, [a, b, c, d, e, g, h, i])

  defp dynamic_apply(m, f, [a, b, c, d, e, g, h, i, j]),
    do: apply(m, f, [a, b, c, d, e, g, h, i, j])

  defp dynamic_apply(m, f, [a, b, c, d, e, g, h, i, j, k]),
    do: apply(m, f, [a, b, c, d, e, g, h, i, j, k])

  defp dynamic_apply(m, f, [a, b, c, d, e, g, h, i, j, k, l]),
    do: apply(m, f, [a, b, c, d, e, g, h, i, j, k, l])

  defp dynamic_apply(m, f, [a, b, c, d, e, g, h, i, j, k, l, n]),
    do: apply(m, f, [a, b, c, d, e, g, h, i, j, k, l, n])

  defp run(fun) do
    try do
      ok_value(fun.())
    catch
      kind, reason -> failure(kind, reason, __STACKTRACE__)
    end
  end

  defp ok_value(result), do: {:ok_json, Terms.encode_json(result)}
  defp ok(value), do: %{"ok" => true, "value" => value}

  defp failure(:error, reason, stacktrace) do
    {module, message} = describe_error(reason, stacktrace)
    error_reply("error", Terms.atom_name(module), message, stacktrace)
  end

  defp failure(kind, reason, stacktrace) do
    %{
      "ok" => false,
      "kind" => Terms.atom_name(kind),
      "exception" => nil,
      "message" => format_term(reason),
      "reason" => Terms.to_json_value(reason),
      "stacktrace" => format_stacktrace(stacktrace)
    }
  end

  defp bad_request(message), do: error_reply("bad_request", nil, message, [])

  defp error_reply(kind, exception, message, stacktrace) do
    %{
      "ok" => false,
      "kind" => kind,
      "exception" => exception,
      "message" => message,
      "stacktrace" => format_stacktrace(stacktrace)
    }
  end

  defp config(%{name: _, allow: _, handler: _} = config), do: config

  defp config(opts) when is_list(opts) do
    name = option(opts, :name, :main)
    allow = option(opts, :allow, [])
    handler = option(opts, :handler, nil)

    if not (is_atom(name) and name != nil) do
      raise ArgumentError,
            "PytestWasmblog.Bridge: name: must be an atom, got " <> format_term(name)
    end

    if not (is_list(allow) and all_atoms?(allow)) do
      raise ArgumentError,
            "PytestWasmblog.Bridge: allow: must be a list of modules, got " <> format_term(allow)
    end

    if not (handler == nil or is_function(handler, 1)) do
      raise ArgumentError,
            "PytestWasmblog.Bridge: handler: must be a function of one argument or nil, got " <>
              format_term(handler)
    end

    %{name: name, allow: allow, handler: handler}
  end

  defp config(other) do
    raise ArgumentError,
          "PytestWasmblog.Bridge: options must be a keyword list, got " <> format_term(other)
  end

  defp option(opts, key, default) do
    case :lists.keyfind(key, 1, opts) do
      {^key, value} -> value
      false -> default
    end
  end

  defp all_atoms?([]), do: true
  defp all_atoms?([a | rest]) when is_atom(a), do: all_atoms?(rest)
  defp all_atoms?(_), do: false

  # ---------------------------------------------------------------------------
  # Errors and stacktraces without inspect
  # ---------------------------------------------------------------------------

  @doc """
  Turns an `:error` reason into `{exception_module, message}`, like
  `Exception.normalize(:error, reason, stacktrace)` followed by `Exception.message/1`, but
  without the code paths that need `inspect` or OTP's error_info formatters.
  """
  @spec describe_error(term(), list()) :: {module(), String.t()}
  def describe_error(%{__struct__: module, __exception__: true} = exception, _stacktrace)
      when is_atom(module) do
    {module, exception_message(exception)}
  end

  def describe_error(:badarg, _st), do: {ArgumentError, "argument error"}

  def describe_error({:badarg, payload}, _st),
    do: {ArgumentError, "argument error: " <> format_term(payload)}

  def describe_error(:badarith, _st),
    do: {ArithmeticError, "bad argument in arithmetic expression"}

  def describe_error(:system_limit, _st),
    do: {SystemLimitError, "a system limit has been reached"}

  def describe_error(:cond_clause, _st),
    do: {CondClauseError, "no cond clause evaluated to a truthy value"}

  def describe_error({:badarity, {fun, args}}, _st) when is_function(fun) and is_list(args) do
    arity =
      case :erlang.fun_info(fun, :arity) do
        {:arity, arity} when is_integer(arity) -> int(arity)
        _ -> "?"
      end

    {BadArityError,
     "function with arity " <> arity <> " called with " <> count_args(length(args))}
  end

  def describe_error({:badfun, term}, _st),
    do: {BadFunctionError, "expected a function, got: " <> format_term(term)}

  def describe_error({:badstruct, struct, term}, _st) do
    {BadStructError,
     "expected a struct named " <> format_term(struct) <> ", got: " <> format_term(term)}
  end

  def describe_error({:badmatch, term}, _st),
    do: {MatchError, "no match of right hand side value: " <> format_term(term)}

  def describe_error({:badmap, term}, _st),
    do: {BadMapError, "expected a map, got: " <> format_term(term)}

  def describe_error({:badbool, op, term}, _st) do
    {BadBooleanError,
     "expected a boolean on left-side of \"" <>
       Terms.atom_name(op) <> "\", got: " <> format_term(term)}
  end

  def describe_error({:badkey, key}, _st),
    do: {KeyError, "key " <> format_term(key) <> " not found"}

  def describe_error({:badkey, key, term}, _st) do
    {KeyError, "key " <> format_term(key) <> " not found in: " <> format_term(term)}
  end

  def describe_error({:case_clause, term}, _st),
    do: {CaseClauseError, "no case clause matching: " <> format_term(term)}

  def describe_error({:with_clause, term}, _st),
    do: {WithClauseError, "no with clause matching: " <> format_term(term)}

  def describe_error({:try_clause, term}, _st),
    do: {TryClauseError, "no try clause matching: " <> format_term(term)}

  def describe_error(:undef, st) do
    case top_mfa(st) do
      {m, f, a} ->
        {UndefinedFunctionError, "function " <> format_mfa(m, f, a) <> " is undefined or private"}

      nil ->
        {UndefinedFunctionError, "undefined function"}
    end
  end

  def describe_error(:function_clause, st) do
    case top_mfa(st) do
      {m, f, a} -> {FunctionClauseError, "no function clause matching in " <> format_mfa(m, f, a)}
      nil -> {FunctionClauseError, "no function clause matches"}
    end
  end

  # What the bundle's rebuild puts in place of a NIF this VM lacks (vm/tools/wasmblog_beams.erl); the
  # harness words it (pytest_wasmblog/elixir.py), keeping this module small in every bundle.
  def describe_error({:nif_not_available_in_wasm, mfa}, _st) when is_list(mfa),
    do: {ErlangError, "nif_not_available_in_wasm " <> :erlang.list_to_binary(mfa)}

  def describe_error(other, _st), do: {ErlangError, "Erlang error: " <> format_term(other)}

  defp count_args(1), do: "1 argument"
  defp count_args(n), do: int(n) <> " arguments"

  defp top_mfa([{m, f, args, _} | _]) when is_list(args), do: {m, f, length(args)}
  defp top_mfa([{m, f, arity, _} | _]) when is_integer(arity), do: {m, f, arity}
  defp top_mfa(_), do: nil

  defp exception_message(%KeyError{message: nil, key: key, term: nil}),
    do: "key " <> format_term(key) <> " not found"

  defp exception_message(%KeyError{message: nil, key: key, term: term}),
    do: "key " <> format_term(key) <> " not found in: " <> format_term(term)

  defp exception_message(%UndefinedFunctionError{message: nil, module: m, function: f, arity: a})
       when is_atom(m) and is_atom(f) and is_integer(a) and m != nil and f != nil,
       do: "function " <> format_mfa(m, f, a) <> " is undefined or private"

  defp exception_message(%FunctionClauseError{module: m, function: f, arity: a})
       when is_atom(m) and is_atom(f) and is_integer(a) and m != nil and f != nil,
       do: "no function clause matching in " <> format_mfa(m, f, a)

  defp exception_message(%FunctionClauseError{}), do: "no function clause matches"

  defp exception_message(%MatchError{term: t}),
    do: "no match of right hand side value: " <> format_term(t)

  defp exception_message(%CaseClauseError{term: t}),
    do: "no case clause matching: " <> format_term(t)

  defp exception_message(%WithClauseError{term: t}),
    do: "no with clause matching: " <> format_term(t)

  defp exception_message(%TryClauseError{term: t}),
    do: "no try clause matching: " <> format_term(t)

  defp exception_message(%BadMapError{term: t}), do: "expected a map, got: " <> format_term(t)

  defp exception_message(%BadFunctionError{term: t}),
    do: "expected a function, got: " <> format_term(t)

  defp exception_message(%ErlangError{original: o}), do: "Erlang error: " <> format_term(o)
  defp exception_message(%{message: message}) when is_binary(message), do: message

  defp exception_message(%{__struct__: module} = exception) do
    try do
      case module.message(exception) do
        message when is_binary(message) -> message
        _ -> Terms.atom_name(module) <> ".message/1 did not return a string"
      end
    catch
      _kind, _reason -> Terms.atom_name(module) <> ".message/1 failed"
    end
  end

  @doc """
  Stacktrace entries as JSON-able lists: `[module, function, arity, file | nil, line | nil]`.
  """
  @spec format_stacktrace(list()) :: [list()]
  def format_stacktrace(stacktrace) when is_list(stacktrace), do: frames(stacktrace, [])
  def format_stacktrace(_other), do: []

  defp frames([], acc), do: :lists.reverse(acc)

  defp frames([{m, f, arity_or_args, location} | rest], acc) when is_atom(m) and is_atom(f) do
    frame = [Terms.atom_name(m), Terms.atom_name(f), arity(arity_or_args) | file_line(location)]
    frames(rest, [frame | acc])
  end

  defp frames([{fun, arity_or_args, location} | rest], acc) when is_function(fun) do
    frame = ["", "fn", arity(arity_or_args) | file_line(location)]
    frames(rest, [frame | acc])
  end

  defp frames([_unknown | rest], acc), do: frames(rest, acc)
  defp frames(_improper, acc), do: frames([], acc)

  defp arity(args) when is_list(args), do: length(args)
  defp arity(n) when is_integer(n), do: n
  defp arity(_), do: nil

  defp file_line(location) when is_list(location) do
    [chars_to_binary(option_or_nil(location, :file)), line(option_or_nil(location, :line))]
  end

  defp file_line(_), do: [nil, nil]

  defp option_or_nil(list, key) do
    case :lists.keyfind(key, 1, list) do
      {^key, value} -> value
      _ -> nil
    end
  end

  defp line(n) when is_integer(n), do: n
  defp line(_), do: nil

  defp chars_to_binary(nil), do: nil
  defp chars_to_binary(bin) when is_binary(bin), do: bin

  defp chars_to_binary(chars) when is_list(chars) do
    try do
      case :unicode.characters_to_binary(chars) do
        bin when is_binary(bin) -> bin
        _ -> nil
      end
    catch
      _kind, _reason -> nil
    end
  end

  defp chars_to_binary(_), do: nil

  # ---------------------------------------------------------------------------
  # A tiny term formatter (Elixir syntax, bounded), used instead of inspect
  # ---------------------------------------------------------------------------

  @max_items 25
  @max_depth 6
  @max_bytes 2000

  @doc """
  Renders a term in Elixir syntax without `inspect`: atoms, numbers, strings, lists,
  keyword lists, tuples, maps and structs. Long or deep terms are cut with `...`; pids,
  references, functions and ports are shown as `#PID<...>` style placeholders.
  """
  @spec format_term(term()) :: String.t()
  def format_term(term) do
    text = :erlang.iolist_to_binary(fmt(term, @max_depth))

    if byte_size(text) > @max_bytes do
      truncate_utf8(text, @max_bytes) <> "..."
    else
      text
    end
  end

  defp fmt(_term, 0), do: "..."
  defp fmt(nil, _d), do: "nil"
  defp fmt(true, _d), do: "true"
  defp fmt(false, _d), do: "false"
  defp fmt(atom, _d) when is_atom(atom), do: fmt_atom(atom)
  defp fmt(int, _d) when is_integer(int), do: :erlang.integer_to_binary(int)
  defp fmt(float, _d) when is_float(float), do: JSON.format_float(float)

  defp fmt(bin, _d) when is_binary(bin) do
    if Terms.utf8?(bin) do
      [?", escape_string(bin, []), ?"]
    else
      ["<<", join_bytes(bin, @max_items), ">>"]
    end
  end

  defp fmt(bits, _d) when is_bitstring(bits), do: "#Bitstring<" <> int(bit_size(bits)) <> " bits>"

  defp fmt(list, d) when is_list(list) do
    if keyword?(list) and list != [] do
      ["[", fmt_items(list, d - 1, @max_items, &fmt_kw/2), "]"]
    else
      ["[", fmt_items(list, d - 1, @max_items, &fmt/2), "]"]
    end
  end

  defp fmt(tuple, d) when is_tuple(tuple) do
    ["{", fmt_items(:erlang.tuple_to_list(tuple), d - 1, @max_items, &fmt/2), "}"]
  end

  defp fmt(%{__struct__: struct} = map, d) when is_atom(struct) do
    fields = drop_struct_keys(:maps.to_list(map), [])
    ["%", fmt_alias(struct), "{", fmt_items(fields, d - 1, @max_items, &fmt_kw/2), "}"]
  end

  defp fmt(map, d) when is_map(map) do
    pairs = :maps.to_list(map)

    if keyword?(pairs) do
      ["%{", fmt_items(pairs, d - 1, @max_items, &fmt_kw/2), "}"]
    else
      ["%{", fmt_items(pairs, d - 1, @max_items, &fmt_pair/2), "}"]
    end
  end

  defp fmt(pid, _d) when is_pid(pid), do: ["#PID", strip_hash_tag(:erlang.pid_to_list(pid))]

  defp fmt(ref, _d) when is_reference(ref),
    do: ["#Reference", strip_hash_tag(:erlang.ref_to_list(ref))]

  defp fmt(port, _d) when is_port(port), do: ["#Port", strip_hash_tag(:erlang.port_to_list(port))]

  defp fmt(fun, _d) when is_function(fun) do
    case :erlang.fun_info(fun, :arity) do
      {:arity, arity} -> ["#Function<arity ", int(arity), ">"]
      _ -> "#Function<>"
    end
  end

  defp fmt(_other, _d), do: "#Term<>"

  defp drop_struct_keys([], acc), do: :lists.reverse(acc)
  defp drop_struct_keys([{:__struct__, _} | rest], acc), do: drop_struct_keys(rest, acc)
  defp drop_struct_keys([{:__exception__, true} | rest], acc), do: drop_struct_keys(rest, acc)
  defp drop_struct_keys([pair | rest], acc), do: drop_struct_keys(rest, [pair | acc])

  # "<0.12.0>" stays, "#Ref<0.1.2.3>" -> "<0.1.2.3>"
  defp strip_hash_tag(chars) do
    bin = :erlang.list_to_binary(chars)

    case :binary.match(bin, "<") do
      {pos, _} -> :binary.part(bin, pos, byte_size(bin) - pos)
      :nomatch -> "<" <> bin <> ">"
    end
  end

  defp fmt_items([], _d, _left, _fun), do: []
  defp fmt_items(_list, _d, 0, _fun), do: "..."
  defp fmt_items([last], d, _left, fun), do: fun.(last, d)

  defp fmt_items([head | tail], d, left, fun) when is_list(tail),
    do: [fun.(head, d), ", " | fmt_items(tail, d, left - 1, fun)]

  defp fmt_items([head | tail], d, _left, fun), do: [fun.(head, d), " | ", fmt(tail, d)]

  defp fmt_kw({key, value}, d), do: [fmt_key(key), " ", fmt(value, d)]
  defp fmt_pair({key, value}, d), do: [fmt(key, d), " => ", fmt(value, d)]

  defp fmt_key(atom) do
    name = Terms.atom_name(atom)
    if identifier?(name), do: [name, ":"], else: [?", escape_string(name, []), "\":"]
  end

  defp keyword?([]), do: true
  defp keyword?([{key, _} | rest]) when is_atom(key), do: keyword?(rest)
  defp keyword?(_), do: false

  defp fmt_atom(atom) do
    case Terms.atom_name(atom) do
      "Elixir." <> <<c, _::binary>> when c >= ?A and c <= ?Z ->
        fmt_alias(atom)

      name ->
        if identifier?(name) or operator?(name),
          do: [":", name],
          else: [":\"", escape_string(name, []), ?"]
    end
  end

  defp fmt_alias(atom) do
    case Terms.atom_name(atom) do
      "Elixir." <> <<c, _::binary>> = name when c >= ?A and c <= ?Z ->
        binary_part(name, 7, byte_size(name) - 7)

      _ ->
        fmt_atom(atom)
    end
  end

  defp identifier?(<<c, rest::binary>>) when (c >= ?a and c <= ?z) or c == ?_,
    do: identifier_rest?(rest)

  defp identifier?(_), do: false

  defp identifier_rest?(<<>>), do: true
  defp identifier_rest?(<<c>>) when c == ?? or c == ?!, do: true

  defp identifier_rest?(<<c, rest::binary>>)
       when (c >= ?a and c <= ?z) or (c >= ?A and c <= ?Z) or (c >= ?0 and c <= ?9) or c == ?_ or
              c == ?@,
       do: identifier_rest?(rest)

  defp identifier_rest?(_), do: false

  defp operator?(name),
    do:
      name in [
        "+",
        "-",
        "*",
        "/",
        "==",
        "!=",
        "<",
        ">",
        "<=",
        ">=",
        "===",
        "!==",
        "++",
        "--",
        "<>",
        "&&",
        "||",
        "!",
        "|>",
        "="
      ]

  defp escape_string(<<?", rest::binary>>, acc), do: escape_string(rest, [acc, "\\\""])
  defp escape_string(<<?\\, rest::binary>>, acc), do: escape_string(rest, [acc, "\\\\"])
  defp escape_string(<<?\n, rest::binary>>, acc), do: escape_string(rest, [acc, "\\n"])
  defp escape_string(<<?\t, rest::binary>>, acc), do: escape_string(rest, [acc, "\\t"])
  defp escape_string(<<?\r, rest::binary>>, acc), do: escape_string(rest, [acc, "\\r"])

  defp escape_string(<<c, rest::binary>>, acc) when c < 0x20,
    do: escape_string(rest, [acc, "\\x", hex2(c)])

  defp escape_string(<<c, rest::binary>>, acc), do: escape_string(rest, [acc, c])
  defp escape_string(<<>>, acc), do: acc

  defp hex2(c) do
    <<hex_digit(div(c, 16)), hex_digit(rem(c, 16))>>
  end

  defp hex_digit(d) when d < 10, do: ?0 + d
  defp hex_digit(d), do: ?A + d - 10

  defp join_bytes(<<>>, _left), do: []
  defp join_bytes(_bin, 0), do: "..."
  defp join_bytes(<<b>>, _left), do: int(b)
  defp join_bytes(<<b, rest::binary>>, left), do: [int(b), ", " | join_bytes(rest, left - 1)]

  defp format_mfa(m, f, a) do
    :erlang.iolist_to_binary([fmt_alias(m), ".", Terms.atom_name(f), "/", int(a)])
  end

  defp format_list(modules), do: format_term(modules)

  defp short(request) do
    text = format_term(request)
    if byte_size(text) > 200, do: truncate_utf8(text, 200) <> "...", else: text
  end

  defp truncate_utf8(bin, max) do
    <<head::binary-size(max), _::binary>> = bin
    drop_partial_utf8(head)
  end

  # Drops the bytes of a UTF-8 sequence that the cut left incomplete.
  defp drop_partial_utf8(bin) do
    if Terms.utf8?(bin) or byte_size(bin) == 0 do
      bin
    else
      size = byte_size(bin) - 1
      <<head::binary-size(size), _>> = bin
      drop_partial_utf8(head)
    end
  end

  defp int(n), do: :erlang.integer_to_binary(n)
end
