-module(io).
-export([printable_range/0]).

%% The host's default (erl without +pc unicode): ~tp prints lists of code points above 255 as lists.
printable_range() -> latin1.
