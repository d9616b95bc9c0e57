%% Real bodies for binary functions OTP implements in C that this VM lacks.
-module(binary).
-export([part/2, referenced_byte_size/1, decode_unsigned/1, decode_unsigned/2, encode_unsigned/1,
         encode_unsigned/2, matches/2, matches/3, longest_common_suffix/1, compile_pattern/1]).

part(Subject, {Pos, Len}) -> binary:part(Subject, Pos, Len).

referenced_byte_size(Binary) when is_binary(Binary) -> byte_size(Binary).

decode_unsigned(Binary) -> decode_unsigned(Binary, big).

decode_unsigned(Binary, big) -> Size = bit_size(Binary), <<N:Size/unsigned-big>> = Binary, N;
decode_unsigned(Binary, little) -> Size = bit_size(Binary), <<N:Size/unsigned-little>> = Binary, N.

encode_unsigned(N) -> encode_unsigned(N, big).

encode_unsigned(N, Endian) when is_integer(N), N >= 0 ->
    Bytes = wasmblog_bytes(N, []),
    case Endian of
        big -> list_to_binary(Bytes);
        little -> list_to_binary(lists:reverse(Bytes))
    end.

wasmblog_bytes(N, Acc) when N < 256 -> [N | Acc];
wasmblog_bytes(N, Acc) -> wasmblog_bytes(N bsr 8, [N band 255 | Acc]).

%% Patterns stay as given: the VM's binary:match NIF takes them uncompiled.
compile_pattern(Pattern) -> Pattern.

matches(Subject, Pattern) -> matches(Subject, Pattern, []).

matches(Subject, Pattern, _Options) -> wasmblog_matches(Subject, Pattern, 0, []).

wasmblog_matches(Subject, Pattern, Start, Acc) when Start =< byte_size(Subject) ->
    case binary:match(Subject, Pattern, [{scope, {Start, byte_size(Subject) - Start}}]) of
        nomatch -> lists:reverse(Acc);
        {Pos, 0} -> wasmblog_matches(Subject, Pattern, Pos + 1, Acc);
        {Pos, Len} = Found -> wasmblog_matches(Subject, Pattern, Pos + Len, [Found | Acc])
    end;
wasmblog_matches(_Subject, _Pattern, _Start, Acc) -> lists:reverse(Acc).

longest_common_suffix(Binaries) ->
    Reversed = [list_to_binary(lists:reverse(binary_to_list(B))) || B <- Binaries],
    binary:longest_common_prefix(Reversed).
