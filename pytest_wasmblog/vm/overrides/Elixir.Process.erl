%% The VM's process_info/2 takes one item at a time (a list raises badarg): a list is asked
%% item by item, with OTP's answers (nil for a dead process).
%% (Elixir modules are compiled with no_auto_import: BIFs are called as erlang:F.)
-module('Elixir.Process').
-export([]).

info(Pid, Spec) when erlang:is_list(Spec) ->
    case erlang:is_process_alive(Pid) of
        true -> [wasmblog_item(Pid, Item) || Item <- Spec];
        false -> nil
    end;
info(Pid, registered_name) ->
    case erlang:process_info(Pid, registered_name) of
        undefined -> nil;
        [] -> {registered_name, []};
        Other -> Other
    end;
%% The VM answers [] for a process's current stack; a process's own stack is the stacktrace of
%% an exception raised here, less the frames of erlang:error/1 and this function (the VM's
%% stacktraces start at the BIF), as BEAM's answer starts at Process.info/2.
info(Pid, current_stacktrace) when Pid == erlang:self() ->
    try erlang:error(wasmblog_stacktrace)
    catch error:wasmblog_stacktrace:Stacktrace ->
        {current_stacktrace, [{'Elixir.Process', info, 2, []} | wasmblog_callers(Stacktrace)]}
    end;
%% The VM cannot list a mailbox. A process's own is read by taking every message out and sending
%% each back in order (ExUnit's assert_receive shows the mailbox when it fails); what arrives
%% meanwhile queues after them. Another process's mailbox stays unanswered (badarg).
info(Pid, messages) when Pid == erlang:self() ->
    Messages = wasmblog_drain([]),
    _ = [erlang:send(Pid, Message) || Message <- Messages],
    {messages, Messages};
info(Pid, Spec) when erlang:is_atom(Spec) ->
    nilify(erlang:process_info(Pid, Spec)).

wasmblog_drain(Acc) ->
    receive Message -> wasmblog_drain([Message | Acc])
    after 0 -> lists:reverse(Acc)
    end.

wasmblog_callers([{erlang, error, _, _} | Rest]) -> wasmblog_callers(Rest);
wasmblog_callers([{'Elixir.Process', info, _, _} | Rest]) -> wasmblog_callers(Rest);
wasmblog_callers(Stacktrace) -> Stacktrace.

%% In a list, an unregistered process answers {registered_name, []}.
wasmblog_item(Pid, registered_name) ->
    case erlang:process_info(Pid, registered_name) of
        [] -> {registered_name, []};
        Answer -> Answer
    end;
wasmblog_item(Pid, Item) -> erlang:process_info(Pid, Item).
