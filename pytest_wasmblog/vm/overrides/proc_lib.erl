%% Crash reports ask process_info/2 for items the VM does not support (it raises badarg):
%% a dying process's own dictionary and messages are answered here, other items stay unknown
%% (the report leaves them out). The VM has no other nodes.
-module(proc_lib).
-export([]).

proc_info(Pid, Item) when node(Pid) =:= node() ->
    try erlang:process_info(Pid, Item)
    catch error:badarg when Pid =:= self() -> wasmblog_own_info(Item)
    end;
proc_info(_Pid, _Item) -> hidden.

wasmblog_own_info(dictionary) -> {dictionary, erlang:get()};
%% The VM cannot list a mailbox without receiving from it.
wasmblog_own_info(messages) -> {messages, []};
wasmblog_own_info(Item) -> erlang:error(badarg, [self(), Item]).
