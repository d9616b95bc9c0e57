%% Application environment without OTP's application controller (which needs ets:match and
%% the kernel supervision tree). Values live in persistent_term under {application_env, App}.
-module(application).
-export([get_env/1, get_env/2, get_env/3, set_env/3, set_env/4, unset_env/2, unset_env/3,
         get_all_env/0, get_all_env/1, ensure_all_started/1, ensure_all_started/2, ensure_started/1,
         ensure_started/2, start/1, start/2, stop/1, load/1, unload/1, loaded_applications/0,
         which_applications/0, get_application/0, get_application/1, get_key/1, get_key/2,
         get_all_key/0, get_all_key/1]).

env(App) -> persistent_term:get({application_env, App}, #{}).

get_env(_Key) -> undefined.

get_env(App, Key) ->
    case env(App) of
        #{Key := Value} -> {ok, Value};
        _ -> undefined
    end.

get_env(App, Key, Default) ->
    case get_env(App, Key) of
        {ok, Value} -> Value;
        undefined -> Default
    end.

set_env(App, Key, Value) -> persistent_term:put({application_env, App}, (env(App))#{Key => Value}).
set_env(App, Key, Value, _Options) -> set_env(App, Key, Value).

unset_env(App, Key) -> persistent_term:put({application_env, App}, maps:remove(Key, env(App))).
unset_env(App, Key, _Options) -> unset_env(App, Key).

get_all_env() -> [].
get_all_env(App) -> maps:to_list(env(App)).

ensure_all_started(_App) -> {ok, []}.
ensure_all_started(_App, _Type) -> {ok, []}.
ensure_started(_App) -> ok.
ensure_started(_App, _Type) -> ok.
start(_App) -> ok.
start(_App, _Type) -> ok.
stop(_App) -> ok.
load(_App) -> ok.
unload(_App) -> ok.
loaded_applications() -> [].
which_applications() -> [].
get_application() -> undefined.
get_application(_PidOrModule) -> undefined.
get_key(_Key) -> undefined.
get_key(_App, _Key) -> undefined.
get_all_key() -> [].
get_all_key(_App) -> undefined.
