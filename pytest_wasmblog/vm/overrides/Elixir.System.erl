%% The VM's monotonic_time/1, system_time/1 and os:system_time/1 NIFs take unit atoms only;
%% an integer unit (parts per second, which Elixir accepts) is converted from native here.
%% (Elixir modules are compiled with no_auto_import: BIFs are called as erlang:F.)
-module('Elixir.System').
-export([monotonic_time/1, system_time/1, os_time/1]).

monotonic_time(Unit) ->
    case normalize_time_unit(Unit) of
        PerSecond when erlang:is_integer(PerSecond) -> erlang:convert_time_unit(erlang:monotonic_time(), native, PerSecond);
        Atom -> erlang:monotonic_time(Atom)
    end.

system_time(Unit) ->
    case normalize_time_unit(Unit) of
        PerSecond when erlang:is_integer(PerSecond) -> erlang:convert_time_unit(erlang:system_time(), native, PerSecond);
        Atom -> erlang:system_time(Atom)
    end.

os_time(Unit) ->
    case normalize_time_unit(Unit) of
        PerSecond when erlang:is_integer(PerSecond) -> erlang:convert_time_unit(os:system_time(), native, PerSecond);
        Atom -> os:system_time(Atom)
    end.
