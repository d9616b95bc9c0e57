%% round/3 (Float.round/ceil/floor with a precision) split the float as
%% <<Sign:1, Exp:11, Significant:52/bitstring>> and walked the bitstring: the VM does not
%% support bitstrings that are not whole bytes (error: unsupported). Here the significand is
%% an integer. The float is Num0 / 2^Count; its first Precision + 1 decimals are
%% Num0 * 10^(Precision + 1) div 2^Count, which equals Elixir's
%% Num0 * 5^Count div 10^(Count - Precision - 1) but stays far below the VM's 256-bit integer
%% limit (5^103 does not: out_of_memory). (Elixir modules are compiled with no_auto_import.)
-module('Elixir.Float').
-export([]).

round(0.0 = Num, _Precision, _Rounding) -> Num;
round(Float, Precision, Rounding) ->
    <<Sign:1, Exp:11, Significand:52>> = <<Float/float>>,
    {Num0, LastOne} = wasmblog_decompose(Significand),
    Count = LastOne - Exp + 1023,
    if
        Count >= 104 ->
            case Rounding of
                ceil when Sign =:= 0 -> 1 / power_of_10(Precision);
                floor when Sign =:= 1 -> -1 / power_of_10(Precision);
                _ -> 0.0
            end;
        Count =< Precision -> Float;
        true ->
            Scaled = (Num0 * power_of_10(Precision + 1)) bsr Count,
            Num = rounding(Rounding, Sign, Scaled, Scaled div 10),
            Den = power_of_10(Precision),
            Boundary = Den bsl 52,
            if
                Num == 0 -> 0.0;
                Num >= Boundary ->
                    {Den1, Exp1} = scale_down(Num, Boundary, 52),
                    decimal_to_float(Sign, Num, Den1, Exp1);
                true ->
                    {Num1, Exp1} = scale_up(Num, Boundary, 52),
                    decimal_to_float(Sign, Num1, Den, Exp1)
            end
    end.

%% The implicit leading 1 followed by the significand up to its last 1 bit, and that bit's
%% position (1 to 52, 0 when the significand is 0): what decompose/2 returned.
wasmblog_decompose(0) -> {1, 0};
wasmblog_decompose(Significand) ->
    Zeros = wasmblog_trailing_zeros(Significand, 0),
    {((1 bsl 52) bor Significand) bsr Zeros, 52 - Zeros}.

wasmblog_trailing_zeros(N, Zeros) when N band 1 =:= 0 -> wasmblog_trailing_zeros(N bsr 1, Zeros + 1);
wasmblog_trailing_zeros(_N, Zeros) -> Zeros.
