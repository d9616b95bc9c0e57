%% A crash during a call reports the caller's stack; OTP asks process_info/2 for two items at
%% once, which the VM does not support (badarg). One item at a time, same answers.
-module(gen_server).
-export([]).

client_stacktrace(undefined) -> undefined;
client_stacktrace({From, _Tag}) -> client_stacktrace(From);
client_stacktrace(From) when is_pid(From), node(From) =:= node() ->
    try {erlang:process_info(From, current_stacktrace), erlang:process_info(From, registered_name)} of
        {{current_stacktrace, Stacktrace}, {registered_name, []}} -> {From, {From, Stacktrace}};
        {{current_stacktrace, Stacktrace}, {registered_name, Name}} -> {From, {Name, Stacktrace}};
        _ -> {From, dead}
    catch error:badarg -> {From, dead}
    end;
client_stacktrace(From) when is_pid(From) -> {From, remote}.
