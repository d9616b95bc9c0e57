%% string:to_integer/to_float rely on these C helpers.
-module(string).
-export([list_to_integer/1, list_to_float/1]).

list_to_integer(String) -> wasmblog_split_number(String, fun erlang:list_to_integer/1, no_integer).

list_to_float(String) -> wasmblog_split_number(String, fun erlang:list_to_float/1, no_float).

%% Longest numeric prefix that converts, with the rest: {Number, Rest} | {error, Reason}.
wasmblog_split_number(String, Convert, Error) ->
    wasmblog_try_prefix(String, length(String), Convert, Error).

wasmblog_try_prefix(_String, 0, _Convert, Error) -> {error, Error};
wasmblog_try_prefix(String, N, Convert, Error) ->
    {Prefix, Rest} = lists:split(N, String),
    try Convert(Prefix) of
        Number -> {Number, Rest}
    catch
        _:_ -> wasmblog_try_prefix(String, N - 1, Convert, Error)
    end.
