%% Logger's configuration goes through its gen_event process and OTP's handler table, neither
%% of which runs in the VM: the logger shim holds the level, the application shim the rest.
%% (Elixir modules are compiled with no_auto_import: BIFs are called as erlang:F.)
-module('Elixir.Logger').
-export([]).

configure(Options) ->
    Known = 'Elixir.Keyword':take(Options, [compile_time_application, compile_time_purge_level,
                                            compile_time_purge_matching, sync_threshold, truncate, level,
                                            utc_log, discard_threshold, translator_inspect_opts]),
    lists:foreach(fun({level, Level}) -> logger:set_primary_config(level, wasmblog_erlang_level(Level));
                     ({Key, Value}) -> application:set_env(logger, Key, Value)
                  end, Known),
    ok.

%% Events are written as they are logged: nothing is queued.
flush() -> ok.

'__should_log__'(Level, Module) ->
    ErlangLevel = wasmblog_erlang_level(Level),
    case logger:allow(ErlangLevel, Module) of
        true -> ErlangLevel;
        false -> nil
    end.

put_process_level(Pid, Level) when Pid == erlang:self() ->
    erlang:put(logger_level, wasmblog_erlang_level(Level)),
    ok.

wasmblog_erlang_level(warn) -> warning;
wasmblog_erlang_level(Level) -> Level.
