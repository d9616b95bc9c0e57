%% As supervisor:add_restart/1: erlang:monotonic_time(1) is refused by the VM's NIF.
-module('Elixir.DynamicSupervisor').
-export([]).

add_restart(#{max_seconds := MaxSeconds, max_restarts := MaxRestarts, restarts := Restarts} = State) ->
    Now = erlang:monotonic_time(second),
    Kept = add_restart([Now | Restarts], Now, MaxSeconds),
    Updated = State#{restarts := Kept},
    case erlang:length(Kept) =< MaxRestarts of
        true -> {ok, Updated};
        false -> {shutdown, Updated}
    end.
