-module(os).
-export([timestamp/0, getpid/0, env/0, perf_counter/0]).

timestamp() -> erlang:timestamp().
getpid() -> "1".
env() -> [].
perf_counter() -> erlang:monotonic_time().
