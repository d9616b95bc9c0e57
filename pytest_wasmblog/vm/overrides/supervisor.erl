%% Restart intensity is counted in seconds read as erlang:monotonic_time(1); the VM's NIF
%% refuses integer units, so the first restart crashed the supervisor. Same logic, unit atom.
-module(supervisor).
-export([]).

add_restart(State) ->
    Restarts = add_restart(State#state.restarts, erlang:monotonic_time(second), State#state.period),
    Updated = State#state{restarts = Restarts},
    case length(Restarts) =< State#state.intensity of
        true -> {ok, Updated};
        false -> {terminate, Updated}
    end.
