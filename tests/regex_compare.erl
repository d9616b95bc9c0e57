%% Runs each case with the host's re and with the VM's re shim (loaded as wasmblog_re_host,
%% its JavaScript in Node), and prints per case: Id, same|diff, and both results as base64
%% text (~tp). Cases: {Id, Function, Args}; Function `crun` compiles with each module and runs
%% with that module's own compiled pattern.
-module(regex_compare).
-export([main/1]).

main([CasesFile]) ->
    {ok, Cases} = file:consult(CasesFile),
    lists:foreach(fun run_case/1, Cases),
    halt(0).

run_case({Id, Function, Args}) ->
    Host = outcome(re, Function, Args),
    Shim = outcome(wasmblog_re_host, Function, Args),
    Same = case Host =:= Shim of true -> "same"; false -> "diff" end,
    io:format("~ts ~s ~s ~s~n", [Id, Same, text(Host), text(Shim)]).

outcome(Module, Function, Args) ->
    try call(Module, Function, Args) of
        Result -> normal(Result)
    catch
        error:#{message := Message} -> {raised, Message};
        Class:Reason -> {Class, reason(Reason)}
    end.

call(Module, crun, [Source, CompileOptions, Subject, RunOptions]) ->
    {ok, MP} = Module:compile(Source, CompileOptions),
    Module:run(Subject, MP, RunOptions);
call(Module, inspect, [Source, CompileOptions]) ->
    {ok, MP} = Module:compile(Source, CompileOptions),
    Module:inspect(MP, namelist);
call(Module, Function, Args) ->
    apply(Module, Function, Args).

%% Compiled patterns differ in their data; their group count and flags must not.
normal({ok, {re_pattern, Groups, Unicode, CRLF, _}}) -> {ok, {re_pattern, Groups, Unicode, CRLF}};
normal(Other) -> Other.

%% badarg with or without OTP's error_info: the same failure.
reason({badarg, _}) -> badarg;
reason(Reason) -> Reason.

text(Term) -> base64:encode(unicode:characters_to_binary(io_lib:format("~tp", [Term]))).
