%% Lists, for each function of a BEAM file, what it calls: the function-level call graph the build
%% uses to name app functions that reach what the browser VM cannot run.
%%
%% Run as: erl -noshell -pa ToolDir -run wasmblog_calls main JobFile
%% JobFile holds Erlang terms: {jobs, [{BeamPath, OutputPath}, ...]}.
%% Each output is text, one record per line, fields separated by tabs (atoms percent-escaped):
%%   F Name Arity Exported Kind   a function; Kind is "stub" (a NIF placeholder the rebuild turned
%%                                into erlang:error({nif_not_available_in_wasm, ...})), "placeholder"
%%                                (a body that only calls erlang:nif_error) or "code"
%%   C Module Function Arity      it calls that function (local calls name the module itself)
%%   M Module Function Arity      it makes a fun of that function (make_fun, or a literal fun M:F/A)
%%   A Module Function            it applies or spawns M:F with literal atoms, arity unknown
%%   L Atom                       (before the functions) an atom the module's literals hold
%% Only what the code states is listed: calls through a variable module stay unknown.
%% (OTP 25's beam_disasm names instructions as below; a later OTP may name them otherwise.)
-module(wasmblog_calls).
-export([main/1]).

main([JobFile]) ->
    {ok, Terms} = file:consult(JobFile),
    Jobs = proplists:get_value(jobs, Terms, []),
    Failed = [Job || Job <- Jobs, not write_one(Job)],
    halt(case Failed of [] -> 0; _ -> 1 end).

write_one({Beam, Output}) ->
    try
        Text = describe(Beam),
        Partial = Output ++ ".partial",
        ok = file:write_file(Partial, unicode:characters_to_binary(Text)),
        ok = file:rename(Partial, Output),
        true
    catch Class:Reason ->
        io:format("error ~ts ~0p~n", [Beam, {Class, Reason}]),
        false
    end.

describe(Beam) ->
    {beam_file, Module, Exports, _Attrs, _Info, Code} = beam_disasm:file(Beam),
    Exported = sets:from_list([{F, A} || {F, A, _} <- Exports], [{version, 2}]),
    InLiterals = lists:usort(atoms_in(literals(lists:append([Is || {function, _, _, _, Is} <- Code])), [])),
    [[line(["L", atom(A)]) || A <- InLiterals] | [function(Module, F, Exported) || F <- Code]].

atoms_in(T, Acc) when is_atom(T) -> [T | Acc];
atoms_in(T, Acc) when is_tuple(T) -> atoms_in(tuple_to_list(T), Acc);
atoms_in([H | T], Acc) -> atoms_in(T, atoms_in(H, Acc));
atoms_in(M, Acc) when is_map(M) -> atoms_in(maps:to_list(M), Acc);
atoms_in(_, Acc) -> Acc.

function(Module, {function, Name, Arity, _Entry, Instrs}, Exported) ->
    Edges = lists:usort(edges(Module, Instrs, #{}, [])),
    Kind = kind(Instrs, Edges),
    IsExported = case sets:is_element({Name, Arity}, Exported) of true -> "1"; false -> "0" end,
    [line(["F", atom(Name), integer_to_list(Arity), IsExported, Kind]) | [edge(E) || E <- Edges]].

kind(Instrs, Edges) ->
    case lists:any(fun is_stub_literal/1, literals(Instrs)) of
        true -> "stub";
        false ->
            case Edges of
                [{call, erlang, nif_error, _}] -> "placeholder";
                _ -> "code"
            end
    end.

is_stub_literal({nif_not_available_in_wasm, _}) -> true;
is_stub_literal(_) -> false.

%% What x registers are known to hold between calls: a literal atom, or a list of known length
%% (built by put_list), so that erlang:apply(M, F, Args) and spawn(M, F, Args) with literal M and
%% F name their target, with its arity when the argument list's length is known.
edges(_Module, [], _Regs, Acc) -> Acc;
edges(Module, [Instr | Rest], Regs, Acc) ->
    Found = instruction(Module, Instr, Regs) ++ literal_funs(Module, Instr),
    edges(Module, Rest, registers(Instr, Regs), Found ++ Acc).

registers({label, _}, _) -> #{};
registers({line, _}, Regs) -> Regs;
registers({test_heap, _, _}, Regs) -> Regs;
registers({move, {atom, A}, {x, N}}, Regs) -> Regs#{N => {atom, A}};
registers({move, nil, {x, N}}, Regs) -> Regs#{N => {list, 0}};
registers({move, {literal, L}, {x, N}}, Regs) when is_list(L) ->
    case is_proper(L) of
        true -> Regs#{N => {list, length(L)}};
        false -> maps:remove(N, Regs)
    end;
registers({put_list, _, Tail, {x, N}}, Regs) ->
    case list_length(Tail, Regs) of
        {ok, L} -> Regs#{N => {list, L + 1}};
        error -> maps:remove(N, Regs)
    end;
registers(Instr, _Regs) when element(1, Instr) =:= call; element(1, Instr) =:= call_last;
                            element(1, Instr) =:= call_only; element(1, Instr) =:= call_ext;
                            element(1, Instr) =:= call_ext_last; element(1, Instr) =:= call_ext_only;
                            element(1, Instr) =:= apply; element(1, Instr) =:= apply_last -> #{};
%% Any other instruction may write the x registers it names.
registers(Instr, Regs) -> maps:without(x_registers(Instr, []), Regs).

x_registers({x, N}, Acc) when is_integer(N) -> [N | Acc];
x_registers(T, Acc) when is_tuple(T) -> lists:foldl(fun x_registers/2, Acc, tuple_to_list(T));
x_registers([H | T], Acc) -> x_registers(T, x_registers(H, Acc));
x_registers(_, Acc) -> Acc.

list_length(nil, _) -> {ok, 0};
list_length({x, N}, Regs) ->
    case maps:find(N, Regs) of
        {ok, {list, L}} -> {ok, L};
        _ -> error
    end;
list_length(_, _) -> error.

is_proper([_ | T]) -> is_proper(T);
is_proper([]) -> true;
is_proper(_) -> false.

instruction(_M, {call, _, {M, F, A}}, _) -> [{call, M, F, A}];
instruction(_M, {call_last, _, {M, F, A}, _}, _) -> [{call, M, F, A}];
instruction(_M, {call_only, _, {M, F, A}}, _) -> [{call, M, F, A}];
instruction(_M, {call_ext, _, {extfunc, M, F, A}}, Regs) -> external(M, F, A, Regs);
instruction(_M, {call_ext_last, _, {extfunc, M, F, A}, _}, Regs) -> external(M, F, A, Regs);
instruction(_M, {call_ext_only, _, {extfunc, M, F, A}}, Regs) -> external(M, F, A, Regs);
instruction(_M, {make_fun2, {M, F, A}, _, _, _}, _) -> [{fn, M, F, A}];
instruction(_M, {make_fun3, {M, F, A}, _, _, _, _}, _) -> [{fn, M, F, A}];
instruction(_M, {apply, N}, Regs) -> applied(N, {known, N}, Regs);
instruction(_M, {apply_last, N, _}, Regs) -> applied(N, {known, N}, Regs);
instruction(_M, _, _) -> [].

external(M, F, A, Regs) ->
    Target = case is_apply(M, F, A) of
                 true -> applied(0, args_length(Regs), Regs);
                 false -> []
             end,
    [{call, M, F, A} | Target].

args_length(Regs) ->
    case maps:find(2, Regs) of
        {ok, {list, L}} -> {known, L};
        _ -> any
    end.

%% The functions whose first three arguments are a module, a function name and its arguments.
is_apply(erlang, apply, 3) -> true;
is_apply(erlang, F, 3) when F =:= spawn; F =:= spawn_link; F =:= spawn_monitor -> true;
is_apply(erlang, spawn_opt, 4) -> true;
is_apply(proc_lib, F, 3) when F =:= spawn; F =:= spawn_link -> true;
is_apply(proc_lib, spawn_opt, 4) -> true;
is_apply(proc_lib, F, A) when (F =:= start orelse F =:= start_link orelse F =:= start_monitor),
                              A >= 3, A =< 5 -> true;
is_apply(_, _, _) -> false.

%% apply opcodes keep the module in x(N) and the function in x(N+1); apply/3 in x(0) and x(1).
applied(Reg, Arity, Regs) ->
    case {maps:find(Reg, Regs), maps:find(Reg + 1, Regs), Arity} of
        {{ok, {atom, M}}, {ok, {atom, F}}, any} -> [{apply, M, F}];
        {{ok, {atom, M}}, {ok, {atom, F}}, {known, N}} -> [{call, M, F, N}];
        _ -> []
    end.

literal_funs(Module, Instr) ->
    lists:append([funs_in(Module, T) || T <- literals([Instr])]).

literals(Instrs) -> lists:append([collect(I, []) || I <- Instrs]).

collect({literal, T}, Acc) -> [T | Acc];
collect(T, Acc) when is_tuple(T) -> lists:foldl(fun collect/2, Acc, tuple_to_list(T));
collect([H | T], Acc) -> collect(T, collect(H, Acc));
collect(_, Acc) -> Acc.

funs_in(Module, T) when is_function(T) ->
    case erlang:fun_info(T, type) of
        {type, external} ->
            {module, M} = erlang:fun_info(T, module),
            {name, F} = erlang:fun_info(T, name),
            {arity, A} = erlang:fun_info(T, arity),
            [{fn, M, F, A}];
        {type, local} ->
            {name, F} = erlang:fun_info(T, name),
            {arity, A} = erlang:fun_info(T, arity),
            [{fn, Module, F, A}]
    end;
funs_in(Module, T) when is_tuple(T) -> funs_in(Module, tuple_to_list(T));
funs_in(Module, [H | T]) -> funs_in(Module, H) ++ funs_in(Module, T);
funs_in(Module, M) when is_map(M) -> funs_in(Module, maps:to_list(M));
funs_in(_, _) -> [].

edge({call, M, F, A}) -> line(["C", atom(M), atom(F), integer_to_list(A)]);
edge({fn, M, F, A}) -> line(["M", atom(M), atom(F), integer_to_list(A)]);
edge({apply, M, F}) -> line(["A", atom(M), atom(F)]).

line(Fields) -> [lists:join("\t", Fields), "\n"].

%% Percent-escapes what would break the line format.
atom(A) -> [escape(C) || C <- atom_to_list(A)].

escape($%) -> "%25";
escape($\t) -> "%09";
escape($\n) -> "%0A";
escape($\r) -> "%0D";
escape(C) -> C.
