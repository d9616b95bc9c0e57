%% write/2 took its default encoding from epp:default_encoding/0 (utf8), which pulls the
%% preprocessor into the bundle; the same default is written here.
-module(io_lib).
-export([]).

write(Term, Options) when is_list(Options) ->
    Depth = get_option(depth, Options, -1),
    Encoding = get_option(encoding, Options, utf8),
    CharsLimit = get_option(chars_limit, Options, -1),
    if
        Depth =:= 0; CharsLimit =:= 0 -> "...";
        CharsLimit < 0 -> write1(Term, Depth, Encoding);
        CharsLimit > 0 ->
            Intermediate = io_lib_pretty:intermediate(Term, Depth, CharsLimit, fun(_, _) -> no end, Encoding, false),
            io_lib_pretty:write(Intermediate)
    end;
write(Term, Depth) -> write(Term, [{depth, Depth}, {encoding, latin1}]).

%% Reserved words came from erl_scan:reserved_word/1, which brings the scanner and erl_features;
%% these are OTP 25's (with no optional feature enabled).
quote_atom(Atom, Chars) ->
    Reserved = ['after', 'and', 'andalso', 'band', 'begin', 'bnot', 'bor', 'bsl', 'bsr', 'bxor', 'case',
                'catch', 'cond', 'div', 'end', 'fun', 'if', 'let', 'not', 'of', 'or', 'orelse', 'receive',
                'rem', 'try', 'when', 'xor'],
    case lists:member(Atom, Reserved) of
        true -> true;
        false ->
            case Chars of
                [C | Rest] when C >= $a, C =< $z -> not name_chars(Rest);
                [C | Rest] when C >= 16#DF, C =< 16#FF, C =/= 16#F7 -> not name_chars(Rest);
                _ -> true
            end
    end.
