-module(unicode).
-export([bin_is_7bit/1]).

bin_is_7bit(<<C, Rest/binary>>) when C < 128 -> bin_is_7bit(Rest);
bin_is_7bit(<<>>) -> true;
bin_is_7bit(_) -> false.
