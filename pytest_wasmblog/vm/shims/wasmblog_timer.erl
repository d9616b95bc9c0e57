%% erlang:send_after/start_timer/cancel_timer/read_timer for the erlang shim (the VM has no
%% timer BIFs). Each timer is a small process; the reference maps to the process and its
%% deadline (in monotonic milliseconds) in the caller's dictionary.
-module(wasmblog_timer).
-export([send_after/3, start_timer/3, cancel/2, read/1]).

send_after(Time, Dest, Msg) -> start_timer_process(Time, Dest, fun(_Ref) -> Msg end).
start_timer(Time, Dest, Msg) -> start_timer_process(Time, Dest, fun(Ref) -> {timeout, Ref, Msg} end).

start_timer_process(Time, Dest, MakeMsg) when is_integer(Time), Time >= 0 ->
    Ref = erlang:make_ref(),
    Pid = erlang:spawn_opt(fun() ->
                                   receive
                                       cancel -> ok
                                   after Time -> Dest ! MakeMsg(Ref)
                                   end
                           end, []),
    erlang:put({wasmblog_timer, Ref}, {Pid, erlang:monotonic_time(millisecond) + Time}),
    Ref.

%% As OTP: the time left in milliseconds or false; {async, true} sends that answer as a
%% {cancel_timer, Ref, Result} message and {info, false} leaves it out, both returning ok.
cancel(Ref, Options) ->
    Result = case erlang:erase({wasmblog_timer, Ref}) of
                 undefined -> false;
                 {Pid, Deadline} ->
                     Left = time_left(Pid, Deadline),
                     Pid ! cancel,
                     Left
             end,
    case {option(async, Options, false), option(info, Options, true)} of
        {false, true} -> Result;
        {false, false} -> ok;
        {true, true} -> erlang:self() ! {cancel_timer, Ref, Result}, ok;
        {true, false} -> ok
    end.

read(Ref) ->
    case erlang:get({wasmblog_timer, Ref}) of
        undefined -> false;
        {Pid, Deadline} -> time_left(Pid, Deadline)
    end.

time_left(Pid, Deadline) ->
    case erlang:is_process_alive(Pid) of
        true -> erlang:max(0, Deadline - erlang:monotonic_time(millisecond));
        false -> false
    end.

option(Key, Options, Default) ->
    case lists:keyfind(Key, 1, Options) of
        {Key, Value} -> Value;
        false -> Default
    end.
