%% Task.async and Task.Supervisor.async ask for the reply at a monitor alias when
%% erlang:monitor/3 exists (the erlang shim has it, for gen). The VM has no aliases, and
%% sending to a reference aborts it: the alias stands for the owner, so reply to its pid.
%% (Elixir modules are compiled with no_auto_import: BIFs are called as erlang:F.)
-module('Elixir.Task.Supervised').
-export([]).

reply(Owner, OwnerPid, Mref, Timeout) ->
    receive
        {OwnerPid, Ref, ReplyTo, Callers, MFA} ->
            initial_call(MFA),
            put_callers(Callers),
            _ = case Mref of
                    nil -> nil;
                    _ -> erlang:demonitor(Mref, [flush])
                end,
            Dest = case erlang:is_reference(ReplyTo) of
                       true -> OwnerPid;
                       false -> ReplyTo
                   end,
            erlang:send(Dest, {Ref, invoke_mfa(Owner, MFA)});
        {'DOWN', Mref, _, _, Reason} ->
            erlang:exit({shutdown, Reason})
    after Timeout ->
        erlang:exit(timeout)
    end.
