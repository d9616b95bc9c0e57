%% Rebuilds Debian's OTP and Elixir beams for the Popcorn/AtomVM runtime.
%%
%% Each module is recompiled from its debug_info with the host's OTP compiler (Debian's Elixir 1.14
%% beams carry OTP 24 opcodes the VM aborts on). On the way, functions listed in an override file
%% replace the originals, and NIF placeholders (bodies that only call erlang:nif_error) that the VM
%% has no NIF for become catchable errors: calling a placeholder would abort the whole VM.
%% Binary segments with a unit other than 8 (<<Main:Segs/binary-unit:64, ...>>, as Base's
%% decoders match) are unsupported by the VM: they become a size in bytes with the default unit.
%%
%% Run as: erl -noshell -pa ToolDir -pa ElixirEbin -run wasmblog_beams main JobFile
%% JobFile holds Erlang terms: {nifs, ["maps:next/1", ...]}. {overrides_dir, Dir}.
%% {jobs, [{Module, SourceBeam, OutputBeam}, ...]}. {workers, N}.
-module(wasmblog_beams).
-export([main/1]).

main([JobFile]) ->
    {ok, Terms} = file:consult(JobFile),
    Nifs = sets:from_list(proplists:get_value(nifs, Terms, []), [{version, 2}]),
    OverridesDir = proplists:get_value(overrides_dir, Terms),
    Jobs = proplists:get_value(jobs, Terms, []),
    Workers = max(1, proplists:get_value(workers, Terms, erlang:system_info(schedulers_online))),
    Results = run_parallel(Jobs, Workers, fun(Job) -> rebuild(Job, Nifs, OverridesDir) end),
    Failed = [R || {error, _, _} = R <- Results],
    %% Errors last: a failed build shows the tail of this output.
    lists:foreach(fun report/1, [R || {ok, _, _} = R <- Results] ++ Failed),
    halt(case Failed of [] -> 0; _ -> 1 end).

report({ok, Module, Replaced}) ->
    io:format("ok ~s ~s~n", [Module, string:join([fa(F, A) || {F, A} <- Replaced], ",")]);
report({error, Module, Reason}) ->
    io:format("error ~s ~0p~n", [Module, Reason]).

fa(F, A) -> atom_to_list(F) ++ "/" ++ integer_to_list(A).

run_parallel(Jobs, Workers, Fun) ->
    Parent = self(),
    Chunks = split(Jobs, Workers),
    Pids = [spawn_link(fun() -> Parent ! {self(), [safe(Fun, J) || J <- Chunk]} end) || Chunk <- Chunks],
    lists:append([receive {Pid, Rs} -> Rs end || Pid <- Pids]).

split(Jobs, N) ->
    Indexed = lists:zip(lists:seq(0, length(Jobs) - 1), Jobs),
    [[J || {I, J} <- Indexed, I rem N =:= K] || K <- lists:seq(0, N - 1)].

safe(Fun, {Module, _, _} = Job) ->
    try Fun(Job)
    catch Class:Reason:Stack -> {error, Module, {Class, Reason, hd(Stack ++ [none])}}
    end.

rebuild({Module, Source, Output}, Nifs, OverridesDir) ->
    Forms0 = abstract_code(Module, Source),
    {Forms1, Overridden} = apply_overrides(Module, Forms0, OverridesDir),
    {Forms2, Stubbed} = stub_placeholders(Module, byte_units(Forms1), Nifs),
    case compile:forms(Forms2, [binary, return_errors, no_spawn_compiler_process, debug_info]) of
        {ok, Module, Beam} ->
            ok = filelib:ensure_dir(Output),
            ok = file:write_file(Output, Beam),
            {ok, Module, Overridden ++ Stubbed};
        {ok, Other, _} -> {error, Module, {module_name_mismatch, Other}};
        {error, Errors, _Warnings} -> {error, Module, {compile, Errors}}
    end.

abstract_code(Module, Source) ->
    case beam_lib:chunks(Source, [debug_info]) of
        {ok, {Module, [{debug_info, {debug_info_v1, Backend, Data}}]}} ->
            case Backend:debug_info(erlang_v1, Module, Data, []) of
                {ok, Forms} -> Forms;
                {error, Reason} -> erlang:error({no_abstract_code, Reason})
            end;
        {ok, {_, [{debug_info, Other}]}} -> erlang:error({unsupported_debug_info, element(1, Other)});
        {error, beam_lib, Reason} -> erlang:error({beam_lib, Reason})
    end.

%% Functions from OverridesDir/Module.erl replace the originals of the same name and arity;
%% functions that the original lacks are added, and the override's exports are merged.
apply_overrides(Module, Forms, OverridesDir) ->
    Path = filename:join(OverridesDir, atom_to_list(Module) ++ ".erl"),
    case filelib:is_regular(Path) of
        false -> {Forms, []};
        true ->
            {ok, OverrideForms} = epp:parse_file(Path, []),
            Funs = [F || {function, _, _, _, _} = F <- OverrideForms],
            Keys = [{N, A} || {function, _, N, A, _} <- Funs],
            Exports = lists:append([Es || {attribute, _, export, Es} <- OverrideForms]),
            Kept = [F || F <- Forms, not is_overridden(F, Keys)],
            {insert_before_eof(add_exports(Kept, Exports), Funs), Keys}
    end.

is_overridden({function, _, N, A, _}, Keys) -> lists:member({N, A}, Keys);
is_overridden(_, _) -> false.

add_exports(Forms, []) -> Forms;
add_exports(Forms, Exports) ->
    {Before, [ModuleAttr | After]} = lists:splitwith(fun(F) -> not is_module_attr(F) end, Forms),
    Before ++ [ModuleAttr, {attribute, erl_anno:new(0), export, Exports} | After].

is_module_attr({attribute, _, module, _}) -> true;
is_module_attr(_) -> false.

insert_before_eof(Forms, Extra) ->
    {Body, Eof} = lists:splitwith(fun(F) -> element(1, F) =/= eof end, Forms),
    Body ++ Extra ++ Eof.

%% <<X:Size/binary-unit:U>> with U a multiple of 8 is <<X:(Size * (U div 8))/binary>>, in
%% patterns (size expressions are allowed there since OTP 23) and in constructions alike.
byte_units({bin_element, Anno, Value, Size, Types}) when Size =/= default, is_list(Types) ->
    case [U || {unit, U} <- Types, U > 8, U rem 8 =:= 0] of
        [Unit] ->
            case lists:member(binary, Types) of
                true ->
                    Bytes = {op, Anno, '*', byte_units(Size), {integer, Anno, Unit div 8}},
                    {bin_element, Anno, byte_units(Value), Bytes, Types -- [{unit, Unit}]};
                false -> {bin_element, Anno, byte_units(Value), byte_units(Size), Types}
            end;
        _ -> {bin_element, Anno, byte_units(Value), byte_units(Size), Types}
    end;
byte_units(Tuple) when is_tuple(Tuple) -> list_to_tuple(byte_units(tuple_to_list(Tuple)));
byte_units(List) when is_list(List) -> [byte_units(E) || E <- List];
byte_units(Other) -> Other.

stub_placeholders(Module, Forms, Nifs) ->
    lists:mapfoldl(
      fun({function, Anno, Name, Arity, Clauses} = F, Acc) ->
              case is_placeholder(Clauses) andalso not has_nif(Module, Name, Arity, Nifs) of
                  true -> {{function, Anno, Name, Arity, [missing_nif_clause(Module, Name, Arity, Anno)]},
                           [{Name, Arity} | Acc]};
                  false -> {F, Acc}
              end;
         (F, Acc) -> {F, Acc}
      end, [], Forms).

is_placeholder(Clauses) -> lists:all(fun is_placeholder_clause/1, Clauses).

is_placeholder_clause({clause, _, _, _, [{call, _, {remote, _, {atom, _, erlang}, {atom, _, nif_error}}, _}]}) -> true;
is_placeholder_clause(_) -> false.

has_nif(Module, Name, Arity, Nifs) -> sets:is_element(fa(Module, Name, Arity), Nifs).

fa(M, F, A) -> atom_to_list(M) ++ ":" ++ atom_to_list(F) ++ "/" ++ integer_to_list(A).

%% error({nif_not_available_in_wasm, "M:F/A"}): a catchable error instead of a VM abort.
missing_nif_clause(Module, Name, Arity, Anno) ->
    Args = [{var, Anno, list_to_atom("_A" ++ integer_to_list(I))} || I <- lists:seq(1, Arity)],
    Reason = {tuple, Anno, [{atom, Anno, nif_not_available_in_wasm},
                            {string, Anno, fa(Module, Name, Arity)}]},
    {clause, Anno, Args, [], [{call, Anno, {remote, Anno, {atom, Anno, erlang}, {atom, Anno, error}}, [Reason]}]}.
