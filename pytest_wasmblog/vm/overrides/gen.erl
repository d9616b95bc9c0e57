%% The VM has no process aliases: OTP's gen:reply/2 sends to the alias and the first
%% gen_server:call crashes the VM. Reply to the caller's pid with the same tag instead.
-module(gen).
-export([reply/2]).

reply({To, Tag}, Reply) when is_pid(To) ->
    To ! {Tag, Reply},
    ok;
reply({_To, _Tag}, _Reply) ->
    ok.
