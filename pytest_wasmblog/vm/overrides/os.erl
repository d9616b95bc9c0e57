-module(os).
-export([timestamp/0, getpid/0, env/0, perf_counter/0, type/0]).

timestamp() -> erlang:timestamp().
getpid() -> "1".
env() -> [].
perf_counter() -> erlang:monotonic_time().

%% erlang:system_info(os_type) is undefined in the VM (Path and filename call os:type/0).
%% What OTP would derive from Emscripten's uname: a unix whose name is emscripten.
type() -> {unix, emscripten}.
