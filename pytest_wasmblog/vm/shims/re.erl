%% OTP 25's re module for this VM, which has no PCRE: patterns are translated to JavaScript
%% RegExp and run by re.js (beside this file), which this module evaluates once in the VM's
%% page. Requests and replies cross as base64 external terms, so both sides use native code.
%% docs/regex.md lists what differs from PCRE and what is refused.
%%
%% Compiled patterns keep OTP's shape, {re_pattern, Groups, Unicode, UseCRLF, Data}; Data is
%% a term_to_binary of the source and options, so a pattern is self-contained (re.js caches
%% the translation). Calls stay local (no re:F) so the tests can load this module under
%% another name beside the host's real re.
-module(re).
-export([version/0, compile/1, compile/2, run/2, run/3, inspect/2,
         replace/3, replace/4, split/2, split/3]).

-include("re_js.hrl").

-define(TAG, wasmblog_re).

%% Differs from the host's PCRE version, so Elixir's Regex recompiles ~r sigils built on the
%% host from their source instead of handing us a PCRE binary.
version() -> <<"JavaScript RegExp (pytest-wasmblog re.js)">>.

compile(RE) -> compile(RE, []).

compile(RE, Options) when is_list(Options) ->
    lists:foreach(fun(O) -> compile_option(O) orelse erlang:error(badarg, [RE, Options]) end, Options),
    Source = to_binary(RE, lists:member(unicode, Options), [RE, Options]),
    case call_js({compile, Source, Options}) of
        {ok, Groups, Names, Unicode, CRLF} ->
            Data = term_to_binary({?TAG, Source, Options, Names}),
            {ok, {re_pattern, Groups, Unicode, CRLF, Data}};
        {Error, Message, Offset} when Error =:= error; Error =:= unsupported ->
            {error, {unicode:characters_to_list(Message), Offset}};
        Other ->
            failed(Other, [RE, Options])
    end;
compile(RE, Options) ->
    erlang:error(badarg, [RE, Options]).

inspect({re_pattern, _, _, _, _} = MP, namelist) ->
    {_Source, _Options, Names} = pattern_data(MP, [MP, namelist]),
    {namelist, [Name || {Name, _} <- Names]};
inspect(MP, Item) ->
    erlang:error(badarg, [MP, Item]).

run(Subject, RE) -> run(Subject, RE, []).

run(Subject, RE, Options) when is_list(Options) ->
    Args = [Subject, RE, Options],
    {Source, CompileOptions, RunOptions, Type, ReportErrors} = run_request(RE, Options, Args),
    Unicode = unicode_pattern(RE, CompileOptions),
    Bin = to_binary(Subject, Unicode, Args),
    %% re.js returns captures already in their type (index, binary or list).
    case call_js({run, Source, CompileOptions, with_type(RunOptions, Type), Bin}) of
        nomatch -> nomatch;
        match -> match;
        {match, _} = Match -> Match;
        {Error, Message, Offset} when ReportErrors, (Error =:= error orelse Error =:= unsupported) ->
            {error, {compile, {unicode:characters_to_list(Message), Offset}}};
        {unsupported, Message, Offset} ->
            %% A ~r built on the host reaches us as source at run time: say why it cannot run.
            erlang:error(#{'__struct__' => 'Elixir.Regex.CompileError', '__exception__' => true,
                           message => iolist_to_binary([Message, <<" at position ">>,
                                                        integer_to_binary(Offset)])});
        Other ->
            failed(Other, Args)
    end;
run(Subject, RE, Options) ->
    erlang:error(badarg, [Subject, RE, Options]).

%% {Source, CompileOptions, RunOptions, CaptureType, ReportErrors} for re.js.
run_request(RE, Options, Args) ->
    {Compile, Run, Type, Report} = split_options(Options, [], [], index, false, Args),
    case RE of
        {re_pattern, _, _, _, _} ->
            Compile =:= [] orelse erlang:error(badarg, Args),
            {Source, MPOptions, _Names} = pattern_data(RE, Args),
            {Source, MPOptions, Run, Type, Report};
        _ ->
            %% Options valid at both stages (anchored, newline, bsr) go to both.
            Shared = [O || O <- Run, both_stages(O)],
            Source = to_binary(RE, lists:member(unicode, Compile), Args),
            {Source, Compile ++ Shared, Run, Type, Report}
    end.

split_options([], C, R, Type, Report, _Args) ->
    {lists:reverse(C), lists:reverse(R), Type, Report};
split_options([report_errors | T], C, R, Type, _Report, Args) ->
    split_options(T, C, R, Type, true, Args);
split_options([{capture, Spec, NewType} | T], C, R, _Type, Report, Args)
  when NewType =:= index; NewType =:= list; NewType =:= binary ->
    split_options(T, C, [{capture, capture_spec(Spec, Args), NewType} | drop_capture(R)], NewType, Report, Args);
split_options([{capture, Spec} | T], C, R, Type, Report, Args) ->
    split_options(T, C, [{capture, capture_spec(Spec, Args), Type} | drop_capture(R)], Type, Report, Args);
split_options([O | T], C, R, Type, Report, Args) ->
    case {compile_only(O), run_option(O)} of
        {true, _} -> split_options(T, [O | C], R, Type, Report, Args);
        {_, true} -> split_options(T, C, [O | R], Type, Report, Args);
        _ -> erlang:error(badarg, Args)
    end;
split_options(_, _, _, _, _, Args) ->
    erlang:error(badarg, Args).

drop_capture(R) -> [O || O <- R, not is_capture_option(O)].

%% Names go to re.js as binaries; integers as they are.
capture_spec(Spec, _Args) when Spec =:= all; Spec =:= all_but_first; Spec =:= all_names;
                               Spec =:= first; Spec =:= none ->
    Spec;
capture_spec(List, Args) when is_list(List) ->
    [capture_item(Item, Args) || Item <- List];
capture_spec(_, Args) ->
    erlang:error(badarg, Args).

capture_item(N, _Args) when is_integer(N), N >= 0 -> N;
capture_item(Name, _Args) when is_atom(Name) -> atom_to_binary(Name, utf8);
capture_item(Name, _Args) when is_binary(Name) -> Name;
capture_item(Name, Args) when is_list(Name) -> to_binary(Name, true, Args);
capture_item(_, Args) -> erlang:error(badarg, Args).

compile_option(O) -> compile_only(O) orelse both_stages(O).

compile_only(O) ->
    lists:member(O, [unicode, caseless, dollar_endonly, dotall, extended, firstline, multiline,
                     no_auto_capture, dupnames, ungreedy, ucp, never_utf, no_start_optimize]).

both_stages(anchored) -> true;
both_stages(bsr_anycrlf) -> true;
both_stages(bsr_unicode) -> true;
both_stages({newline, NL}) -> lists:member(NL, [cr, lf, crlf, anycrlf, any]);
both_stages(_) -> false.

run_option(O) when O =:= global; O =:= notbol; O =:= noteol; O =:= notempty;
                   O =:= notempty_atstart ->
    true;
run_option({offset, N}) -> is_integer(N) andalso N >= 0;
run_option({match_limit, N}) -> is_integer(N) andalso N >= 0;
run_option({match_limit_recursion, N}) -> is_integer(N) andalso N >= 0;
run_option(O) -> both_stages(O).

pattern_data({re_pattern, _, _, _, Data}, Args) when is_binary(Data) ->
    try binary_to_term(Data) of
        {?TAG, Source, Options, Names} -> {Source, Options, Names};
        _ -> erlang:error(badarg, Args)
    catch
        error:_ -> erlang:error(badarg, Args) % e.g. a pattern compiled by the host's PCRE
    end;
pattern_data(_, Args) ->
    erlang:error(badarg, Args).

to_binary(Bin, _Unicode, _Args) when is_binary(Bin) -> Bin;
to_binary(Data, true, Args) ->
    case unicode:characters_to_binary(Data) of
        Bin when is_binary(Bin) -> Bin;
        _ -> erlang:error(badarg, Args)
    end;
to_binary(Data, false, Args) ->
    try iolist_to_binary(Data)
    catch error:_ -> erlang:error(badarg, Args)
    end.

%% The capture option (the last one given wins, as in OTP) always carries its type for re.js.
with_type(RunOptions, Type) ->
    case [O || O <- RunOptions, is_capture_option(O)] of
        [] -> [{capture, all, Type} | RunOptions];
        _ -> RunOptions
    end.

failed({badarg, _Why}, Args) -> erlang:error(badarg, Args);
failed(Other, _Args) -> erlang:error({re_js_failed, Other}).

%% ---------------------------------------------------------------------------
%% replace/3,4 and split/2,3, on top of run/3 as in OTP
%% ---------------------------------------------------------------------------

replace(Subject, RE, Replacement) -> replace(Subject, RE, Replacement, []).

replace(Subject, RE, Replacement, Options) when is_list(Options) ->
    Args = [Subject, RE, Replacement, Options],
    {Return, RunOptions} = return_option(Options, iodata, [], Args),
    lists:any(fun is_capture_option/1, RunOptions) andalso erlang:error(badarg, Args),
    Unicode = unicode_pattern(RE, Options),
    Bin = to_binary(Subject, Unicode, Args),
    Template = template(to_binary(Replacement, Unicode, Args)),
    IoData = case run(Bin, RE, [{capture, all, index} | RunOptions]) of
                 nomatch -> Subject;
                 {match, [First | _] = Matches} when is_list(First) -> substitute(Bin, 0, Matches, Template);
                 {match, Match} -> substitute(Bin, 0, [Match], Template)
             end,
    returned(IoData, Return, Unicode);
replace(Subject, RE, Replacement, Options) ->
    erlang:error(badarg, [Subject, RE, Replacement, Options]).

return_option([], Return, Acc, _Args) -> {Return, lists:reverse(Acc)};
return_option([{return, R} | T], _Return, Acc, Args) when R =:= iodata; R =:= list; R =:= binary ->
    return_option(T, R, Acc, Args);
return_option([{return, _} | _], _Return, _Acc, Args) -> erlang:error(badarg, Args);
return_option([O | T], Return, Acc, Args) -> return_option(T, Return, [O | Acc], Args);
return_option(_, _Return, _Acc, Args) -> erlang:error(badarg, Args).

is_capture_option({capture, _}) -> true;
is_capture_option({capture, _, _}) -> true;
is_capture_option(_) -> false.

unicode_pattern({re_pattern, _, 1, _, _}, _Options) -> true;
unicode_pattern({re_pattern, _, _, _, _}, _Options) -> false;
unicode_pattern(_, Options) -> lists:member(unicode, Options).

returned(IoData, iodata, _Unicode) -> IoData;
returned(IoData, binary, true) -> unicode:characters_to_binary(IoData);
returned(IoData, binary, false) -> iolist_to_binary(IoData);
returned(IoData, list, true) -> unicode:characters_to_list(IoData);
returned(IoData, list, false) -> binary_to_list(iolist_to_binary(IoData)).

%% The replacement as literal binaries and group numbers: & is the whole match, \N (N >= 1),
%% \gN and \g{N} group N, and a backslash before anything else (\0 too) quotes it.
template(<<>>) -> [];
template(<<$&, Rest/binary>>) -> [0 | template(Rest)];
template(<<$\\, $g, ${, Rest/binary>> = Bin) ->
    case digits(Rest, 0, 0) of
        {N, Count, <<$}, After/binary>>} when Count > 0 -> [N | template(After)];
        _ -> literal($\\, template(binary:part(Bin, 1, byte_size(Bin) - 1)))
    end;
template(<<$\\, $g, Rest/binary>> = Bin) ->
    case digits(Rest, 0, 0) of
        {N, Count, After} when Count > 0 -> [N | template(After)];
        _ -> literal($\\, template(binary:part(Bin, 1, byte_size(Bin) - 1)))
    end;
template(<<$\\, D, _/binary>> = Bin) when D >= $1, D =< $9 ->
    <<_, Rest/binary>> = Bin,
    {N, _Count, After} = digits(Rest, 0, 0),
    [N | template(After)];
template(<<$\\, C, Rest/binary>>) -> literal(C, template(Rest));
template(<<C, Rest/binary>>) -> literal(C, template(Rest)).

literal(C, [Bin | T]) when is_binary(Bin) -> [<<C, Bin/binary>> | T];
literal(C, T) -> [<<C>> | T].

digits(<<D, Rest/binary>>, N, Count) when D >= $0, D =< $9 -> digits(Rest, N * 10 + D - $0, Count + 1);
digits(Rest, N, Count) -> {N, Count, Rest}.

%% The iodata has OTP's shape (the rest of the subject as the list's tail), so results
%% compare equal with =:= too.
substitute(Bin, Pos, [], _Template) when Pos =:= byte_size(Bin) -> [];
substitute(Bin, Pos, [], _Template) -> binary:part(Bin, Pos, byte_size(Bin) - Pos);
substitute(Bin, Pos, [[{Start, _} | _] | _] = Matches, Template) when Start > Pos ->
    [binary:part(Bin, Pos, Start - Pos) | substitute(Bin, Start, Matches, Template)];
substitute(Bin, Pos, [[{_, Len} | _] = Groups | Rest], Template) ->
    [filled(Template, Groups, Bin) | substitute(Bin, Pos + Len, Rest, Template)].

filled([Piece], _Groups, _Bin) when is_binary(Piece) -> Piece;
filled(Template, Groups, Bin) -> [fill(Piece, Groups, Bin) || Piece <- Template].

fill(Piece, _Groups, _Bin) when is_binary(Piece) -> Piece;
fill(N, Groups, Bin) ->
    case nth_group(N, Groups) of
        {Start, Len} when Start >= 0 -> binary:part(Bin, Start, Len);
        _ -> <<>>
    end.

nth_group(0, [G | _]) -> G;
nth_group(N, [_ | T]) -> nth_group(N - 1, T);
nth_group(_, []) -> none.

split(Subject, RE) -> split(Subject, RE, []).

split(Subject, RE, Options) when is_list(Options) ->
    Args = [Subject, RE, Options],
    {Return, Parts, Group, RunOptions} = split_settings(Options, iodata, infinity, false, [], Args),
    Unicode = unicode_pattern(RE, Options),
    Bin = to_binary(Subject, Unicode, Args),
    Compiled = case RE of
                   {re_pattern, _, _, _, _} -> RE;
                   _ ->
                       case compile(RE, [O || O <- RunOptions, compile_option(O)]) of
                           {ok, MP} -> MP;
                           {error, _} -> erlang:error(badarg, Args)
                       end
               end,
    {re_pattern, Groups, _, _, _} = Compiled,
    Matching = [O || O <- RunOptions, not compile_only(O)],
    Pieces = case run(Bin, Compiled, [global, {capture, all, index} | Matching]) of
                 nomatch -> [whole(Bin, Group)];
                 {match, Matches} -> cut(Bin, 0, Matches, Groups, limit(Parts), Group)
             end,
    Kept = case Parts of
               trim -> drop_trailing_empty(Pieces, Group);
               _ -> Pieces
           end,
    [split_part(P, Return, Unicode, Group) || P <- Kept];
split(Subject, RE, Options) ->
    erlang:error(badarg, [Subject, RE, Options]).

split_settings([], Return, Parts, Group, Acc, _Args) ->
    {Return, Parts, Group, lists:reverse(Acc)};
split_settings([trim | T], Return, _Parts, Group, Acc, Args) ->
    split_settings(T, Return, trim, Group, Acc, Args);
split_settings([{parts, 0} | T], Return, _Parts, Group, Acc, Args) ->
    split_settings(T, Return, trim, Group, Acc, Args);
split_settings([{parts, N} | T], Return, _Parts, Group, Acc, Args)
  when N =:= infinity; is_integer(N), N > 0 ->
    split_settings(T, Return, N, Group, Acc, Args);
split_settings([group | T], Return, Parts, _Group, Acc, Args) ->
    split_settings(T, Return, Parts, true, Acc, Args);
split_settings([{return, R} | T], _Return, Parts, Group, Acc, Args)
  when R =:= iodata; R =:= list; R =:= binary ->
    split_settings(T, R, Parts, Group, Acc, Args);
split_settings([O | T], Return, Parts, Group, Acc, Args) ->
    Bad = is_capture_option(O) orelse O =:= global orelse O =:= report_errors
        orelse (is_tuple(O) andalso tuple_size(O) =:= 2
                andalso (element(1, O) =:= parts orelse element(1, O) =:= return)),
    Bad andalso erlang:error(badarg, Args),
    split_settings(T, Return, Parts, Group, [O | Acc], Args);
split_settings(_, _Return, _Parts, _Group, _Acc, Args) ->
    erlang:error(badarg, Args).

%% How many more cuts are allowed: infinity and trim cut everywhere.
limit(N) when is_integer(N) -> N - 1;
limit(_) -> infinity.

whole(Bin, false) -> Bin;
whole(Bin, true) -> [Bin].

cut(Bin, Pos, _Matches, _Groups, 0, Group) ->
    [whole(binary:part(Bin, Pos, byte_size(Bin) - Pos), Group)];
cut(Bin, Pos, [], _Groups, _Left, Group) ->
    [whole(binary:part(Bin, Pos, byte_size(Bin) - Pos), Group)];
cut(Bin, Pos, _Matches, _Groups, _Left, false) when Pos >= byte_size(Bin) ->
    [<<>>];
cut(Bin, Pos, _Matches, _Groups, _Left, true) when Pos >= byte_size(Bin) ->
    [[<<>>]];
cut(Bin, Pos, [[{Start, Len} | Subs] | Rest], Groups, Left, Group) ->
    case Start =:= Pos andalso Len =:= 0 andalso lists:all(fun({_, L}) -> L =:= 0 end, Subs) of
        true ->
            %% An empty match right where the last piece ended cuts nothing.
            cut(Bin, Start + Len, Rest, Groups, Left, Group);
        false ->
            Piece = binary:part(Bin, Pos, Start - Pos),
            Captures = [case G of
                            {S, L} when S >= 0 -> binary:part(Bin, S, L);
                            _ -> <<>>
                        end || G <- pad(Subs, Groups)],
            Next = cut(Bin, Start + Len, Rest, Groups, decrement(Left), Group),
            case Group of
                false -> [Piece | Captures] ++ Next;
                true -> [[Piece | Captures] | Next]
            end
    end.

decrement(infinity) -> infinity;
decrement(N) -> N - 1.

%% Groups that did not take part still give an empty piece each.
pad(Subs, Groups) when length(Subs) >= Groups -> lists:sublist(Subs, Groups);
pad(Subs, Groups) -> Subs ++ lists:duplicate(Groups - length(Subs), {-1, 0}).

drop_trailing_empty(Pieces, false) ->
    lists:reverse(drop_empty(lists:reverse(Pieces)));
drop_trailing_empty(Pieces, true) ->
    lists:reverse(drop_empty_groups(lists:reverse(Pieces))).

drop_empty([<<>> | T]) -> drop_empty(T);
drop_empty(L) -> L.

drop_empty_groups([G | T]) ->
    case lists:all(fun(P) -> P =:= <<>> end, G) of
        true -> drop_empty_groups(T);
        false -> [G | T]
    end;
drop_empty_groups([]) -> [].

split_part(Parts, Return, Unicode, true) -> [split_part(P, Return, Unicode, false) || P <- Parts];
split_part(Bin, list, true, false) -> unicode:characters_to_list(Bin);
split_part(Bin, list, false, false) -> binary_to_list(Bin);
split_part(Bin, _Return, _Unicode, false) -> Bin.

%% ---------------------------------------------------------------------------
%% The bridge to re.js
%% ---------------------------------------------------------------------------

-ifdef(WASMBLOG_HOST_TEST).
%% Tests on the host: re.js runs in a Node process (tests/regex_node_harness.js), one line a
%% request, so this module can be compared with the host's real re in one Erlang VM.
call_js(Request) ->
    Port = case get(wasmblog_re_node) of
               undefined ->
                   Node = os:getenv("WASMBLOG_RE_NODE"),
                   Harness = os:getenv("WASMBLOG_RE_HARNESS"),
                   P = open_port({spawn_executable, Node},
                                 [{args, [Harness]}, {line, 1 bsl 26}, binary, exit_status]),
                   put(wasmblog_re_node, P),
                   P;
               P -> P
           end,
    true = port_command(Port, [base64:encode(term_to_binary(Request)), $\n]),
    receive
        {Port, {data, {eol, Line}}} -> binary_to_term(base64:decode(Line));
        {Port, {exit_status, Status}} -> erlang:error({re_js_node_exited, Status})
    end.
-else.
call_js(Request) ->
    Arg = base64:encode(term_to_binary(Request)),
    Script = <<"(M)=>[globalThis.__wasmblogRe?globalThis.__wasmblogRe.call('", Arg/binary, "'):'']">>,
    case eval(Script, 100) of
        <<>> ->
            install(),
            decode(eval(Script, 100));
        Reply ->
            decode(Reply)
    end.

decode(Reply) -> binary_to_term(base64:decode(Reply)).

%% Evaluates re.js in the page; it defines globalThis.__wasmblogRe.
install() ->
    Script = iolist_to_binary([<<"(M)=>{">>, ?RE_JS, <<"\nreturn [1];}">>]),
    _ = eval(Script, 100),
    ok.

%% The string the script's one-element array holds. The page's hook answers with JSON, so a
%% string comes back quoted. Until Popcorn's page has installed its hooks (the first
%% moments of a boot), scripts are not called and nothing comes back: wait and try again.
eval(Script, Attempts) ->
    case emscripten:run_script_tracked(Script) of
        {ok, [Ref]} ->
            [Value] = emscripten:get_tracked([Ref], value),
            unquote(Value);
        {ok, []} when Attempts > 0 ->
            receive after 10 -> ok end,
            eval(Script, Attempts - 1);
        Other ->
            erlang:error({re_js_unavailable, Other})
    end.

unquote({ok, <<$", _/binary>> = Json}) -> binary:part(Json, 1, byte_size(Json) - 2);
unquote({ok, Text}) -> Text;
unquote(Other) -> erlang:error({re_js_unavailable, Other}).
-endif.
