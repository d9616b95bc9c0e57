%% What OTP's erlang module has and this VM's NIF table lacks.
%%
%% The VM looks erlang:F/A up in its NIF table first and only then in a loaded module named
%% erlang, so this module adds functions without hiding any NIF. Remote calls to erlang:...
%% below therefore reach the VM's own implementations.
-module(erlang).
-compile({no_auto_import, [apply/2, apply/3, spawn/1, spawn/3, spawn_link/1, spawn_link/3,
                           spawn_monitor/1, spawn_monitor/3, send/3, monitor/3, send_after/3,
                           send_after/4, start_timer/3, start_timer/4, cancel_timer/1, cancel_timer/2,
                           read_timer/1, fun_info/1, get_keys/0, get_keys/1, phash2/1, phash2/2,
                           process_info/1, registered/0, is_alive/0, nodes/0, nodes/1,
                           append_element/2, binary_to_list/3, convert_time_unit/3, time_offset/0,
                           time_offset/1, statistics/1, hibernate/3, localtime_to_universaltime/1,
                           universaltime_to_localtime/1, memory/0, halt/0, halt/1, nif_error/2]}).
-export([apply/2, apply/3, spawn/1, spawn/3, spawn_link/1, spawn_link/3, spawn_monitor/1,
         spawn_monitor/3, send/3, monitor/3, send_after/3, send_after/4, start_timer/3,
         start_timer/4, cancel_timer/1, cancel_timer/2, read_timer/1, fun_info/1, get_keys/0,
         get_keys/1, phash2/1, phash2/2, process_info/1, registered/0, is_alive/0, nodes/0,
         nodes/1, append_element/2, binary_to_list/3, convert_time_unit/3, time_offset/0,
         time_offset/1, statistics/1, hibernate/3, localtime_to_universaltime/1,
         universaltime_to_localtime/1, memory/0, halt/0, halt/1, nif_error/2]).

apply(Fun, Args) when is_function(Fun), is_list(Args) ->
    case Args of
        [] -> Fun();
        [A] -> Fun(A);
        [A, B] -> Fun(A, B);
        [A, B, C] -> Fun(A, B, C);
        [A, B, C, D] -> Fun(A, B, C, D);
        [A, B, C, D, E] -> Fun(A, B, C, D, E);
        [A, B, C, D, E, F] -> Fun(A, B, C, D, E, F);
        [A, B, C, D, E, F, G] -> Fun(A, B, C, D, E, F, G);
        [A, B, C, D, E, F, G, H] -> Fun(A, B, C, D, E, F, G, H);
        _ -> erlang:error({too_many_arguments_for_apply_in_wasm, length(Args)})
    end;
apply({Module, Function}, Args) -> apply(Module, Function, Args);
apply(Fun, Args) -> erlang:error(badarg, [Fun, Args]).

apply(M, F, Args) when is_atom(M), is_atom(F), is_list(Args) ->
    case Args of
        [] -> M:F();
        [A] -> M:F(A);
        [A, B] -> M:F(A, B);
        [A, B, C] -> M:F(A, B, C);
        [A, B, C, D] -> M:F(A, B, C, D);
        [A, B, C, D, E] -> M:F(A, B, C, D, E);
        [A, B, C, D, E, G] -> M:F(A, B, C, D, E, G);
        [A, B, C, D, E, G, H] -> M:F(A, B, C, D, E, G, H);
        [A, B, C, D, E, G, H, I] -> M:F(A, B, C, D, E, G, H, I);
        _ -> erlang:error({too_many_arguments_for_apply_in_wasm, length(Args)})
    end;
apply(M, F, Args) -> erlang:error(badarg, [M, F, Args]).

spawn(Fun) -> erlang:spawn_opt(Fun, []).
spawn(M, F, A) -> erlang:spawn_opt(M, F, A, []).
spawn_link(Fun) -> erlang:spawn_opt(Fun, [link]).
spawn_link(M, F, A) -> erlang:spawn_opt(M, F, A, [link]).

spawn_monitor(Fun) ->
    Pid = erlang:spawn_opt(Fun, []),
    {Pid, erlang:monitor(process, Pid)}.
spawn_monitor(M, F, A) ->
    Pid = erlang:spawn_opt(M, F, A, []),
    {Pid, erlang:monitor(process, Pid)}.

%% Options such as {alias, demonitor} are dropped: the VM has no aliases (see gen:reply/2).
monitor(Type, Item, _Options) -> erlang:monitor(Type, Item).

%% A single node: a message to another is never delivered (BEAM drops it too when the node cannot
%% be reached), and `noconnect` says so.
send({_Name, Node}, _Msg, Options) when is_atom(Node), Node =/= erlang:node() ->
    case lists:member(noconnect, Options) of
        true -> noconnect;
        false -> ok
    end;
send(Dest, Msg, _Options) -> erlang:send(Dest, Msg), ok.

%% Timers live in wasmblog_timer, a module a bundle packs only when a run uses timers.
send_after(Time, Dest, Msg) -> wasmblog_timer:send_after(Time, Dest, Msg).
send_after(Time, Dest, Msg, _Options) -> wasmblog_timer:send_after(Time, Dest, Msg).
start_timer(Time, Dest, Msg) -> wasmblog_timer:start_timer(Time, Dest, Msg).
start_timer(Time, Dest, Msg, _Options) -> wasmblog_timer:start_timer(Time, Dest, Msg).
cancel_timer(Ref) -> wasmblog_timer:cancel(Ref, []).
cancel_timer(Ref, Options) -> wasmblog_timer:cancel(Ref, Options).
read_timer(Ref) -> wasmblog_timer:read(Ref).

%% The VM's fun_info/2 knows module, name, arity, env and type. A local fun's index and uniq
%% (which inspect prints) are read from fun_to_list/1: "#Fun<Module.Index.Uniq>", as in OTP.
fun_info(Fun) when is_function(Fun) ->
    [Module, Name, Arity, Env, Type] = [erlang:fun_info(Fun, Key) || Key <- [module, name, arity, env, type]],
    case Type of
        {type, local} ->
            {Index, Uniq} = fun_numbers(erlang:fun_to_list(Fun)),
            [Module, {new_index, Index}, {index, Index}, {uniq, Uniq}, Name, Arity, Env, Type];
        _ -> [Module, Name, Arity, Env, Type]
    end;
fun_info(Other) -> erlang:error(badarg, [Other]).

fun_numbers(Text) ->
    [$> | Reversed] = lists:reverse(Text),
    {UniqDigits, [$. | Rest]} = lists:splitwith(fun(C) -> C =/= $. end, Reversed),
    {IndexDigits, _} = lists:splitwith(fun(C) -> C =/= $. end, Rest),
    {erlang:list_to_integer(lists:reverse(IndexDigits)), erlang:list_to_integer(lists:reverse(UniqDigits))}.

get_keys() -> [K || {K, _} <- erlang:get()].
get_keys(Value) -> [K || {K, V} <- erlang:get(), V =:= Value].

%% Not OTP's hash values, but stable within the VM, which is all callers rely on.
phash2(Term) -> phash2(Term, 1 bsl 27).
phash2(Term, Range) when is_integer(Range), Range > 0 ->
    erlang:crc32(erlang:term_to_binary(Term)) rem Range.

process_info(Pid) ->
    [{Key, Value} || Key <- [message_queue_len, memory, heap_size],
                     {_, Value} <- [erlang:process_info(Pid, Key)]].

registered() -> [].
is_alive() -> false.
nodes() -> [].
nodes(_Which) -> [].

append_element(Tuple, Element) -> erlang:list_to_tuple(erlang:tuple_to_list(Tuple) ++ [Element]).

binary_to_list(Binary, Start, Stop) when Start >= 1, Stop >= Start - 1 ->
    erlang:binary_to_list(binary:part(Binary, Start - 1, Stop - Start + 1)).

%% OTP's rounding: toward negative infinity, also for negative times.
convert_time_unit(Time, From, To) when is_integer(Time) ->
    FromPerSecond = units_per_second(From),
    ToPerSecond = units_per_second(To),
    case Time < 0 of
        true -> (Time * ToPerSecond - (FromPerSecond - 1)) div FromPerSecond;
        false -> (Time * ToPerSecond) div FromPerSecond
    end;
convert_time_unit(Time, From, To) -> erlang:error(badarg, [Time, From, To]).

%% Measured: the VM's native unit (monotonic and system time) is the nanosecond.
units_per_second(native) -> 1000000000;
units_per_second(perf_counter) -> 1000000000;
units_per_second(second) -> 1;
units_per_second(seconds) -> 1;
units_per_second(millisecond) -> 1000;
units_per_second(milli_seconds) -> 1000;
units_per_second(microsecond) -> 1000000;
units_per_second(micro_seconds) -> 1000000;
units_per_second(nanosecond) -> 1000000000;
units_per_second(nano_seconds) -> 1000000000;
units_per_second(N) when is_integer(N), N > 0 -> N;
units_per_second(Unit) -> erlang:error(badarg, [Unit]).

time_offset() -> 0.
time_offset(_Unit) -> 0.

statistics(wall_clock) -> {erlang:monotonic_time(millisecond), 0};
statistics(runtime) -> {erlang:monotonic_time(millisecond), 0};
statistics(Item) -> erlang:error(badarg, [Item]).

hibernate(M, F, Args) -> erlang:exit(apply(M, F, Args)).

localtime_to_universaltime(DateTime) -> DateTime.
universaltime_to_localtime(DateTime) -> DateTime.

memory() -> [{total, erlang:memory(total)}].

halt() -> halt(0).
halt(Status) -> erlang:exit({halt, Status}).

nif_error(Reason, _Args) -> erlang:error(Reason).
