%% Real bodies for the maps functions that OTP implements in C and this VM has no NIF for.
%% Spliced into Debian's maps module by wasmblog_beams (same name and arity replaces the original).
-module(maps).
-export([get/2, find/2, from_list/1, is_key/2, keys/1, merge/2, next/1, put/3, remove/2, take/2,
         to_list/1, update/3, values/1]).

get(Key, Map) when is_map(Map) ->
    case Map of
        #{Key := Value} -> Value;
        _ -> erlang:error({badkey, Key})
    end;
get(_Key, Map) -> erlang:error({badmap, Map}).

find(Key, Map) when is_map(Map) ->
    case Map of
        #{Key := Value} -> {ok, Value};
        _ -> error
    end;
find(_Key, Map) -> erlang:error({badmap, Map}).

from_list(List) when is_list(List) -> wasmblog_put_pairs(List, #{});
from_list(List) -> erlang:error(badarg, [List]).

is_key(Key, Map) when is_map(Map) -> is_map_key(Key, Map);
is_key(_Key, Map) -> erlang:error({badmap, Map}).

keys(Map) when is_map(Map) -> [K || {K, _} <- to_list(Map)];
keys(Map) -> erlang:error({badmap, Map}).

values(Map) when is_map(Map) -> [V || {_, V} <- to_list(Map)];
values(Map) -> erlang:error({badmap, Map}).

merge(Map1, Map2) when is_map(Map1), is_map(Map2) -> wasmblog_put_pairs(to_list(Map2), Map1);
merge(Map1, Map2) when is_map(Map1) -> erlang:error({badmap, Map2});
merge(Map1, _Map2) -> erlang:error({badmap, Map1}).

put(Key, Value, Map) when is_map(Map) -> Map#{Key => Value};
put(_Key, _Value, Map) -> erlang:error({badmap, Map}).

update(Key, Value, Map) when is_map(Map) ->
    case is_map_key(Key, Map) of
        true -> Map#{Key := Value};
        false -> erlang:error({badkey, Key})
    end;
update(_Key, _Value, Map) -> erlang:error({badmap, Map}).

%% Maps compare keys exactly (1 and 1.0 differ), hence =/= rather than /=.
remove(Key, Map) when is_map(Map) ->
    case is_map_key(Key, Map) of
        true -> wasmblog_put_pairs([P || {K, _} = P <- to_list(Map), K =/= Key], #{});
        false -> Map
    end;
remove(_Key, Map) -> erlang:error({badmap, Map}).

take(Key, Map) when is_map(Map) ->
    case Map of
        #{Key := Value} -> {Value, remove(Key, Map)};
        _ -> error
    end;
take(_Key, Map) -> erlang:error({badmap, Map}).

%% OTP's next/1 calls erts_internal:map_next/3, which the VM lacks, and fold/map/filter/foreach
%% call next/1 locally. The remote call below resolves to the VM's maps:next/1 NIF (NIFs come
%% before module code), which walks the same [Position | Map] iterators.
next({K, V, I}) -> {K, V, I};
next([Path | Map] = Iterator) when is_integer(Path), is_map(Map) -> maps:next(Iterator);
next(none) -> none;
next(Iterator) -> erlang:error(badarg, [Iterator]).

%% The VM's maps:next/1 NIF walks OTP's iterator representation.
to_list(Map) when is_map(Map) -> wasmblog_collect(maps:next(maps:iterator(Map)), []);
to_list(Map) -> erlang:error({badmap, Map}).

wasmblog_collect(none, Acc) -> lists:reverse(Acc);
wasmblog_collect({K, V, Iterator}, Acc) -> wasmblog_collect(maps:next(Iterator), [{K, V} | Acc]).

wasmblog_put_pairs([{K, V} | Rest], Acc) -> wasmblog_put_pairs(Rest, Acc#{K => V});
wasmblog_put_pairs([], Acc) -> Acc;
wasmblog_put_pairs(Other, _Acc) -> erlang:error(badarg, [Other]).
