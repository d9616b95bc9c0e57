%% persistent_term (used by inspect and others) has no NIFs in this VM: keep the terms in a
%% registered process that is started on first use.
-module(persistent_term).
-export([get/0, get/1, get/2, put/2, erase/1, info/0]).

-define(SERVER, wasmblog_persistent_term).

get() -> maps:to_list(request(all)).

get(Key) ->
    case request({get, Key}) of
        {ok, Value} -> Value;
        error -> erlang:error(badarg, [Key])
    end.

get(Key, Default) ->
    case request({get, Key}) of
        {ok, Value} -> Value;
        error -> Default
    end.

put(Key, Value) -> request({put, Key, Value}).

erase(Key) -> request({erase, Key}).

info() -> #{count => map_size(request(all)), memory => 0}.

request(Request) ->
    Server = server(),
    Ref = erlang:monitor(process, Server),
    Server ! {?SERVER, self(), Ref, Request},
    receive
        {Ref, Reply} -> erlang:demonitor(Ref, [flush]), Reply;
        {'DOWN', Ref, process, _, Reason} -> erlang:error({persistent_term_server_down, Reason})
    end.

server() ->
    case whereis(?SERVER) of
        undefined ->
            Pid = spawn(fun() -> loop(#{}) end),
            try register(?SERVER, Pid) of
                true -> Pid
            catch
                error:badarg -> exit(Pid, kill), whereis(?SERVER)
            end;
        Pid -> Pid
    end.

loop(Terms) ->
    receive
        {?SERVER, From, Ref, all} -> From ! {Ref, Terms}, loop(Terms);
        {?SERVER, From, Ref, {get, Key}} ->
            From ! {Ref, case Terms of #{Key := V} -> {ok, V}; _ -> error end},
            loop(Terms);
        {?SERVER, From, Ref, {put, Key, Value}} -> From ! {Ref, ok}, loop(Terms#{Key => Value});
        {?SERVER, From, Ref, {erase, Key}} ->
            From ! {Ref, is_map_key(Key, Terms)},
            loop(maps:remove(Key, Terms))
    end.
