%% The elixir application's start creates this table (URI default ports, argv, ...) and starts
%% the server that writes it. Nothing starts that application in the VM, so the first use
%% starts the server, which creates the table with the same contents.
-module(elixir_config).
-export([]).

get(Key) ->
    wasmblog_ensure_started(),
    [{_, Value}] = ets:lookup(elixir_config, Key),
    Value.

get(Key, Default) ->
    wasmblog_ensure_started(),
    case ets:lookup(elixir_config, Key) of
        [{_, Value}] -> Value;
        [] -> Default
    end.

put(Key, Value) ->
    wasmblog_ensure_started(),
    gen_server:call(elixir_config, {put, Key, Value}).

get_and_put(Key, Value) ->
    wasmblog_ensure_started(),
    gen_server:call(elixir_config, {get_and_put, Key, Value}).

update(Key, Fun) ->
    wasmblog_ensure_started(),
    gen_server:call(elixir_config, {update, Key, Fun}).

%% IO.warn_once counts warnings per call site in the table: true the first time.
warn(Key, [{Mod, Fun, ArgsOrArity, _} | _]) ->
    wasmblog_ensure_started(),
    EtsKey = {warn, Key, Mod, Fun, to_arity(ArgsOrArity)},
    ets:update_counter(elixir_config, EtsKey, {2, 1, 1, 1}, {EtsKey, -1}) =:= 0;
warn(_, _) -> true.

init(_Tab) -> {ok, new(wasmblog_defaults())}.

wasmblog_ensure_started() ->
    case whereis(elixir_config) of
        undefined ->
            case gen_server:start({local, elixir_config}, elixir_config, elixir_config, []) of
                {ok, _} -> ok;
                {error, {already_started, _}} -> ok
            end;
        _ -> ok
    end.

%% What elixir:start/2 puts in the table (Elixir 1.14).
wasmblog_defaults() ->
    [{at_exit, []}, {argv, []}, {no_halt, false}, {docs, true}, {ignore_already_consolidated, false},
     {ignore_module_conflict, false}, {parser_options, []}, {debug_info, true}, {warnings_as_errors, false},
     {relative_paths, true}, {no_warn_undefined, []}, {tracers, []},
     {{uri, <<"ftp">>}, 21}, {{uri, <<"sftp">>}, 22}, {{uri, <<"tftp">>}, 69}, {{uri, <<"http">>}, 80},
     {{uri, <<"https">>}, 443}, {{uri, <<"ldap">>}, 389}, {{uri, <<"ws">>}, 80}, {{uri, <<"wss">>}, 443}].
