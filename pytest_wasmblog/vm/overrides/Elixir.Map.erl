%% The VM's stack traces carry no arguments, so Exception.normalize/3 cannot find the map a
%% {badkey, Key} error came from, and KeyError said "key :b not found" without "in: %{a: 1}".
%% (Elixir compiles with no_auto_import, hence erlang:is_map.) These raise the KeyError Elixir builds from BEAM's stack trace (Map.update!/3,
%% Map.get_and_update!/3 and Access.key!/1 go through fetch!/2).
-module('Elixir.Map').
-export(['fetch!'/2, 'replace!'/3]).

'fetch!'(Map, Key) when erlang:is_map(Map) ->
    case Map of
        #{Key := Value} -> Value;
        _ -> erlang:error('Elixir.KeyError':exception([{key, Key}, {term, Map}]))
    end;
'fetch!'(Map, Key) -> maps:get(Key, Map).

'replace!'(Map, Key, Value) when erlang:is_map(Map) ->
    case erlang:is_map_key(Key, Map) of
        true -> Map#{Key := Value};
        false -> erlang:error('Elixir.KeyError':exception([{key, Key}, {term, Map}]))
    end;
'replace!'(Map, Key, Value) -> maps:update(Key, Value, Map).
