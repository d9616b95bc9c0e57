-module(lists).
-export([keysearch/3]).

keysearch(Key, N, List) ->
    case lists:keyfind(Key, N, List) of
        false -> false;
        Tuple -> {value, Tuple}
    end.
